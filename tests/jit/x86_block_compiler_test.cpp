// The x86-64 JIT against the interpreter: each program runs on two identical harts, one
// interpreting and one compiling every block on its first run (threshold 1), with the same
// instruction budget; all architectural state must match, and the expected values too.
#include "jit/x86_block_compiler.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <initializer_list>
#include <memory>
#include <vector>

#include "../cpu/encode.hpp"

namespace rvisor::jit {
namespace {

using namespace cpu::test;
using cpu::Hart;
constexpr u64 kBase = 0x8000'0000;
constexpr u64 kTrap = kBase + 0xf000;  // mtvec: a `jal x0, 0` loop
constexpr u64 kData = kBase + 0x8000;

constexpr u32 sub(u32 rd, u32 rs1, u32 rs2) {
    return r_type(0x20, rs2, rs1, 0, rd, 0x33);
}
constexpr u32 sll(u32 rd, u32 rs1, u32 rs2) {
    return r_type(0, rs2, rs1, 1, rd, 0x33);
}
constexpr u32 slt(u32 rd, u32 rs1, u32 rs2) {
    return r_type(0, rs2, rs1, 2, rd, 0x33);
}
constexpr u32 sltu(u32 rd, u32 rs1, u32 rs2) {
    return r_type(0, rs2, rs1, 3, rd, 0x33);
}
constexpr u32 sra(u32 rd, u32 rs1, u32 rs2) {
    return r_type(0x20, rs2, rs1, 5, rd, 0x33);
}
constexpr u32 mul(u32 rd, u32 rs1, u32 rs2) {
    return r_type(1, rs2, rs1, 0, rd, 0x33);
}
constexpr u32 mulh(u32 rd, u32 rs1, u32 rs2) {
    return r_type(1, rs2, rs1, 1, rd, 0x33);
}
constexpr u32 mulhsu(u32 rd, u32 rs1, u32 rs2) {
    return r_type(1, rs2, rs1, 2, rd, 0x33);
}
constexpr u32 remu(u32 rd, u32 rs1, u32 rs2) {
    return r_type(1, rs2, rs1, 7, rd, 0x33);
}
constexpr u32 addw(u32 rd, u32 rs1, u32 rs2) {
    return r_type(0, rs2, rs1, 0, rd, 0x3b);
}
constexpr u32 sraw(u32 rd, u32 rs1, u32 rs2) {
    return r_type(0x20, rs2, rs1, 5, rd, 0x3b);
}
constexpr u32 divw(u32 rd, u32 rs1, u32 rs2) {
    return r_type(1, rs2, rs1, 4, rd, 0x3b);
}
constexpr u32 addiw(u32 rd, u32 rs1, i32 imm) {
    return i_type(imm, rs1, 0, rd, 0x1b);
}
constexpr u32 srai(u32 rd, u32 rs1, u32 sh) {
    return i_type(static_cast<i32>(0x400 | sh), rs1, 5, rd, 0x13);
}
constexpr u32 sltiu(u32 rd, u32 rs1, i32 imm) {
    return i_type(imm, rs1, 3, rd, 0x13);
}
constexpr u32 lb(u32 rd, u32 rs1, i32 imm) {
    return i_type(imm, rs1, 0, rd, 0x03);
}
constexpr u32 lhu(u32 rd, u32 rs1, i32 imm) {
    return i_type(imm, rs1, 5, rd, 0x03);
}
constexpr u32 sb(u32 rs2, u32 rs1, i32 imm) {
    return s_type(imm, rs2, rs1, 0, 0x23);
}
constexpr u32 sw(u32 rs2, u32 rs1, i32 imm) {
    return s_type(imm, rs2, rs1, 2, 0x23);
}
constexpr u32 blt(u32 rs1, u32 rs2, i32 imm) {
    return b_type(imm, rs2, rs1, 4);
}
constexpr u32 auipc(u32 rd, u32 imm20) {
    return (imm20 << 12) | (rd << 7) | 0x17;
}

// One hart on its own 64 KiB of RAM, optionally with the JIT.
struct Machine {
    explicit Machine(bool jit, CompilerOptions options = {})
        : ram(kBase, 64 * 1024), bus(ram), hart(bus, 0) {
        if (jit) {
            compiler = std::make_unique<X86BlockCompiler>(hart, options);
            hart.set_block_compiler(compiler.get(), 1);
        }
    }
    mem::GuestRam ram;
    mem::Bus bus;
    Hart hart;
    std::unique_ptr<X86BlockCompiler> compiler;
};

class JitTest : public ::testing::Test {
  protected:
    explicit JitTest(CompilerOptions options = {}) : interp(false), jit(true, options) {}

