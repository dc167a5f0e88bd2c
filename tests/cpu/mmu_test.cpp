#include "cpu/mmu.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <thread>

namespace rvisor::cpu {
namespace {

using A = AccessType;
using E = Exception;
constexpr PrivMode kS = PrivMode::Supervisor, kU = PrivMode::User, kM = PrivMode::Machine;

constexpr u64 kRamBase = 0x8000'0000, kRamSize = 4ULL << 20;
constexpr u64 kTablesBase = kRamBase + (3ULL << 20);  // last MiB holds page tables
constexpr u64 V = pte::kV, R = pte::kR, W = pte::kW, X = pte::kX, U = pte::kU, G = pte::kG,
              AB = pte::kA, D = pte::kD;

// Builds page tables in guest RAM with a bump allocator of zeroed 4 KiB tables.
class Tables {
  public:
    Tables(mem::GuestRam& ram, unsigned levels) : ram_(ram), levels_(levels) { root_ = alloc(); }

    u64 satp(u16 asid = 0) const {
        return (static_cast<u64>(levels_ + 5) << satp::kModeShift) |
               (static_cast<u64>(asid) << satp::kAsidShift) | (root_ >> 12);
    }
    u64 root() const { return root_; }

    // Maps va's page at `level` (0 = 4 KiB) to pa with the leaf flags; returns the leaf PTE's
    // address. Missing intermediate tables are created as plain V pointers (plus `dir_flags`).
    u64 map(u64 va, u64 pa, unsigned level, u64 flags, u64 dir_flags = 0) {
        u64 table = root_;
        for (unsigned i = levels_ - 1; i > level; --i) {
            const u64 slot = slot_of(table, va, i);
            u64 e = read(slot);
            if (!(e & V)) {
                e = ((alloc() >> 12) << 10) | V | dir_flags;
                write(slot, e);
            }
            table = ((e >> 10) & ((1ULL << 44) - 1)) << 12;
        }
        const u64 slot = slot_of(table, va, level);
        write(slot, ((pa >> 12) << 10) | flags);
        return slot;
    }
    // Address of the PTE slot for va at `level`, following existing pointers.
    u64 slot(u64 va, unsigned level) const {
        u64 table = root_;
        for (unsigned i = levels_ - 1; i > level; --i)
            table = ((read(slot_of(table, va, i)) >> 10) & ((1ULL << 44) - 1)) << 12;
        return slot_of(table, va, level);
    }

    u64 read(u64 pa) const {
        u64 v;
        std::memcpy(&v, ram_.host(pa), 8);
        return v;
    }
    void write(u64 pa, u64 v) { std::memcpy(ram_.host(pa), &v, 8); }

  private:
    static u64 slot_of(u64 table, u64 va, unsigned level) {
        return table + ((va >> (12 + 9 * level)) & 511) * 8;
    }
    u64 alloc() {
        static_assert(kTablesBase + (1ULL << 20) <= kRamBase + kRamSize);
        const u64 p = next_;
        next_ += 0x1000;
        std::memset(ram_.host(p), 0, 0x1000);
        return p;
    }

