// traps.S - synchronous exceptions in M-mode and mret: ecall (mcause 11, mtval 0), ebreak
// and c.ebreak (mcause 3; mtval is checked in traps_strict.S), illegal instructions
// (mcause 2, mtval = the instruction bits: 16-bit all-zero, 0xffffffff, a custom-0 opcode),
// load / store / instruction-fetch access faults at the unmapped 0x800000 (mcause 5 / 7 /
// 1, mtval = the address, rd not written, memory untouched), mepc = the trapping
// instruction also at 2-byte-aligned addresses, trap entry (MPIE <- MIE, MIE <- 0, MPP <- M),
// mret (pc <- mepc, MIE <- MPIE, MPIE <- 1), and exceptions with a vectored-mode mtvec
// (they go to BASE).
#include "test.h"

#define MSTATUS_TRAP_BITS (MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP)

TEST_START
    csrw mie, zero                  // no interrupt sources while toggling mstatus.MIE
    TRAP_ARM

    // ---- ecall ----
    li a0, 0x1234
.Lecall:
    ecall
    CHECK_TRAP(1, CAUSE_ECALL_M, .Lecall, 0)
    CHECK_EQ(a0, 0x1234, 2)

    // ---- ebreak (4-byte) and c.ebreak (2-byte) ----
    .option push
    .option norvc
    li a0, 0
.Lebreak:
    ebreak
    addi a0, a0, 1                  // resumed 4 bytes after the ebreak
    .option pop
    CHECK_TRAP_ANY_TVAL(3, CAUSE_BREAKPOINT, .Lebreak)
    CHECK_EQ(a0, 1, 4)
    li a0, 0
.Lc_ebreak:
    c.ebreak
    c.addi a0, 1                    // resumed 2 bytes after the c.ebreak
    CHECK_TRAP_ANY_TVAL(5, CAUSE_BREAKPOINT, .Lc_ebreak)
    CHECK_EQ(a0, 1, 6)

    // ---- illegal instructions ----
    li a0, 0
.Lill16:
    .half 0x0000                    // all-zero 16-bit: defined illegal
    c.addi a0, 1
    CHECK_TRAP(7, CAUSE_ILLEGAL_INSN, .Lill16, 0)
    CHECK_EQ(a0, 1, 8)
    li a0, 0
.Lill_ones:
    .word 0xffffffff
    c.addi a0, 1
    CHECK_TRAP(9, CAUSE_ILLEGAL_INSN, .Lill_ones, 0xffffffff)
    CHECK_EQ(a0, 1, 10)
.Lill_custom:
    .word 0x0000050b                // custom-0 opcode, rd = a0
    CHECK_TRAP(11, CAUSE_ILLEGAL_INSN, .Lill_custom, 0x0000050b)
    CHECK_EQ(a0, 1, 12)

    // ---- mepc at a 2-byte-aligned (not 4-byte-aligned) address ----
    .balign 4
    c.nop
.Lecall_odd:
    ecall
    CHECK_TRAP(13, CAUSE_ECALL_M, .Lecall_odd, 0)
    la a1, .Lecall_odd
    andi a1, a1, 3
    CHECK_EQ(a1, 2, 14)

    // ---- load access faults: rd not written ----
    li t0, UNMAPPED_ADDR
    li a0, 0x600d
.Lld_fault:
    ld a0, 0(t0)
    CHECK_TRAP(15, CAUSE_LOAD_ACCESS, .Lld_fault, UNMAPPED_ADDR)
    CHECK_EQ(a0, 0x600d, 16)
.Llw_fault:
    lw a0, 4(t0)
    CHECK_TRAP(17, CAUSE_LOAD_ACCESS, .Llw_fault, UNMAPPED_ADDR + 4)
.Llbu_fault:
    lbu a0, -1(t0)
    CHECK_TRAP(18, CAUSE_LOAD_ACCESS, .Llbu_fault, UNMAPPED_ADDR - 1)
.Llr_fault:
    lr.d a0, (t0)
    CHECK_TRAP(19, CAUSE_LOAD_ACCESS, .Llr_fault, UNMAPPED_ADDR)
    CHECK_EQ(a0, 0x600d, 20)

    // ---- store access faults ----
    li a1, 0x77