    void put(u64 addr, std::initializer_list<u32> words) {
        for (Machine* m : {&interp, &jit}) {
            u64 a = addr;
            for (u32 w : words) {
                std::memcpy(m->ram.host(a), &w, 4);
                a += 4;
            }
        }
    }
    void set_x(unsigned n, u64 v) {
        interp.hart.set_x(n, v);
        jit.hart.set_x(n, v);
    }
    // Runs both harts from kBase for `budget` instructions and checks they agree.
    void run(u64 budget, std::initializer_list<std::pair<unsigned, u64>> regs = {}) {
        put(kTrap, {jal(0, 0)});
        for (Machine* m : {&interp, &jit}) {
            m->hart.reset(kBase);
            ASSERT_TRUE(m->hart.csr_write(cpu::csr::kMtvec, kTrap));
        }
        for (auto [n, v] : regs) set_x(n, v);
        interp.hart.run(budget);
        jit.hart.run(budget);
        for (unsigned n = 1; n < 32; ++n) EXPECT_EQ(jit.hart.x(n), interp.hart.x(n)) << "x" << n;
        EXPECT_EQ(jit.hart.pc(), interp.hart.pc());
        EXPECT_EQ(jit.hart.instret(), interp.hart.instret());
        EXPECT_EQ(jit.hart.csrs().mepc, interp.hart.csrs().mepc);
        EXPECT_EQ(jit.hart.csrs().mcause, interp.hart.csrs().mcause);
        EXPECT_EQ(jit.hart.csrs().mtval, interp.hart.csrs().mtval);
        EXPECT_EQ(std::memcmp(jit.ram.host(kData), interp.ram.host(kData), 0x1000), 0);
        EXPECT_GT(jit.compiler->blocks_compiled(), 0u);
    }
    // Three blocks in one page chained in a loop: A -> B -> C -> A (linked jumps between
    // different blocks), 200 times; checks both harts agree and the loop's exact result.
    void run_three_block_loop() {
        put(kBase, {
                       addi(1, 1, 1),
                       jal(0, 8),  // A (kBase): jump to B
                       kEcall,     // (skipped)
                       addi(2, 2, 2),
                       jal(0, 8),  // B (kBase + 12): jump to C
                       kEcall,     //
                       addi(3, 3, 3),
                       blt(1, 4, -28),  // C (kBase + 24): back to A
                       kEcall,
                   });
        run(100000, {{4, 200}});
        EXPECT_EQ(jit.hart.x(1), 200u);
        EXPECT_EQ(jit.hart.x(2), 400u);
        EXPECT_EQ(jit.hart.x(3), 600u);
        EXPECT_EQ(jit.hart.csrs().mcause, 11u);
        EXPECT_EQ(jit.hart.csrs().mepc, kBase + 32);
    }
    u64 data64(u64 addr) {
        u64 v;
        std::memcpy(&v, jit.ram.host(addr), 8);
        return v;
    }