    mem::GuestRam& ram_;
    unsigned levels_;
    u64 root_ = 0;
    u64 next_ = kTablesBase;
};

// Sign-extends va from bit VALEN-1, making it canonical for `levels`.
constexpr u64 canonical(u64 va, unsigned levels) {
    const unsigned unused = 64 - (12 + 9 * levels);
    return static_cast<u64>(static_cast<i64>(va << unused) >> unused);
}

constexpr E page_fault(A a) {
    return a == A::Read ? E::LoadPageFault : a == A::Write ? E::StorePageFault : E::InsnPageFault;
}
constexpr E access_fault(A a) {
    return a == A::Read    ? E::LoadAccessFault
           : a == A::Write ? E::StoreAccessFault
                           : E::InsnAccessFault;
}

// ---- satp ----

TEST(MmuSatp, SupportedModesAndFields) {
    for (u64 m = 0; m < 16; ++m)
        EXPECT_EQ(satp::mode_supported(m), m == 0 || m == 8 || m == 9 || m == 10) << m;
    EXPECT_EQ(satp::levels(satp::kModeSv39), 3u);
    EXPECT_EQ(satp::levels(satp::kModeSv48), 4u);
    EXPECT_EQ(satp::levels(satp::kModeSv57), 5u);
    EXPECT_EQ(satp::levels(satp::kModeBare), 0u);
    EXPECT_EQ(satp::levels(11), 0u);
    const u64 v = (9ULL << 60) | (0xbeefULL << 44) | 0x0123'4567'89abULL;
    EXPECT_EQ(satp::mode(v), 9u);
    EXPECT_EQ(satp::asid(v), 0xbeefu);
    EXPECT_EQ(satp::ppn(v), 0x0123'4567'89abULL);
    EXPECT_EQ(satp::kAsidBits, 16u);
}

// ---- fixture ----

class MmuTest : public ::testing::Test {
  protected:
    MmuTest() : ram_(kRamBase, kRamSize) {
        pmp_.write_addr(0, ~0ULL >> 10);  // NAPOT over everything, RWX
        pmp_.write_cfg(0, Pmp::kR | Pmp::kW | Pmp::kX | (3u << Pmp::kAShift));
    }
    WalkResult run(u64 satp, u64 va, A access, PrivMode priv = kS, bool sum = false,
                   bool mxr = false) {
        return walk(ram_, pmp_, WalkRequest{satp, va, access, priv, sum, mxr});
    }
    static ::testing::AssertionResult faults(const WalkResult& r, E cause) {
        if (r.ok) return ::testing::AssertionFailure() << "walk succeeded, pa=" << r.pa;
        if (r.fault != cause)
            return ::testing::AssertionFailure()
                   << "cause " << int(r.fault) << ", expected " << int(cause);
        return ::testing::AssertionSuccess();
    }