.Lsd_fault:
    sd a1, 0(t0)
    CHECK_TRAP(21, CAUSE_STORE_ACCESS, .Lsd_fault, UNMAPPED_ADDR)
.Lsw_fault:
    sw a1, 8(t0)
    CHECK_TRAP(22, CAUSE_STORE_ACCESS, .Lsw_fault, UNMAPPED_ADDR + 8)
.Lsb_fault:
    sb a1, 3(t0)
    CHECK_TRAP(23, CAUSE_STORE_ACCESS, .Lsb_fault, UNMAPPED_ADDR + 3)

    // ---- instruction access fault: mepc = mtval = the address; the handler resumes at ra ----
    li t0, UNMAPPED_ADDR
    li ra, 0
    jalr ra, 0(t0)
.Lfetch_ret:
    CHECK_TRAP_FETCH(24, CAUSE_FETCH_ACCESS, UNMAPPED_ADDR)
    CHECK_ADDR(ra, .Lfetch_ret, 25)   // the link was written before the fetch faulted
    li t0, UNMAPPED_ADDR + 0x100
    jalr ra, 0x10(t0)
    CHECK_TRAP_FETCH(26, CAUSE_FETCH_ACCESS, UNMAPPED_ADDR + 0x110)

    // ---- trap entry: MPIE <- MIE, MIE <- 0, MPP <- M; mret restores MIE ----
    csrsi mstatus, MSTATUS_MIE
.Lecall_mie:
    ecall
    csrr a1, mstatus                // after the handler's mret
    la t6, trap_record
    ld a0, TRAP_MSTATUS(t6)         // as seen inside the handler
    li a2, MSTATUS_TRAP_BITS
    and a0, a0, a2
    CHECK_EQ(a0, MSTATUS_MPIE | MSTATUS_MPP, 27)
    andi a1, a1, MSTATUS_MIE
    CHECK_EQ(a1, MSTATUS_MIE, 28)
    CHECK_TRAP(29, CAUSE_ECALL_M, .Lecall_mie, 0)
    csrci mstatus, MSTATUS_MIE
.Lecall_nomie:
    ecall
    csrr a1, mstatus
    la t6, trap_record
    ld a0, TRAP_MSTATUS(t6)
    li a2, MSTATUS_TRAP_BITS
    and a0, a0, a2
    CHECK_EQ(a0, MSTATUS_MPP, 30)
    andi a1, a1, MSTATUS_MIE
    CHECK_EQ(a1, 0, 31)
    CHECK_TRAP(32, CAUSE_ECALL_M, .Lecall_nomie, 0)

    // ---- mret: pc <- mepc, MIE <- MPIE, MPIE <- 1 (MPP = M so we stay in M-mode) ----
    li a1, MSTATUS_MPP | MSTATUS_MPIE
    csrs mstatus, a1
    csrci mstatus, MSTATUS_MIE
    la a1, .Lmret_target1
    csrw mepc, a1
    li a0, 0
    mret
    li a0, 100                      // mret must not fall through
.Lmret_target1:
    CHECK_EQ(a0, 0, 33)
    csrr a1, mstatus
    andi a1, a1, MSTATUS_MIE | MSTATUS_MPIE
    CHECK_EQ(a1, MSTATUS_MIE | MSTATUS_MPIE, 34)
    li a1, MSTATUS_MPP
    csrs mstatus, a1
    li a1, MSTATUS_MPIE
    csrc mstatus, a1                // MPIE = 0 ...
    csrsi mstatus, MSTATUS_MIE      // ... and MIE = 1
    la a1, .Lmret_target2
    csrw mepc, a1
    mret
    li a0, 100
.Lmret_target2:
    CHECK_EQ(a0, 0, 35)
    csrr a1, mstatus
    andi a1, a1, MSTATUS_MIE | MSTATUS_MPIE
    CHECK_EQ(a1, MSTATUS_MPIE, 36)
    csrci mstatus, MSTATUS_MIE

    // ---- vectored mtvec: synchronous exceptions still go to BASE ----
    la a1, _rt_trap_record
    ori a1, a1, 1
    csrw mtvec, a1
.Lecall_vec:
    ecall
    CHECK_TRAP(37, CAUSE_ECALL_M, .Lecall_vec, 0)
    TRAP_DISARM

    PASS