    Machine interp, jit;
};

TEST_F(JitTest, AluOpsGiveTheInterpretersResults) {
    put(kBase,
        {
            add(3, 1, 2),     sub(4, 1, 2),   sll(5, 1, 2),     slt(6, 1, 2),       sltu(7, 1, 2),
            sra(8, 1, 2),     mul(9, 1, 2),   mulh(10, 1, 2),   mulhsu(11, 1, 2),   remu(12, 1, 0),
            addw(13, 1, 2),   sraw(14, 1, 2), divw(15, 1, 0),   addiw(16, 1, -1),   srai(17, 1, 63),
            sltiu(18, 1, -1), div(19, 1, 2),  lui(20, 0x80000), auipc(21, 0xfffff), addi(0, 1, 5),
            kEcall,
        });
    run(1000, {{1, 0x8000'0000'0000'0001ULL}, {2, ~0ULL}});
    EXPECT_EQ(jit.hart.x(3), 0x8000'0000'0000'0000ULL);
    EXPECT_EQ(jit.hart.x(4), 0x8000'0000'0000'0002ULL);
    EXPECT_EQ(jit.hart.x(5), 0x8000'0000'0000'0000ULL);  // shift by 63
    EXPECT_EQ(jit.hart.x(6), 1u);
    EXPECT_EQ(jit.hart.x(7), 1u);
    EXPECT_EQ(jit.hart.x(12), 0x8000'0000'0000'0001ULL);  // remu by zero: dividend
    EXPECT_EQ(jit.hart.x(15), ~0ULL);                     // divw by zero: -1
    EXPECT_EQ(jit.hart.x(16), 0u);
    EXPECT_EQ(jit.hart.x(19), 0x7fff'ffff'ffff'ffffULL);
    EXPECT_EQ(jit.hart.x(20), 0xffff'ffff'8000'0000ULL);
    EXPECT_EQ(jit.hart.x(21), kBase + 18 * 4 - 0x1000);
    EXPECT_EQ(jit.hart.x(0), 0u);
    EXPECT_EQ(jit.hart.csrs().mcause, 11u);
    EXPECT_EQ(jit.hart.csrs().mepc, kBase + 20 * 4);
}

TEST_F(JitTest, BranchLoopRunsChainedWithExactInstret) {
    // x1 counts to 1000 in a self-linked loop; the budget ends it mid-loop at exactly the
    // interpreter's block boundary.
    put(kBase, {addi(1, 1, 1), addi(3, 3, 7), blt(1, 2, -8), kEcall});
    run(5000, {{2, 1000}});
    EXPECT_EQ(jit.hart.x(1), 1000u);
    EXPECT_EQ(jit.hart.x(3), 7000u);
    EXPECT_EQ(jit.hart.csrs().mcause, 11u);
    run(1001, {{2, 1000}});  // stops on the budget inside the loop
    EXPECT_LT(jit.hart.x(1), 1000u);
}

TEST_F(JitTest, LoadsAndStoresHitAndMissTheTlb) {
    // First pass of each access misses the TLB (slow path fills it), later passes hit.
    put(kBase, {
                   sd(2, 1, 0),
                   sb(2, 1, 9),
                   lb(4, 1, 9),
                   lhu(5, 1, 0),
                   ld(6, 1, 0),
                   sw(2, 1, 17),  // misaligned: always the slow path
                   lw(7, 1, 17),
                   addi(1, 1, 24),
                   addi(3, 3, -1),
                   bne(3, 0, -36),
                   kEcall,
               });
    run(10000, {{1, kData}, {2, 0x8182'8384'8586'8788ULL}, {3, 20}});
    EXPECT_EQ(jit.hart.x(4), ~0ULL - 0x77);  // lb of 0x88 sign-extends
    EXPECT_EQ(jit.hart.x(5), 0x8788u);
    EXPECT_EQ(jit.hart.x(6), 0x8182'8384'8586'8788ULL);
    EXPECT_EQ(jit.hart.x(7), 0xffff'ffff'8586'8788ULL);
    EXPECT_EQ(data64(kData + 19 * 24), 0x8182'8384'8586'8788ULL);
}

TEST_F(JitTest, StoreIntoTheBlocksOwnPageInvalidatesIt) {
    // A compiled, self-linked loop patches its own first instruction; the next pass must
    // run the new one (the store unlinks the loop before it can jump back into stale code).
    put(kBase, {
                   addi(5, 5, 1),   // patched into addi x5, x5, 16
                   sw(6, 7, 0),     //
                   addi(8, 8, 1),   //
                   bne(8, 9, -12),  // loop 3 times
                   kEcall,
               });
    run(1000, {{6, addi(5, 5, 16)}, {7, kBase}, {9, 3}});
    EXPECT_EQ(jit.hart.x(5), 1u + 16 + 16);
}

TEST_F(JitTest, TrapMidBlockGivesExactPcMepcMtvalAndInstret) {
    // The load faults (no RAM or device at 0x1000): mepc is its address, mtval the address,
    // the instructions before it retired and the one after did not.
    put(kBase, {addi(1, 1, 1), addi(2, 2, 2), ld(3, 4, 8), addi(5, 5, 5), kEcall});
    run(3, {{4, 0x1000}});  // stops in the trap loop after a few instructions
    EXPECT_EQ(jit.hart.x(1), 1u);
    EXPECT_EQ(jit.hart.x(2), 2u);
    EXPECT_EQ(jit.hart.x(5), 0u);
    EXPECT_EQ(jit.hart.csrs().mcause, 5u);  // load access fault
    EXPECT_EQ(jit.hart.csrs().mepc, kBase + 8);
    EXPECT_EQ(jit.hart.csrs().mtval, 0x1008u);
    // A store fault in the same place.
    put(kBase, {addi(1, 1, 1), addi(2, 2, 2), sd(2, 4, 16), addi(5, 5, 5), kEcall});
    run(3, {{4, 0x2000}});
    EXPECT_EQ(jit.hart.csrs().mcause, 7u);
    EXPECT_EQ(jit.hart.csrs().mepc, kBase + 8);
    EXPECT_EQ(jit.hart.csrs().mtval, 0x2010u);
    EXPECT_EQ(jit.hart.x(5), 0u);
}

TEST_F(JitTest, TrapInALaterPassOfASelfLoopStoresRegistersWrittenInEarlierPasses) {
    // x5 and x4 live in host registers across passes; the third pass faults at its first
    // instruction, before x5's add: the architected x5 is the one of the second pass.
    put(kBase, {ld(3, 4, 0), addi(5, 5, 1), addi(5, 5, 1), addi(4, 4, 8), jal(0, -16)});
    run(100, {{4, kBase + 0x10000 - 16}});
    EXPECT_EQ(jit.hart.x(5), 4u);
    EXPECT_EQ(jit.hart.x(4), kBase + 0x10000);
    EXPECT_EQ(jit.hart.csrs().mcause, 5u);
    EXPECT_EQ(jit.hart.csrs().mepc, kBase);
    EXPECT_EQ(jit.hart.csrs().mtval, kBase + 0x10000);
}

TEST_F(JitTest, BlocksOfOnePageLinkIntoEachOther) {
    run_three_block_loop();
    EXPECT_EQ(jit.compiler->blocks_compiled(), 4u);  // A, B, C and the trap loop, once each
}

// Calls and returns (JALR) and jumps to another page leave compiled code through the shared
// jump-cache lookup, which chains straight into the target's host code.
TEST_F(JitTest, CallsAcrossPagesChainAndStopExactlyAtTheBudget) {
    put(kBase, {jalr(1, 5, 0), addi(7, 7, 1), blt(7, 4, -8), kEcall});
    put(kBase + 0x1000, {addi(2, 2, 1), jalr(0, 1, 0)});
    // 1000 calls would take 5000 instructions: the budget ends mid-loop, at the block
    // boundary where the interpreter stops too (run() compares pc and instret).
    run(2999, {{4, 1000}, {5, kBase + 0x1000}});
    EXPECT_EQ(jit.hart.instret(), 3000u);
    EXPECT_EQ(jit.hart.x(2), 600u);
}

TEST_F(JitTest, CodeWrittenBetweenCallsRunsOnTheNextCall) {
    // f (another page) is called through JALR five times; after the first call the caller
    // overwrites f's first instruction. The store retires f's block, so the lookup in
    // compiled code can no longer find it and the new instruction runs.
    put(kBase, {jalr(1, 5, 0), addi(7, 7, 1), sw(6, 5, 0), blt(7, 4, -12), kEcall});
    put(kBase + 0x1000, {addi(2, 2, 1), jalr(0, 1, 0)});
    run(1000, {{4, 5}, {5, kBase + 0x1000}, {6, addi(2, 2, 100)}});
    EXPECT_EQ(jit.hart.x(2), 401u);
    EXPECT_EQ(jit.hart.x(7), 5u);
    EXPECT_EQ(jit.hart.csrs().mcause, 11u);
    EXPECT_EQ(jit.hart.csrs().mepc, kBase + 16);
}

TEST_F(JitTest, UnsupportedInstructionEndsThePrefixAndTheInterpreterFinishes) {
    // csrrs ends the compiled prefix; the interpreter runs it and the block's end.
    put(kBase, {addi(1, 1, 1), csrrs(2, cpu::csr::kMscratch, 0), addi(3, 3, 3), kEcall});
    run(1000, {});
    EXPECT_EQ(jit.hart.x(1), 1u);
    EXPECT_EQ(jit.hart.x(3), 3u);
    EXPECT_EQ(jit.hart.csrs().mcause, 11u);
}

}  // namespace
}  // namespace rvisor::jit

namespace rvisor::jit {
namespace {

// A code buffer with room for about two blocks: compiling keeps filling it, the hart retires
// every block and the compiler starts over, many times, without changing any result.
class JitFlushTest : public JitTest {
  protected:
    JitFlushTest() : JitTest(CompilerOptions{.buffer_bytes = 64 * 1024 + 1024}) {}
};

TEST_F(JitFlushTest, FullCodeBufferFlushesAndLinkedBlocksStayCorrect) {
    run_three_block_loop();
    EXPECT_GT(jit.compiler->blocks_compiled(), 3u) << "the buffer was never flushed";
}

}  // namespace
}  // namespace rvisor::jit
