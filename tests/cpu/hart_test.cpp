#include "cpu/hart.hpp"

#include <gtest/gtest.h>

#include <initializer_list>

#include "encode.hpp"

namespace rvisor::cpu {
namespace {

using namespace test;
constexpr u64 kBase = 0x8000'0000;

// A hart on 64 KiB of RAM; programs are placed at kBase and end with `ecall`, which traps to
// mtvec; mtvec points at a `jal x0, 0` loop so run() stops on the budget.
class HartTest : public ::testing::Test {
  protected:
    HartTest() : ram(kBase, 64 * 1024), bus(ram), hart(bus, 0) {}

    void put(u64 addr, std::initializer_list<u32> words) {
        for (u32 w : words) {
            std::memcpy(ram.host(addr), &w, 4);
            addr += 4;
        }
    }
    void put16(u64 addr, u16 half) { std::memcpy(ram.host(addr), &half, 2); }
    // Runs from `pc` until the trap handler loop at kTrap is reached.
    void run_from(u64 pc, u64 budget = 10000) {
        put(kTrap, {jal(0, 0)});
        hart.reset(pc);
        ASSERT_TRUE(hart.csr_write(csr::kMtvec, kTrap));
        hart.run(budget);
    }
    u64 mem64(u64 addr) {
        u64 v;
        std::memcpy(&v, ram.host(addr), 8);
        return v;
    }

