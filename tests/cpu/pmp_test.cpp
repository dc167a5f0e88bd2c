#include "cpu/pmp.hpp"

#include <gtest/gtest.h>

namespace rvisor::cpu {
namespace {

using A = AccessType;
constexpr PrivMode kM = PrivMode::Machine, kS = PrivMode::Supervisor, kU = PrivMode::User;

constexpr u8 kR = Pmp::kR, kW = Pmp::kW, kX = Pmp::kX, kL = Pmp::kL;
constexpr u8 kTor = 1 << 3, kNa4 = 2 << 3, kNapot = 3 << 3;

// Read-modify-write of one entry's byte in pmpcfg0/pmpcfg2, as firmware does it.
void set_cfg(Pmp& pmp, unsigned entry, u8 cfg) {
    const unsigned n = (entry / 8) * 2;
    const unsigned shift = 8 * (entry % 8);
    u64 v = pmp.read_cfg(n);
    v &= ~(0xffULL << shift);
    v |= static_cast<u64>(cfg) << shift;
    pmp.write_cfg(n, v);
}

// pmpaddr encoding of a naturally aligned power-of-two region of >= 8 bytes (table 3.10).
constexpr u64 napot(u64 base, u64 size) {
    return (base | (size / 2 - 1)) >> 2;
}

TEST(Pmp, OnlyEvenCfgCsrsExistOnRv64) {
    for (unsigned n = 0; n < 16; ++n) EXPECT_EQ(Pmp::cfg_csr_exists(n), n % 2 == 0) << n;
    EXPECT_FALSE(Pmp::cfg_csr_exists(16));
}

TEST(Pmp, CfgReadsBackLegalizedAndPerEntry) {
    Pmp pmp;
    // Entry 0: R|W|X|NAPOT|L-less with reserved bits 6:5 set; entry 1: W without R (X, TOR);
    // entry 2: W only; entry 7: NA4 R.
    const u64 written = 0x11ULL << 56 | 0x0aULL << 16 | 0x0eULL << 8 | 0x7fULL;
    pmp.write_cfg(0, written);
    EXPECT_EQ(pmp.read_cfg(0), 0x11ULL << 56 | 0x08ULL << 16 | 0x0cULL << 8 | 0x1fULL);
    EXPECT_EQ(pmp.entry_cfg(0), 0x1f);
    EXPECT_EQ(pmp.entry_cfg(1), 0x0c) << "R=0 W=1 drops W, keeps X and A";
    EXPECT_EQ(pmp.entry_cfg(2), 0x08) << "W alone becomes no permission, A kept";
    EXPECT_EQ(pmp.entry_cfg(7), 0x11);

    pmp.write_cfg(2, 0x9f00'0000'0000'0019ULL);
    EXPECT_EQ(pmp.read_cfg(2), 0x9f00'0000'0000'0019ULL);
    EXPECT_EQ(pmp.entry_cfg(8), 0x19);
    EXPECT_EQ(pmp.entry_cfg(15), 0x9f);
    EXPECT_EQ(pmp.read_cfg(0), 0x11ULL << 56 | 0x08ULL << 16 | 0x0cULL << 8 | 0x1fULL)
        << "pmpcfg2 does not alias pmpcfg0";

    for (unsigned n = 4; n < 16; n += 2) {
        pmp.write_cfg(n, ~0ULL);
        EXPECT_EQ(pmp.read_cfg(n), 0u) << "pmpcfg" << n << " is unimplemented";
    }
    EXPECT_EQ(pmp.read_cfg(1), 0u) << "odd numbers do not exist on RV64";
}

TEST(Pmp, ReservedWriteOnlyCombinationIsNeverStored) {
    for (unsigned b = 0; b < 256; ++b) {
        const u8 legal = Pmp::legalize_cfg(static_cast<u8>(b));
        EXPECT_NE(legal & (kR | kW), kW) << b;
        EXPECT_EQ(legal & 0x60, 0) << b;
        EXPECT_EQ(legal & (kR | kX | Pmp::kA | kL), b & (kR | kX | Pmp::kA | kL)) << b;
    }
    Pmp pmp;
    pmp.write_addr(0, napot(0x8000'0000, 0x1000));
    set_cfg(pmp, 0, kW | kNapot);
    EXPECT_FALSE(pmp.check(0x8000'0000, 4, A::Write, kS));
    EXPECT_FALSE(pmp.check(0x8000'0000, 4, A::Read, kS));
}

TEST(Pmp, AddrHoldsBits55To2AndOnly16Exist) {
    Pmp pmp;
    pmp.write_addr(3, ~0ULL);
    EXPECT_EQ(pmp.read_addr(3), (1ULL << 54) - 1);
    pmp.write_addr(15, 0x1234'5678'9abcULL);
    EXPECT_EQ(pmp.read_addr(15), 0x1234'5678'9abcULL);
    for (unsigned i = 16; i < 64; ++i) {
        pmp.write_addr(i, 0x1000);
        EXPECT_EQ(pmp.read_addr(i), 0u) << i;
    }
}

TEST(Pmp, ResetStateHasNoActiveEntry) {
    Pmp pmp;
    EXPECT_FALSE(pmp.any_active());
    for (unsigned i = 0; i < 16; ++i) {
        EXPECT_EQ(pmp.read_addr(i), 0u);
        EXPECT_EQ(pmp.entry_cfg(i), 0u);
    }
    for (A a : {A::Read, A::Write, A::Execute}) {
        EXPECT_TRUE(pmp.check(0x8000'0000, 8, a, kM)) << "no match: M-mode succeeds";
        EXPECT_FALSE(pmp.check(0x8000'0000, 8, a, kS)) << "no match: S-mode fails";
        EXPECT_FALSE(pmp.check(0x8000'0000, 8, a, kU)) << "no match: U-mode fails";
    }
    EXPECT_EQ(pmp.page_permissions(0x8000'0000, kM), Pmp::kPermAll);
    EXPECT_EQ(pmp.page_permissions(0x8000'0000, kS), 0);
}

TEST(Pmp, NapotOfAllMemoryCoversEverything) {
    Pmp pmp;
    pmp.write_addr(0, ~0ULL >> 10);
    set_cfg(pmp, 0, kR | kW | kX | kNapot);
    EXPECT_TRUE(pmp.any_active());
    for (u64 pa : {0ULL, 0x8000'0000ULL, (1ULL << 56) - 8}) {
        EXPECT_TRUE(pmp.check(pa, 8, A::Read, kS)) << pa;
        EXPECT_TRUE(pmp.check(pa, 8, A::Write, kU)) << pa;
        EXPECT_TRUE(pmp.check(pa, 2, A::Execute, kU)) << pa;
    }
    EXPECT_EQ(pmp.page_permissions(0, kU), Pmp::kPermAll);
}

TEST(Pmp, NapotSizesDecodeExactly) {
    struct Case {
        u64 base, size;
    };
    for (Case c :
         {Case{0x8000'0010, 8}, Case{0x8000'0020, 32}, Case{0x8000'1000, 0x1000},
          Case{0x8020'0000, 0x20'0000}, Case{0x4000'0000, 0x4000'0000}, Case{0, 1ULL << 40}}) {
        Pmp pmp;
        pmp.write_addr(0, napot(c.base, c.size));
        set_cfg(pmp, 0, kR | kNapot);
        EXPECT_TRUE(pmp.check(c.base, 4, A::Read, kS)) << c.size;
        EXPECT_TRUE(pmp.check(c.base + c.size - 4, 4, A::Read, kS)) << c.size;
        EXPECT_FALSE(pmp.check(c.base + c.size, 4, A::Read, kS)) << c.size;
        if (c.base) {
            EXPECT_FALSE(pmp.check(c.base - 4, 4, A::Read, kS)) << c.size;
        }
        EXPECT_FALSE(pmp.check(c.base, 4, A::Write, kS)) << c.size;
    }
}

TEST(Pmp, Na4MatchesFourBytes) {
    Pmp pmp;
    pmp.write_addr(0, 0x8000'0104 >> 2);
    set_cfg(pmp, 0, kR | kW | kNa4);
    EXPECT_TRUE(pmp.check(0x8000'0104, 4, A::Write, kU));
    EXPECT_TRUE(pmp.check(0x8000'0106, 2, A::Read, kU));
    EXPECT_FALSE(pmp.check(0x8000'0100, 4, A::Read, kU));
    EXPECT_FALSE(pmp.check(0x8000'0108, 4, A::Read, kU));
    EXPECT_FALSE(pmp.check(0x8000'0104, 4, A::Execute, kU));
    EXPECT_FALSE(pmp.check(0x8000'0104, 8, A::Read, kU)) << "partial match";
}

TEST(Pmp, TorUsesPreviousAddressAndZeroForEntry0) {
    Pmp pmp;
    pmp.write_addr(0, 0x8000'0000 >> 2);
    pmp.write_addr(1, 0x8010'0000 >> 2);
    set_cfg(pmp, 0, kX | kTor);       // [0, 0x80000000)
    set_cfg(pmp, 1, kR | kW | kTor);  // [0x80000000, 0x80100000)
    EXPECT_TRUE(pmp.check(0, 4, A::Execute, kS));
    EXPECT_TRUE(pmp.check(0x7fff'fffc, 4, A::Execute, kS));
    EXPECT_FALSE(pmp.check(0x7fff'fffc, 4, A::Read, kS));
    EXPECT_TRUE(pmp.check(0x8000'0000, 8, A::Write, kS));
    EXPECT_TRUE(pmp.check(0x800f'fff8, 8, A::Read, kS));
    EXPECT_FALSE(pmp.check(0x8000'0000, 4, A::Execute, kS));
    EXPECT_FALSE(pmp.check(0x8010'0000, 4, A::Read, kS)) << "top bound is exclusive";
    EXPECT_TRUE(pmp.check(0x8010'0000, 4, A::Read, kM));
}

TEST(Pmp, EmptyTorMatchesNothing) {
    Pmp pmp;
    pmp.write_addr(0, 0x8010'0000 >> 2);
    pmp.write_addr(1, 0x8000'0000 >> 2);
    pmp.write_addr(2, ~0ULL);
    set_cfg(pmp, 1, kTor);  // [0x80100000, 0x80000000): empty, no permissions
    set_cfg(pmp, 2, kR | kTor);
    // Entry 1 would deny everything inside if it matched; entry 2 [0x80000000, top) decides.
    EXPECT_TRUE(pmp.check(0x8000'0000, 8, A::Read, kS));
    EXPECT_TRUE(pmp.check(0x8008'0000, 8, A::Read, kS));
    EXPECT_FALSE(pmp.check(0x7fff'fff8, 8, A::Read, kS));
    // Equal bounds: empty too.
    pmp.write_addr(1, 0x8010'0000 >> 2);
    EXPECT_TRUE(pmp.check(0x8010'0000, 8, A::Read, kS));
}

TEST(Pmp, LowestNumberedMatchWins) {
    Pmp pmp;
    pmp.write_addr(0, napot(0x8000'0000, 0x1000));
    set_cfg(pmp, 0, kR | kNapot);
    pmp.write_addr(1, ~0ULL >> 10);
    set_cfg(pmp, 1, kR | kW | kX | kNapot);
    EXPECT_FALSE(pmp.check(0x8000'0000, 8, A::Write, kS)) << "entry 0 shadows entry 1";
    EXPECT_TRUE(pmp.check(0x8000'0000, 8, A::Read, kS));
    EXPECT_TRUE(pmp.check(0x8000'1000, 8, A::Write, kS));
    // Swap priorities: the permissive entry now wins everywhere.
    pmp.write_addr(2, napot(0x8000'0000, 0x1000));
    set_cfg(pmp, 2, kR | kNapot);
    set_cfg(pmp, 0, 0);
    EXPECT_TRUE(pmp.check(0x8000'0000, 8, A::Write, kS));
}

TEST(Pmp, AccessStraddlingAnEntryBoundaryFails) {
    Pmp pmp;
    pmp.write_addr(0, napot(0x8000'0000, 0x1000));
    set_cfg(pmp, 0, kR | kW | kX | kNapot);
    pmp.write_addr(1, ~0ULL >> 10);
    set_cfg(pmp, 1, kR | kW | kX | kNapot);
    // Both entries grant everything, yet an access matching entry 0 only partly fails, for
    // M-mode too (the partial-match rule is irrespective of L).
    EXPECT_FALSE(pmp.check(0x8000'0ffc, 8, A::Read, kS));
    EXPECT_FALSE(pmp.check(0x8000'0ffc, 8, A::Read, kM));
    EXPECT_FALSE(pmp.check(0x7fff'fffc, 8, A::Write, kU));
    EXPECT_TRUE(pmp.check(0x8000'0ff8, 8, A::Read, kS));
    // Straddling the end of the only entry also fails for S (part is in no entry at all).
    Pmp one;
    one.write_addr(0, napot(0x8000'0000, 0x1000));
    set_cfg(one, 0, kR | kNapot);
    EXPECT_FALSE(one.check(0x8000'0ffe, 4, A::Read, kS));
    EXPECT_FALSE(one.check(0x8000'0ffe, 4, A::Read, kM));
}

TEST(Pmp, MachineModeIsBoundOnlyByLockedEntries) {
    Pmp pmp;
    pmp.write_addr(0, napot(0x8000'0000, 0x1000));
    set_cfg(pmp, 0, kR | kNapot);
    EXPECT_TRUE(pmp.check(0x8000'0000, 8, A::Write, kM));
    EXPECT_TRUE(pmp.check(0x8000'0000, 4, A::Execute, kM));
    EXPECT_FALSE(pmp.check(0x8000'0000, 8, A::Write, kS));
    set_cfg(pmp, 0, kR | kNapot | kL);
    EXPECT_TRUE(pmp.check(0x8000'0000, 8, A::Read, kM));
    EXPECT_FALSE(pmp.check(0x8000'0000, 8, A::Write, kM));
    EXPECT_FALSE(pmp.check(0x8000'0000, 4, A::Execute, kM));
    EXPECT_TRUE(pmp.check(0x8000'1000, 8, A::Write, kM)) << "outside: no match, M succeeds";
    EXPECT_EQ(pmp.page_permissions(0x8000'0000, kM), Pmp::kPermRead);
    EXPECT_EQ(pmp.page_permissions(0x8000'0000, kS), Pmp::kPermRead);
}

TEST(Pmp, LockedEntryIgnoresWritesUntilReset) {
    Pmp pmp;
    pmp.write_addr(0, napot(0x8000'0000, 0x1000));
    set_cfg(pmp, 0, kR | kNapot | kL);
    set_cfg(pmp, 1, kR | kX | kNa4);
    const u64 gen = pmp.generation();
    pmp.write_cfg(0, 0x0707);  // entry 0 stays; entry 1 (unlocked) takes 0x07
    EXPECT_EQ(pmp.entry_cfg(0), kR | kNapot | kL);
    EXPECT_EQ(pmp.entry_cfg(1), 0x07);
    pmp.write_addr(0, 0x1234);
    EXPECT_EQ(pmp.read_addr(0), napot(0x8000'0000, 0x1000));
    EXPECT_GT(pmp.generation(), gen) << "entry 1 changed";
    pmp.reset();
    EXPECT_EQ(pmp.entry_cfg(0), 0);
    pmp.write_addr(0, 0x1234);
    EXPECT_EQ(pmp.read_addr(0), 0x1234u);
}

TEST(Pmp, LockedTorEntryAlsoLocksItsBottomAddress) {
    Pmp pmp;
    pmp.write_addr(2, 0x8000'0000 >> 2);
    pmp.write_addr(3, 0x8010'0000 >> 2);
    set_cfg(pmp, 3, kR | kTor | kL);
    pmp.write_addr(2, 0);
    EXPECT_EQ(pmp.read_addr(2), 0x8000'0000u >> 2);
    pmp.write_addr(1, 0x40);
    EXPECT_EQ(pmp.read_addr(1), 0x40u) << "only pmpaddr[i-1] is covered";
    set_cfg(pmp, 2, kR | kW | kNa4);
    EXPECT_EQ(pmp.entry_cfg(2), kR | kW | kNa4) << "pmpcfg[i-1] itself stays writable";
    pmp.write_addr(2, 0);
    EXPECT_EQ(pmp.read_addr(2), 0x8000'0000u >> 2);

    // A locked NAPOT entry does not lock the address below it.
    Pmp napot_pmp;
    napot_pmp.write_addr(4, napot(0x8000'0000, 0x1000));
    set_cfg(napot_pmp, 4, kR | kNapot | kL);
    napot_pmp.write_addr(3, 0x77);
    EXPECT_EQ(napot_pmp.read_addr(3), 0x77u);
}

TEST(Pmp, LockedTorEntry0HasNoBottomToLock) {
    Pmp pmp;
    pmp.write_addr(0, 0x1000 >> 2);
    set_cfg(pmp, 0, kR | kTor | kL);
    pmp.write_addr(0, 0x2000 >> 2);
    EXPECT_EQ(pmp.read_addr(0), 0x1000u >> 2);
    EXPECT_TRUE(pmp.check(0, 8, A::Read, kM));
    EXPECT_FALSE(pmp.check(0, 8, A::Write, kM));
    EXPECT_TRUE(pmp.check(0x1000, 8, A::Write, kM));
}

TEST(Pmp, PermissionBitsSelectAccessTypes) {
    for (u8 perm = 0; perm < 8; ++perm) {
        if ((perm & (kR | kW)) == kW) continue;  // reserved, legalized away
        Pmp pmp;
        pmp.write_addr(0, ~0ULL >> 10);
        set_cfg(pmp, 0, static_cast<u8>(perm | kNapot));
        for (PrivMode p : {kS, kU}) {
            EXPECT_EQ(pmp.check(0x8000'0000, 8, A::Read, p), (perm & kR) != 0) << +perm;
            EXPECT_EQ(pmp.check(0x8000'0000, 8, A::Write, p), (perm & kW) != 0) << +perm;
            EXPECT_EQ(pmp.check(0x8000'0000, 4, A::Execute, p), (perm & kX) != 0) << +perm;
            EXPECT_EQ(pmp.page_permissions(0x8000'0000, p), perm) << +perm;
        }
        EXPECT_TRUE(pmp.check(0x8000'0000, 8, A::Write, kM)) << +perm;
    }
}

TEST(Pmp, PagePermissionsForUniformAndSplitPages) {
    Pmp pmp;
    // OpenSBI-like: entry 0 hides a 64 KiB firmware region from S/U; entry 1 opens the rest.
    pmp.write_addr(0, napot(0x8000'0000, 0x1'0000));
    set_cfg(pmp, 0, kNapot);
    // Entry 2: TOR [0x80010000 + 0x100, 0x80020000): splits page 0x80010000.
    pmp.write_addr(1, (0x8001'0000 + 0x100) >> 2);
    pmp.write_addr(2, 0x8002'0000 >> 2);
    set_cfg(pmp, 2, kR | kTor);
    pmp.write_addr(3, ~0ULL >> 10);
    set_cfg(pmp, 3, kR | kW | kX | kNapot);

    EXPECT_EQ(pmp.page_permissions(0x8000'0000, kS), 0);
    EXPECT_EQ(pmp.page_permissions(0x8000'f000, kS), 0);
    EXPECT_EQ(pmp.page_permissions(0x8000'f000, kM), Pmp::kPermAll);
    EXPECT_EQ(pmp.page_permissions(0x8001'0000, kS), 0) << "split by entry 2";
    EXPECT_EQ(pmp.page_permissions(0x8001'0000, kM), 0) << "split: M must check too";
    EXPECT_EQ(pmp.page_permissions(0x8001'1000, kS), Pmp::kPermRead);
    EXPECT_EQ(pmp.page_permissions(0x8001'f000, kU), Pmp::kPermRead);
    EXPECT_EQ(pmp.page_permissions(0x8002'0000, kU), Pmp::kPermAll);
    EXPECT_EQ(pmp.page_permissions(0x8002'0abc, kU), Pmp::kPermAll) << "low bits ignored";
    // The split page's halves, checked precisely.
    EXPECT_TRUE(pmp.check(0x8001'0000, 8, A::Write, kS));
    EXPECT_FALSE(pmp.check(0x8001'0100, 8, A::Write, kS));
    EXPECT_TRUE(pmp.check(0x8001'0100, 8, A::Read, kS));

    // An NA4 entry inside an otherwise uniform page splits it.
    Pmp na4;
    na4.write_addr(0, 0x8000'0800 >> 2);
    set_cfg(na4, 0, kR | kW | kX | kNa4);
    na4.write_addr(1, ~0ULL >> 10);
    set_cfg(na4, 1, kR | kW | kX | kNapot);
    EXPECT_EQ(na4.page_permissions(0x8000'0000, kU), 0);
    EXPECT_EQ(na4.page_permissions(0x8000'1000, kU), Pmp::kPermAll);
}

TEST(Pmp, PagePermissionsOutsideEveryEntry) {
    Pmp pmp;
    pmp.write_addr(0, napot(0x8000'0000, 0x1000));
    set_cfg(pmp, 0, kR | kNapot);
    EXPECT_EQ(pmp.page_permissions(0x9000'0000, kS), 0);
    EXPECT_EQ(pmp.page_permissions(0x9000'0000, kM), Pmp::kPermAll);
    set_cfg(pmp, 0, kR | kNapot | kL);
    EXPECT_EQ(pmp.page_permissions(0x9000'0000, kM), Pmp::kPermAll);
}

TEST(Pmp, GenerationCountsEffectiveChangesOnly) {
    Pmp pmp;
    u64 g = pmp.generation();
    pmp.write_addr(5, 0x1000);  // entry 5 is OFF: nothing effective changed
    EXPECT_EQ(pmp.generation(), g);
    set_cfg(pmp, 5, kR | kNa4);
    EXPECT_GT(pmp.generation(), g);
    g = pmp.generation();
    set_cfg(pmp, 5, kR | kNa4);  // same value again
    EXPECT_EQ(pmp.generation(), g);
    pmp.write_addr(5, 0x2000);
    EXPECT_GT(pmp.generation(), g);
    g = pmp.generation();
    set_cfg(pmp, 5, kR | kW | kNa4);
    EXPECT_GT(pmp.generation(), g);
    g = pmp.generation();
    set_cfg(pmp, 5, kR | kW | kNa4 | kL);
    EXPECT_GT(pmp.generation(), g) << "locking changes M-mode's view";
    g = pmp.generation();
    pmp.write_addr(4, 0x1000);  // bottom of a non-TOR entry: no effect
    EXPECT_EQ(pmp.generation(), g);
    pmp.reset();
    EXPECT_GT(pmp.generation(), g);
}

TEST(Pmp, AccessWrappingTheAddressSpaceNeverPasses) {
    Pmp pmp;
    pmp.write_addr(0, ~0ULL >> 10);
    set_cfg(pmp, 0, kR | kW | kX | kNapot);
    EXPECT_FALSE(pmp.check(~0ULL - 3, 8, A::Read, kS));
    EXPECT_TRUE(pmp.check(~0ULL - 3, 8, A::Read, kM)) << "beyond 2^56: no entry matches";
}

}  // namespace
}  // namespace rvisor::cpu