    mem::GuestRam ram_;
    Pmp pmp_;
};

TEST_F(MmuTest, BareAndMachineModeAreUntranslated) {
    WalkResult r = run(0, 0x1234'5678'9abcULL, A::Write);
    EXPECT_TRUE(r.ok);
    EXPECT_EQ(r.pa, 0x1234'5678'9abcULL);
    EXPECT_EQ(r.page_pa, 0x1234'5678'9000ULL);
    EXPECT_EQ(r.allowed, Pmp::kPermAll);
    EXPECT_TRUE(r.writable_cached);
    // Effective M-mode is never translated, even with a paged satp whose root is garbage.
    r = run((8ULL << 60) | 0x12345, 0xdead'beefULL, A::Execute, kM);
    EXPECT_TRUE(r.ok);
    EXPECT_EQ(r.pa, 0xdead'beefULL);
}

// ---- per mode ----

struct ModeCase {
    unsigned levels;
    const char* name;
    friend void PrintTo(const ModeCase& m, std::ostream* os) { *os << m.name; }
};

class MmuWalk : public MmuTest, public ::testing::WithParamInterface<ModeCase> {
  protected:
    unsigned levels() const { return GetParam().levels; }
    // A va using a distinct index at every level, page offset 0xabc.
    u64 va() const {
        u64 v = 0xabc;
        for (unsigned i = 0; i < levels(); ++i) v |= static_cast<u64>(3 + 5 * i) << (12 + 9 * i);
        return canonical(v, levels());
    }
};

TEST_P(MmuWalk, FourKibPageTranslatesAndSetsAccessed) {
    Tables t(ram_, levels());
    const u64 leaf = t.map(va(), 0x8012'3000, 0, V | R | W | X);
    WalkResult r = run(t.satp(), va(), A::Read);
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.pa, 0x8012'3abcULL);
    EXPECT_EQ(r.page_pa, 0x8012'3000ULL);
    EXPECT_EQ(r.level, 0);
    EXPECT_EQ(r.pte_pa, leaf);
    EXPECT_TRUE(r.pte_written);
    EXPECT_EQ(t.read(leaf), ((0x8012'3000ULL >> 12) << 10) | V | R | W | X | AB)
        << "a read sets A only";
    EXPECT_EQ(r.pte, t.read(leaf));
    EXPECT_EQ(r.allowed, Pmp::kPermRead | Pmp::kPermExec) << "D=0: writes must walk again";
    EXPECT_FALSE(r.writable_cached);

    r = run(t.satp(), va(), A::Write);
    ASSERT_TRUE(r.ok);
    EXPECT_TRUE(r.pte_written);
    EXPECT_EQ(t.read(leaf), ((0x8012'3000ULL >> 12) << 10) | V | R | W | X | AB | D);
    EXPECT_EQ(r.allowed, Pmp::kPermAll);
    EXPECT_TRUE(r.writable_cached);

    r = run(t.satp(), va() + 4, A::Execute);
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.pa, 0x8012'3ac0ULL);
    EXPECT_FALSE(r.pte_written) << "A and D already set";
}

TEST_P(MmuWalk, FetchSetsAccessedButNotDirty) {
    Tables t(ram_, levels());
    const u64 leaf = t.map(va(), 0x8000'5000, 0, V | X | W | R);
    ASSERT_TRUE(run(t.satp(), va(), A::Execute).ok);
    EXPECT_EQ(t.read(leaf) & (AB | D), AB);
}

TEST_P(MmuWalk, SuperpagesAtEveryLevelCombineVaBits) {
    for (unsigned level = 1; level < levels(); ++level) {
        Tables t(ram_, levels());
        const unsigned shift = 12 + 9 * level;
        const u64 page_pa = (level == 1 ? 0x8020'0000ULL : 1ULL << (shift + 1));
        const u64 offset = 0x1234'5678'9abcULL & ((1ULL << shift) - 1);
        const u64 base_va = canonical(7ULL << shift, levels()) & ~((1ULL << shift) - 1);
        const u64 leaf = t.map(base_va, page_pa, level, V | R | W | AB | D);
        const WalkResult r = run(t.satp(), base_va + offset, A::Write);
        ASSERT_TRUE(r.ok) << level;
        EXPECT_EQ(r.pa, page_pa | offset) << level;
        EXPECT_EQ(r.page_pa, (page_pa | offset) & ~0xfffULL) << level;
        EXPECT_EQ(r.level, level);
        EXPECT_EQ(r.pte_pa, leaf);
        EXPECT_FALSE(r.pte_written);
        EXPECT_TRUE(r.writable_cached);
    }
}

TEST_P(MmuWalk, MisalignedSuperpageFaults) {
    for (unsigned level = 1; level < levels(); ++level) {
        for (A a : {A::Read, A::Write, A::Execute}) {
            Tables t(ram_, levels());
            const unsigned shift = 12 + 9 * level;
            const u64 base_va = canonical(5ULL << shift, levels()) & ~((1ULL << shift) - 1);
            // Lowest PPN bit set: misaligned for any superpage level.
            t.map(base_va, (1ULL << shift) + 0x1000, level, V | R | W | X | AB | D);
            EXPECT_TRUE(faults(run(t.satp(), base_va, a), page_fault(a)));
        }
    }
}

TEST_P(MmuWalk, NonCanonicalVaFaults) {
    Tables t(ram_, levels());
    t.map(va(), 0x8000'0000, 0, V | R | W | X | AB | D);
    const unsigned top = 12 + 9 * levels() - 1;  // bit VALEN-1
    ASSERT_TRUE(run(t.satp(), va(), A::Read).ok);
    for (A a : {A::Read, A::Write, A::Execute}) {
        EXPECT_TRUE(faults(run(t.satp(), va() ^ (1ULL << 63), a), page_fault(a)));
        EXPECT_TRUE(faults(run(t.satp(), va() ^ (1ULL << (top + 1)), a), page_fault(a)));
        EXPECT_TRUE(faults(run(t.satp(), va() | (1ULL << top), a), page_fault(a)))
            << "bit VALEN-1 set without the bits above";
    }
}

TEST_P(MmuWalk, UpperHalfCanonicalVaTranslates) {
    Tables t(ram_, levels());
    const u64 hi = canonical((1ULL << (12 + 9 * levels() - 1)) | 0x7000, levels());
    EXPECT_EQ(hi >> 63, 1u);
    t.map(hi, 0x8000'7000, 0, V | R | AB);
    const WalkResult r = run(t.satp(), hi + 0x10, A::Read);
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.pa, 0x8000'7010ULL);
}

TEST_P(MmuWalk, InvalidPteAtEachLevelFaults) {
    for (unsigned level = 0; level < levels(); ++level) {
        for (A a : {A::Read, A::Write, A::Execute}) {
            Tables t(ram_, levels());
            t.map(va(), 0x8000'0000, 0, V | R | W | X | AB | D);
            const u64 slot = t.slot(va(), level);
            t.write(slot, t.read(slot) & ~V);
            EXPECT_TRUE(faults(run(t.satp(), va(), a), page_fault(a)));
        }
    }
}

TEST_P(MmuWalk, PointerAtLastLevelFaults) {
    Tables t(ram_, levels());
    t.map(va(), 0x8000'0000, 0, V);  // R=W=X=0 at level 0: a pointer with nowhere to go
    for (A a : {A::Read, A::Write, A::Execute})
        EXPECT_TRUE(faults(run(t.satp(), va(), a), page_fault(a)));
}

TEST_P(MmuWalk, ReservedHighBitsFaultInLeafAndPointer) {
    for (unsigned bit : {54u, 60u, 61u, 62u, 63u}) {
        for (unsigned level = 0; level < levels(); ++level) {
            Tables t(ram_, levels());
            t.map(va(), 0x8000'0000, 0, V | R | W | X | AB | D);
            const u64 slot = t.slot(va(), level);
            t.write(slot, t.read(slot) | (1ULL << bit));
            EXPECT_TRUE(faults(run(t.satp(), va(), A::Read), E::LoadPageFault));
            EXPECT_TRUE(faults(run(t.satp(), va(), A::Write), E::StorePageFault));
        }
    }
}

TEST_P(MmuWalk, PointerWithDAOrUFaults) {
    for (u64 bit : {D, AB, U}) {
        for (unsigned level = 1; level < levels(); ++level) {
            Tables t(ram_, levels());
            t.map(va(), 0x8000'0000, 0, V | R | W | X | U | AB | D);
            const u64 slot = t.slot(va(), level);
            t.write(slot, t.read(slot) | bit);
            EXPECT_TRUE(faults(run(t.satp(), va(), A::Read, kU), E::LoadPageFault));
        }
    }
    // G and the RSW bits are fine in a pointer.
    Tables t(ram_, levels());
    t.map(va(), 0x8000'0000, 0, V | R | AB, G | (3ULL << 8));
    const WalkResult r = run(t.satp(), va(), A::Read);
    ASSERT_TRUE(r.ok);
    EXPECT_TRUE(r.global) << "G in a pointer makes the mapping global";
}

TEST_P(MmuWalk, PteOutsideRamIsAnAccessFault) {
    for (A a : {A::Read, A::Write, A::Execute}) {
        // Root table outside RAM.
        const u64 satp_out = (static_cast<u64>(levels() + 5) << 60) | (0x1000'0000ULL >> 12);
        EXPECT_TRUE(faults(run(satp_out, va(), a), access_fault(a)));
        // A pointer one level down leading outside RAM.
        Tables t(ram_, levels());
        t.map(va(), 0x8000'0000, 0, V | R | W | X | AB | D);
        const u64 slot = t.slot(va(), levels() - 1);
        t.write(slot, ((0x7000'0000ULL >> 12) << 10) | V);
        EXPECT_TRUE(faults(run(t.satp(), va(), a), access_fault(a)));
    }
}

TEST_P(MmuWalk, PmpDenyingAPteReadIsAnAccessFault) {
    Tables t(ram_, levels());
    const u64 leaf = t.map(va(), 0x8000'0000, 0, V | R | W | X | AB | D);
    ASSERT_TRUE(run(t.satp(), va(), A::Read).ok);
    // Entry 0 now hides the leaf table's page from S-mode; entry 1 allows the rest.
    Pmp pmp;
    pmp.write_addr(0, ((leaf & ~0xfffULL) | 0x7ff) >> 2);
    pmp.write_addr(1, ~0ULL >> 10);
    pmp.write_cfg(0, (0x1fULL << 8) | 0x18);
    for (A a : {A::Read, A::Write, A::Execute}) {
        const WalkResult r = walk(ram_, pmp, WalkRequest{t.satp(), va(), a, kU, false, false});
        EXPECT_TRUE(faults(r, access_fault(a)));
    }
    // No active entry at all: S-mode PTE reads match nothing and fail.
    Pmp off;
    EXPECT_TRUE(faults(walk(ram_, off, WalkRequest{t.satp(), va(), A::Read, kS, false, false}),
                       E::LoadAccessFault));
}

TEST_P(MmuWalk, PmpDenyingTheAdUpdateIsAnAccessFault) {
    Tables t(ram_, levels());
    const u64 leaf = t.map(va(), 0x8000'0000, 0, V | R | W | AB);  // D = 0
    Pmp pmp;
    pmp.write_addr(0, ((leaf & ~0xfffULL) | 0x7ff) >> 2);  // leaf table page: read-only
    pmp.write_addr(1, ~0ULL >> 10);
    pmp.write_cfg(0, (0x1fULL << 8) | 0x19);
    // A read needs no update and succeeds; a write must set D and cannot.
    EXPECT_TRUE(walk(ram_, pmp, WalkRequest{t.satp(), va(), A::Read, kS, false, false}).ok);
    EXPECT_TRUE(faults(walk(ram_, pmp, WalkRequest{t.satp(), va(), A::Write, kS, false, false}),
                       E::StoreAccessFault));
    EXPECT_EQ(t.read(leaf) & D, 0u) << "nothing written";
}

INSTANTIATE_TEST_SUITE_P(Modes, MmuWalk,
                         ::testing::Values(ModeCase{3, "Sv39"}, ModeCase{4, "Sv48"},
                                           ModeCase{5, "Sv57"}),
                         [](const ::testing::TestParamInfo<ModeCase>& i) {
                             return std::string(i.param.name);
                         });

// ---- permissions (Sv39; the check is the same for every mode) ----

constexpr u64 kVa = 0x4000'2000;

TEST_F(MmuTest, EveryRwxCombinationForSupervisor) {
    for (u64 rwx = 0; rwx < 8; ++rwx) {
        const u64 flags = rwx << 1;  // R=bit1, W=bit2, X=bit3
        if (flags == 0) continue;    // a pointer, tested elsewhere
        for (bool mxr : {false, true}) {
            for (A a : {A::Read, A::Write, A::Execute}) {
                Tables t(ram_, 3);
                t.map(kVa, 0x8000'1000, 0, V | flags | AB | D);
                const bool reserved = (flags & (R | W)) == W;
                bool expect = false;
                if (!reserved) {
                    if (a == A::Read) expect = (flags & R) || (mxr && (flags & X));
                    if (a == A::Write) expect = flags & W;
                    if (a == A::Execute) expect = flags & X;
                }
                const WalkResult r = run(t.satp(), kVa, a, kS, false, mxr);
                EXPECT_EQ(r.ok, expect) << "rwx=" << rwx << " mxr=" << mxr << " a=" << int(a);
                if (!expect) {
                    EXPECT_EQ(r.fault, page_fault(a));
                }
            }
        }
    }
}

TEST_F(MmuTest, WriteWithoutReadIsReservedEvenForWritesAndFetches) {
    Tables t(ram_, 3);
    t.map(kVa, 0x8000'1000, 0, V | W | X | AB | D);
    EXPECT_TRUE(faults(run(t.satp(), kVa, A::Write), E::StorePageFault));
    EXPECT_TRUE(faults(run(t.satp(), kVa, A::Execute), E::InsnPageFault));
    EXPECT_TRUE(faults(run(t.satp(), kVa, A::Read, kS, false, true), E::LoadPageFault));
}

TEST_F(MmuTest, ExecuteOnlyPageIsReadableOnlyWithMxr) {
    Tables t(ram_, 3);
    const u64 leaf = t.map(kVa, 0x8000'1000, 0, V | X);
    EXPECT_TRUE(faults(run(t.satp(), kVa, A::Read), E::LoadPageFault));
    EXPECT_EQ(t.read(leaf) & AB, 0u) << "a faulting walk sets nothing";
    WalkResult r = run(t.satp(), kVa, A::Read, kS, false, true);
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.pa, 0x8000'1000ULL);
    EXPECT_EQ(r.allowed, Pmp::kPermRead | Pmp::kPermExec);
    EXPECT_TRUE(faults(run(t.satp(), kVa, A::Write, kS, false, true), E::StorePageFault));
    EXPECT_TRUE(run(t.satp(), kVa, A::Execute).ok);
    r = run(t.satp(), kVa, A::Execute);
    EXPECT_EQ(r.allowed, Pmp::kPermExec) << "without MXR, X-only";
}

TEST_F(MmuTest, SupervisorOnUserPageNeedsSumAndNeverExecutes) {
    Tables t(ram_, 3);
    t.map(kVa, 0x8000'1000, 0, V | R | W | X | U | AB | D);
    EXPECT_TRUE(faults(run(t.satp(), kVa, A::Read, kS, false), E::LoadPageFault));
    EXPECT_TRUE(faults(run(t.satp(), kVa, A::Write, kS, false), E::StorePageFault));
    EXPECT_TRUE(faults(run(t.satp(), kVa, A::Execute, kS, false), E::InsnPageFault));
    WalkResult r = run(t.satp(), kVa, A::Read, kS, true);
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.allowed, Pmp::kPermRead | Pmp::kPermWrite) << "SUM never grants X";
    EXPECT_TRUE(run(t.satp(), kVa, A::Write, kS, true).ok);
    EXPECT_TRUE(faults(run(t.satp(), kVa, A::Execute, kS, true), E::InsnPageFault));
    EXPECT_TRUE(faults(run(t.satp(), kVa, A::Execute, kS, true, true), E::InsnPageFault));
}

TEST_F(MmuTest, SumWithMxrReadsExecuteOnlyUserPage) {
    Tables t(ram_, 3);
    t.map(kVa, 0x8000'1000, 0, V | X | U | AB);
    EXPECT_TRUE(faults(run(t.satp(), kVa, A::Read, kS, true, false), E::LoadPageFault));
    EXPECT_TRUE(faults(run(t.satp(), kVa, A::Read, kS, false, true), E::LoadPageFault));
    EXPECT_TRUE(run(t.satp(), kVa, A::Read, kS, true, true).ok);
}

TEST_F(MmuTest, UserModeNeedsUserPages) {
    Tables t(ram_, 3);
    t.map(kVa, 0x8000'1000, 0, V | R | W | X | AB | D);
    t.map(kVa + 0x1000, 0x8000'2000, 0, V | R | W | X | U | AB | D);
    for (A a : {A::Read, A::Write, A::Execute}) {
        EXPECT_TRUE(faults(run(t.satp(), kVa, a, kU), page_fault(a)));
        EXPECT_TRUE(faults(run(t.satp(), kVa, a, kU, true, true), page_fault(a)))
            << "SUM is S-only";
        const WalkResult r = run(t.satp(), kVa + 0x1000, a, kU);
        ASSERT_TRUE(r.ok);
        EXPECT_EQ(r.pa, 0x8000'2000ULL);
        EXPECT_EQ(r.allowed, Pmp::kPermAll);
    }
}

TEST_F(MmuTest, UserReadOnlyPageRejectsUserStores) {
    Tables t(ram_, 3);
    const u64 leaf = t.map(kVa, 0x8000'1000, 0, V | R | U);
    EXPECT_TRUE(faults(run(t.satp(), kVa, A::Write, kU), E::StorePageFault));
    EXPECT_EQ(t.read(leaf) & (AB | D), 0u);
    EXPECT_TRUE(run(t.satp(), kVa, A::Read, kU).ok);
    EXPECT_EQ(t.read(leaf) & (AB | D), AB);
}

TEST_F(MmuTest, GlobalLeafAndAsidAreReported) {
    Tables t(ram_, 3);
    t.map(kVa, 0x8000'1000, 0, V | R | G | AB);
    const WalkResult r = run(t.satp(0xffff), kVa, A::Read);
    ASSERT_TRUE(r.ok) << "ASID bits do not disturb the root PPN";
    EXPECT_TRUE(r.global);
    Tables t2(ram_, 3);
    t2.map(kVa, 0x8000'1000, 0, V | R | AB);
    EXPECT_FALSE(run(t2.satp(), kVa, A::Read).global);
}

TEST_F(MmuTest, SelfReferencingTableEndsInAPageFault) {
    Tables t(ram_, 3);
    // Every level's slot points back at the root: the walk runs out of levels.
    t.write(t.root() + ((kVa >> 30) & 511) * 8, ((t.root() >> 12) << 10) | V);
    t.write(t.root() + ((kVa >> 21) & 511) * 8, ((t.root() >> 12) << 10) | V);
    t.write(t.root() + ((kVa >> 12) & 511) * 8, ((t.root() >> 12) << 10) | V);
    EXPECT_TRUE(faults(run(t.satp(), kVa, A::Read), E::LoadPageFault));
}

TEST_F(MmuTest, LeafWithOnlyAccessedSetGetsDirtyOnWrite) {
    Tables t(ram_, 3);
    const u64 leaf = t.map(kVa, 0x8000'1000, 0, V | R | W | AB | G | (1ULL << 9));
    const WalkResult r = run(t.satp(), kVa, A::Write);
    ASSERT_TRUE(r.ok);
    EXPECT_TRUE(r.pte_written);
    EXPECT_EQ(t.read(leaf), ((0x8000'1000ULL >> 12) << 10) | V | R | W | AB | D | G | (1ULL << 9))
        << "the update only adds D";
}

// The A/D update is a compare-and-swap: a concurrent writer's change to other PTE bits (here
// an RSW bit toggled by another thread for as long as the walks run) is never lost, and a lost
// race re-evaluates the PTE.
TEST_F(MmuTest, AdUpdateNeverLosesAConcurrentPteChange) {
    Tables t(ram_, 3);
    const u64 leaf = t.map(kVa, 0x8000'1000, 0, V | R | W);
    u64* host = reinterpret_cast<u64*>(ram_.host(leaf));
    std::atomic<bool> started{false}, done{false};
    u64 toggles = 0;
    std::thread toggler([&] {
        started.store(true);
        while (!done.load(std::memory_order_relaxed)) {
            __atomic_fetch_xor(host, 1ULL << 8, __ATOMIC_SEQ_CST);
            ++toggles;
        }
    });
    while (!started.load()) {
    }
    for (int i = 0; i < 200000; ++i) {
        __atomic_fetch_and(host, ~(AB | D), __ATOMIC_SEQ_CST);
        const WalkResult r = run(t.satp(), kVa, A::Write);
        ASSERT_TRUE(r.ok);
        ASSERT_EQ(r.pte & (AB | D), AB | D);
    }
    done.store(true);
    toggler.join();
    EXPECT_EQ(t.read(leaf),
              ((0x8000'1000ULL >> 12) << 10) | V | R | W | AB | D | ((toggles & 1) << 8))
        << toggles << " toggles";
}

}  // namespace
}  // namespace rvisor::cpu