    static constexpr u64 kTrap = kBase + 0xf000;
    mem::GuestRam ram;
    mem::Bus bus;
    Hart hart;
};

TEST_F(HartTest, X0IsHardWiredEvenAsADestination) {
    put(kBase, {addi(0, 0, 5), add(1, 0, 0), lui(0, 0x12345), jal(0, 8), addi(2, 0, 1), kEcall});
    run_from(kBase);
    EXPECT_EQ(hart.x(0), 0u);
    EXPECT_EQ(hart.x(1), 0u);
    EXPECT_EQ(hart.x(2), 0u) << "jal x0 must skip the addi";
    EXPECT_EQ(hart.csrs().mcause, 11u);
    EXPECT_EQ(hart.csrs().mepc, kBase + 20);
}

TEST_F(HartTest, DivisionByZeroAndOverflowGiveArchitectedResults) {
    hart.reset(kBase);
    put(kBase, {div(3, 1, 2), kEcall});
    put(kTrap, {jal(0, 0)});
    ASSERT_TRUE(hart.csr_write(csr::kMtvec, kTrap));
    hart.set_x(1, 42);
    hart.set_x(2, 0);
    hart.run(100);
    EXPECT_EQ(hart.x(3), ~0ULL);

    hart.reset(kBase);
    ASSERT_TRUE(hart.csr_write(csr::kMtvec, kTrap));
    hart.set_x(1, 1ULL << 63);
    hart.set_x(2, ~0ULL);
    hart.run(100);
    EXPECT_EQ(hart.x(3), 1ULL << 63);
}

TEST_F(HartTest, StoreIntoCachedCodeInvalidatesIt) {
    // Loop: run the instruction at kPatch (addi x5, x5, 1), then overwrite it with
    // addi x5, x5, 100 through a store, and run it again without FENCE.I being needed for
    // this hart's own view (rvisor invalidates on the store itself).
    const u64 kPatch = kBase + 0x800;
    put(kPatch, {addi(5, 5, 1), jalr(0, 1, 0)});
    put(kBase, {
                   jal(1, 0x800),  // call patch: x5 = 1
                   sw(6, 7, 0),    // overwrite the first word of the patch
                   kFenceI,
                   jal(1, 0x800 - 12),  // call patch again: x5 = 101
                   kEcall,
               });
    hart.reset(kBase);
    put(kTrap, {jal(0, 0)});
    ASSERT_TRUE(hart.csr_write(csr::kMtvec, kTrap));
    hart.set_x(6, addi(5, 5, 100));
    hart.set_x(7, kPatch);
    hart.run(1000);
    EXPECT_EQ(hart.x(5), 101u);
    EXPECT_EQ(hart.csrs().mcause, 11u);
}

TEST_F(HartTest, StoreIntoTheRunningBlockTakesEffectWhenItIsFetchedAgain) {
    // A loop whose body patches an instruction later in the same page; the second pass must
    // run the new instruction.
    put(kBase, {
                   addi(5, 5, 1),   // 0: patched into addi x5, x5, 16 by the store below
                   sw(6, 7, 0),     // 4
                   addi(8, 8, 1),   // 8
                   addi(9, 0, 2),   // 12
                   bne(8, 9, -16),  // 16: loop twice
                   kEcall,          // 20
               });
    hart.reset(kBase);
    put(kTrap, {jal(0, 0)});
    ASSERT_TRUE(hart.csr_write(csr::kMtvec, kTrap));
    hart.set_x(6, addi(5, 5, 16));
    hart.set_x(7, kBase);
    hart.run(1000);
    EXPECT_EQ(hart.x(5), 17u);
}

TEST_F(HartTest, InstructionStraddlingAPageBoundaryExecutes) {
    // A compressed nop at page end - 2 would be aligned; here a 4-byte addi starts 2 bytes
    // before the page end, so its halves are in different pages.
    const u64 at = kBase + 0x1000 - 2;
    put16(at - 2, 0x0001);  // c.nop
    const u32 insn = addi(10, 0, 77);
    put16(at, static_cast<u16>(insn));
    put16(at + 2, static_cast<u16>(insn >> 16));
    put(at + 4, {kEcall});
    run_from(at - 2);
    EXPECT_EQ(hart.x(10), 77u);
    EXPECT_EQ(hart.csrs().mepc, at + 4);
}

TEST_F(HartTest, AccessOutsideRamAndDevicesFaultsWithTheAddress) {
    put(kBase, {ld(1, 2, 0)});
    run_from(kBase);
    // x2 = 0 → address 0: nothing mapped there.
    EXPECT_EQ(hart.csrs().mcause, 5u);
    EXPECT_EQ(hart.csrs().mtval, 0u);
    EXPECT_EQ(hart.csrs().mepc, kBase);

    put(kBase, {sd(1, 2, 0)});
    hart.reset(kBase);
    ASSERT_TRUE(hart.csr_write(csr::kMtvec, kTrap));
    hart.set_x(2, kBase + 64 * 1024);  // one past the end of RAM
    hart.run(100);
    EXPECT_EQ(hart.csrs().mcause, 7u);
    EXPECT_EQ(hart.csrs().mtval, kBase + 64 * 1024);
}

TEST_F(HartTest, FetchOutsideRamIsAnInstructionAccessFault) {
    put(kTrap, {jal(0, 0)});
    hart.reset(0x1000'0000);
    ASSERT_TRUE(hart.csr_write(csr::kMtvec, kTrap));
    hart.run(100);
    EXPECT_EQ(hart.csrs().mcause, 1u);
    EXPECT_EQ(hart.csrs().mtval, 0x1000'0000u);
    EXPECT_EQ(hart.csrs().mepc, 0x1000'0000u);
}

TEST_F(HartTest, MisalignedLoadsAndStoresAreEmulatedAcrossPages) {
    const u64 addr = kBase + 0x2000 - 3;  // an 8-byte access crossing into the next page
    put(kBase, {sd(1, 2, 0), ld(3, 2, 0), lw(4, 2, 1), kEcall});
    hart.reset(kBase);
    put(kTrap, {jal(0, 0)});
    ASSERT_TRUE(hart.csr_write(csr::kMtvec, kTrap));
    hart.set_x(1, 0x0102'0304'0506'0708ULL);
    hart.set_x(2, addr);
    hart.run(100);
    EXPECT_EQ(hart.x(3), 0x0102'0304'0506'0708ULL);
    EXPECT_EQ(hart.x(4), 0x0405'0607ULL);
    EXPECT_EQ(hart.csrs().mcause, 11u);
}

TEST_F(HartTest, MisalignedAmoRaisesStoreMisaligned) {
    put(kBase, {amoadd_w(1, 2, 3)});
    hart.reset(kBase);
    put(kTrap, {jal(0, 0)});
    ASSERT_TRUE(hart.csr_write(csr::kMtvec, kTrap));
    hart.set_x(2, kBase + 0x3002);
    hart.run(100);
    EXPECT_EQ(hart.csrs().mcause, 6u);
    EXPECT_EQ(hart.csrs().mtval, kBase + 0x3002);
}

// A loop swapping 0 into a word that holds 0 polls a flag (OpenSBI's remote-fence wait): every
// kIdleSwaps such swaps the hart yields its host thread. Swaps that change memory never do.
TEST_F(HartTest, RepeatedNoOpSwapsOnOneWordYieldTheHostThread) {
    const u64 data = kBase + 0x3000;
    // x5 = 200; loop: amoswap.d x1, x0, (x2); x5 -= 1; bne x5, x0, loop; ecall
    put(kBase, {addi(5, 0, 200), amoswap_d(1, 2, 0), addi(5, 5, -1), bne(5, 0, -8), kEcall});
    put(kTrap, {jal(0, 0)});
    hart.reset(kBase);
    ASSERT_TRUE(hart.csr_write(csr::kMtvec, kTrap));
    hart.set_x(2, data);
    hart.run(10000);
    EXPECT_EQ(hart.csrs().mcause, 11u);
    EXPECT_EQ(hart.idle_swap_yields(), 200u / 64);

    // x1 alternates 1, 0, 1, ...: each swap changes the word, so it is no poll.
    put(kBase, {addi(5, 0, 200), addi(1, 0, 1), amoswap_d(1, 2, 1), addi(5, 5, -1), bne(5, 0, -8),
                kEcall});
    std::memset(ram.host(data), 0, 8);
    const u64 before = hart.idle_swap_yields();
    hart.reset(kBase);
    ASSERT_TRUE(hart.csr_write(csr::kMtvec, kTrap));
    hart.set_x(2, data);
    hart.run(10000);
    EXPECT_EQ(hart.csrs().mcause, 11u);
    EXPECT_EQ(hart.idle_swap_yields(), before);
    EXPECT_EQ(mem64(data), 0u) << "200 swaps of alternating values end where they started";
}

TEST_F(HartTest, ScSucceedsOnlyWithAMatchingReservation) {
    const u64 data = kBase + 0x3000;
    put(kBase, {lr_d(1, 2), sc_d(3, 2, 4), sc_d(5, 2, 6), kEcall});
    hart.reset(kBase);
    put(kTrap, {jal(0, 0)});
    ASSERT_TRUE(hart.csr_write(csr::kMtvec, kTrap));
    hart.set_x(2, data);
    hart.set_x(4, 111);
    hart.set_x(6, 222);
    hart.run(100);
    EXPECT_EQ(hart.x(3), 0u) << "first sc succeeds";
    EXPECT_EQ(hart.x(5), 1u) << "second sc has no reservation";
    EXPECT_EQ(mem64(data), 111u);
}

TEST_F(HartTest, UnknownCsrIsIllegalWithTheInstructionInMtval) {
    const u32 insn = csrrs(1, 0x7ff, 0);  // no such CSR
    put(kBase, {insn});
    run_from(kBase);
    EXPECT_EQ(hart.csrs().mcause, 2u);
    EXPECT_EQ(hart.csrs().mtval, insn);
}

TEST_F(HartTest, WritingAReadOnlyCsrIsIllegal) {
    const u32 insn = csrrw(1, csr::kMhartid, 2);
    put(kBase, {insn});
    run_from(kBase);
    EXPECT_EQ(hart.csrs().mcause, 2u);
    EXPECT_EQ(hart.csrs().mtval, insn);
}

TEST_F(HartTest, MinstretCountsRetiredInstructionsExactly) {
    // Three addis, then csrr minstret: it sees exactly 3 retired before it.
    put(kBase, {addi(1, 0, 1), addi(1, 1, 1), addi(1, 1, 1), csrrs(2, csr::kMinstret, 0), kEcall});
    run_from(kBase);
    EXPECT_EQ(hart.x(2), 3u);
    EXPECT_EQ(hart.x(1), 3u);
}

TEST_F(HartTest, MretRestoresMieFromMpie) {
    // Set MPIE, clear MIE, mret to kBase+12 (mepc), which ecalls.
    put(kBase, {csrrw(0, csr::kMstatus, 1), csrrw(0, csr::kMepc, 2), kMret, kEcall});
    hart.reset(kBase);
    put(kTrap, {jal(0, 0)});
    ASSERT_TRUE(hart.csr_write(csr::kMtvec, kTrap));
    hart.set_x(1, mstatus::kMpie);
    hart.set_x(2, kBase + 12);
    hart.run(100);
    EXPECT_EQ(hart.csrs().mepc, kBase + 12);
    // The ecall trap moved MIE (set by mret) into MPIE and cleared MIE.
    EXPECT_EQ(hart.csrs().mstatus & (mstatus::kMie | mstatus::kMpie), mstatus::kMpie);
}

TEST_F(HartTest, CsrrcOnMipDoesNotLatchTheExternalSeipSignal) {
    // Priv spec 3.1.9: CSRRS/CSRRC on mip use only the software-writable SEIP bit, not the
    // PLIC's signal. Latching the signal would leave SEIP stuck after the line drops.
    const u32 csrrc_mip = test::i_type(static_cast<i32>(csr::kMip), 1, 3, 2, 0x73);
    put(kBase, {csrrc_mip, csrrs(3, csr::kMip, 0), kEcall});
    hart.reset(kBase);
    put(kTrap, {jal(0, 0)});
    ASSERT_TRUE(hart.csr_write(csr::kMtvec, kTrap));
    hart.set_x(1, irq::kSsip);
    hart.set_interrupt_line(irq::kSeip, true);
    hart.run(1);  // only the csrrc runs while the line is high (a CSR op ends its block)
    hart.set_interrupt_line(irq::kSeip, false);
    hart.run(100);
    EXPECT_EQ(hart.x(2) & irq::kSeip, irq::kSeip) << "the read shows the live signal";
    EXPECT_EQ(hart.x(3) & irq::kSeip, 0u) << "SEIP must drop with the line";
}

TEST_F(HartTest, RunStopsOnRequestAndOnBudget) {
    put(kBase, {jal(0, 0)});
    hart.reset(kBase);
    EXPECT_EQ(hart.run(1000), RunResult::BudgetExhausted);
    EXPECT_GE(hart.instret(), 1000u);
    EXPECT_LT(hart.instret(), 1200u);
    hart.request_stop();
    EXPECT_EQ(hart.run(1000), RunResult::StopRequested);
}

// SFENCE.VMA of one address inside a superpage must drop every cached 4 KiB piece of that
// superpage, also when other pieces are what the TLB holds (priv 4.2.1): the leaf PTE
// covers them all. Data accesses are translated through M-mode's MPRV with MPP = S.
TEST_F(HartTest, SfenceVmaOfOneAddressInASuperpageDropsEveryPieceOfIt) {
    constexpr u64 kRoot = kBase + 0x2000, kL1 = kBase + 0x3000;
    constexpr u64 kV = 1, kR = 2, kW = 4, kA = 0x40, kD = 0x80;
    const auto pte = [](u64 pa, u64 flags) { return (pa >> 12) << 10 | flags; };
    const auto put64 = [this](u64 addr, u64 v) { std::memcpy(ram.host(addr), &v, 8); };
    put64(kRoot + 8 * 1, pte(kL1, kV));              // VA 0x4000'0000: next level
    put64(kL1, pte(kBase, kV | kR | kW | kA | kD));  // 2 MiB leaf -> kBase
    put64(kBase + 0x8000, 0x1234);
    constexpr u32 sfence_vma = (0x09u << 25) | (0u << 20) | (12u << 15) | 0x73;
    put(kBase, {
                   ld(3, 10, 0),  // caches the piece at 0x4000'8000
                   sd(0, 11, 0),  // the leaf PTE, through the superpage: now invalid
                   sfence_vma,    // sfence.vma x12 (another page of the superpage)
                   ld(4, 10, 0),  // must fault
                   kEcall,
               });
    put(kTrap, {jal(0, 0)});
    hart.reset(kBase);
    ASSERT_TRUE(hart.csr_write(csr::kMtvec, kTrap));
    // PMP: one NAPOT region over everything, RWX, so S-mode accesses are allowed (3.7).
    ASSERT_TRUE(hart.csr_write(csr::kPmpaddr0, ~0ULL));
    ASSERT_TRUE(hart.csr_write(csr::kPmpcfg0, 0x1f));
    ASSERT_TRUE(hart.csr_write(csr::kSatp, (8ULL << 60) | (kRoot >> 12)));  // Sv39
    ASSERT_TRUE(hart.csr_write(csr::kMstatus, mstatus::kMprv | (1ULL << mstatus::kMppShift)));
    hart.set_x(10, 0x4000'8000);
    hart.set_x(11, 0x4000'3000);
    hart.set_x(12, 0x4000'1000);
    hart.run(100);
    EXPECT_EQ(hart.x(3), 0x1234u);
    EXPECT_EQ(hart.x(4), 0u);
    EXPECT_EQ(hart.csrs().mcause, 13u);  // load page fault
    EXPECT_EQ(hart.csrs().mepc, kBase + 12);
    EXPECT_EQ(hart.csrs().mtval, 0x4000'8000u);
}

}  // namespace
}  // namespace rvisor::cpu
