/*
 * test.h - conventions and assembler macros for rvisor's bare-metal ISA test programs.
 *
 * Include from a .S file (it is run through the C preprocessor). A program looks like:
 *
 *     #include "test.h"
 *     TEST_START
 *         li a1, 2
 *         addi a0, a1, 3
 *         CHECK_EQ(a0, 5, 1)
 *         PASS
 *
 * Environment (shared with the CPU/machine side):
 *   - M-mode on hart 0 from reset at 0x80000000, where `_start` (emitted by TEST_START) is
 *     the first instruction. a0 = hartid at entry; other harts park in a wfi loop.
 *   - Finisher ("test device", QEMU virt's sifive_test) at 0x100000: a 32-bit store of 0x5555
 *     passes and powers off; (code << 16) | 0x3333 fails with exit code `code`.
 *   - NS16550A UART at 0x10000000; failures print a one-line diagnosis there before exiting.
 *
 * Failure codes (QEMU's exit status keeps only 8 bits, so every code is below 256):
 *   1..199   a check in the program; each check has its own literal code, and the assembler
 *            rejects a code outside 1..199 or used twice in one program.
 *   200+N    unexpected synchronous exception with mcause N (default trap handler).
 *   240      unexpected interrupt.
 *   241      runaway traps: the recording handler was entered more than 16 times without
 *            the test clearing the record (e.g. the skip-the-instruction logic loops).
 *
 * Registers: t5 (x30) and t6 (x31) belong to the framework. Every macro below and the
 * recording trap handler may clobber them; tests must not keep values in them. Failure
 * paths clobber anything (they never return). Nothing else is touched by the macros.
 *
 * Trap recording: TRAP_ARM points mtvec at a handler that stores mcause/mepc/mtval/mstatus
 * into `trap_record`, counts the trap, and resumes after the faulting instruction (mepc +=
 * 2 or 4, the length taken from the low 2 bits of the halfword at mepc). For instruction
 * fetch faults (mcause 0, 1, 12) mepc is not readable, so the handler resumes at `ra`
 * instead: make such fetches with `jalr ra, ...`. The CHECK_TRAP* macros assert on the
 * record and then clear it. TRAP_DISARM restores the default handler. A test may also point
 * mtvec at a handler of its own (the default is `_rt_trap_default`).
 *
 * Proving checks can fail: build with -DRT_MUTATE=N (see below) and the program must exit
 * with code N; a sweep over all N whose mutant differs from the original binary covers
 * every check of a program.
 */
#ifndef RVISOR_ISA_TEST_H
#define RVISOR_ISA_TEST_H

#define TEST_DEVICE_BASE   0x100000
#define TEST_DEVICE_PASS   0x5555
#define TEST_DEVICE_FAIL   0x3333
#define TEST_DEVICE_RESET  0x7777

#define UART_BASE          0x10000000
#define UART_THR           0
#define UART_LSR           5
#define UART_LSR_THRE      0x20

/* Unmapped on both QEMU virt and rvisor: accesses raise access faults. */
#define UNMAPPED_ADDR      0x00800000

#define CODE_UNEXPECTED_TRAP 200 /* + mcause */
#define CODE_UNEXPECTED_IRQ  240
#define CODE_RUNAWAY_TRAPS   241

/* mcause values (synchronous exceptions). */
#define CAUSE_MISALIGNED_FETCH  0
#define CAUSE_FETCH_ACCESS      1
#define CAUSE_ILLEGAL_INSN      2
#define CAUSE_BREAKPOINT        3
#define CAUSE_MISALIGNED_LOAD   4
#define CAUSE_LOAD_ACCESS       5
#define CAUSE_MISALIGNED_STORE  6 /* also AMO and SC */
#define CAUSE_STORE_ACCESS      7 /* also AMO and SC */
#define CAUSE_ECALL_U           8
#define CAUSE_ECALL_S           9
#define CAUSE_ECALL_M           11
#define CAUSE_FETCH_PAGE_FAULT  12

/* mstatus bits. */
#define MSTATUS_MIE   (1 << 3)
#define MSTATUS_MPIE  (1 << 7)
#define MSTATUS_MPP   (3 << 11)

/* Layout of `trap_record` (8-byte fields), filled by the recording handler. */
#define TRAP_COUNT    0
#define TRAP_MCAUSE   8
#define TRAP_MEPC     16
#define TRAP_MTVAL    24
#define TRAP_MSTATUS  32

/* Mutation hook for proving that checks can fail: building a program with -DRT_MUTATE=N
 * inverts check N's expectation (expected value ^ 1, or the opposite outcome), so that
 * program must then exit with code N. 0 (the default) mutates nothing. */
#ifndef RT_MUTATE
#define RT_MUTATE 0
#endif

#ifdef __ASSEMBLER__

/* ---- C-preprocessor spelling of the macros (the interface tests use) ------------------ */

#define TEST_START                      rt_test_start
#define PASS                            rt_pass
#define FAIL(code)                      rt_fail code
/* reg == 64-bit immediate (any expression `li` accepts). */
#define CHECK_EQ(reg, exp, code)        rt_check_eq reg, exp, code
/* reg == reg2. */
#define CHECK_EQR(reg, reg2, code)      rt_check_eqr reg, reg2, code
/* reg != immediate. */
#define CHECK_NE(reg, val, code)        rt_check_ne reg, val, code
/* reg == address of a label. */
#define CHECK_ADDR(reg, label, code)    rt_check_addr reg, label, code
#define TRAP_ARM                        rt_trap_arm
#define TRAP_DISARM                     rt_trap_disarm
#define TRAP_CLEAR                      rt_trap_clear
/* Exactly one trap since the last arm/clear, with this mcause, mepc == label, mtval ==
 * immediate; then clears the record. */
#define CHECK_TRAP(code, cause, epc, tval)  rt_check_trap code, cause, epc, tval
/* Same, with mtval == the address of a label (plus an offset), e.g. a misaligned datum. */
#define CHECK_TRAP_ADDR(code, cause, epc, tval) rt_check_trap_addr code, cause, epc, tval
/* Same, with mtval == the address of the trapping instruction (ebreak). */
#define CHECK_TRAP_PC(code, cause, epc)     rt_check_trap_pc code, cause, epc
/* Same, mtval not checked (EBREAK: the spec allows 0 or the pc; QEMU 7.2 writes 0, rvisor
 * the pc -- checked separately in traps_strict.S). */
#define CHECK_TRAP_ANY_TVAL(code, cause, epc) rt_check_trap_any_tval code, cause, epc
/* Instruction fetch fault at the numeric address `addr`: mepc == mtval == addr. */
#define CHECK_TRAP_FETCH(code, cause, addr) rt_check_trap_fetch code, cause, addr
/* No trap since the last arm/clear. */
#define CHECK_NO_TRAP(code)             rt_check_no_trap code

/* ---- assembler macros ------------------------------------------------------------------ */

/* Registers `code` as used; rejects codes outside 1..199 and duplicates. */
.macro rt_check_code code
    .if (\code < 1) || (\code > 199)
        .error "check code \code is outside 1..199"
    .endif
    .ifdef .Lrt_code_used_\code
        .error "check code \code is used twice"
    .endif
    .set .Lrt_code_used_\code, 1
.endm

/* Entry point: must be the first thing in the program. Leaves the program in .text.init. */
.macro rt_test_start
    .section .text.init, "ax", @progbits
    .globl _start
_start:
    bnez a0, _rt_park
    la sp, __stack_top
    la t0, _rt_trap_default
    csrw mtvec, t0
    jal ra, _rt_init
.endm

.macro rt_pass
    j _rt_pass
.endm

.macro rt_fail code
    rt_check_code \code
    li a0, \code
    j _rt_fail
.endm

.macro rt_check_eq reg, exp, code
    rt_check_code \code
    li t6, \exp
    .if \code == RT_MUTATE
    xori t6, t6, 1
    .endif
    beq \reg, t6, .Lrt_ok_\@
    mv t5, \reg
    li a0, \code
    j _rt_fail_value
.Lrt_ok_\@:
.endm

.macro rt_check_eqr reg, reg2, code
    rt_check_code \code
    .if \code == RT_MUTATE
    xori t6, \reg2, 1
    beq \reg, t6, .Lrt_ok_\@
    .else
    beq \reg, \reg2, .Lrt_ok_\@
    .endif
    mv t5, \reg
    mv t6, \reg2
    li a0, \code
    j _rt_fail_value
.Lrt_ok_\@:
.endm

.macro rt_check_ne reg, val, code
    rt_check_code \code
    li t6, \val
    .if \code == RT_MUTATE
    mv t6, \reg
    .endif
    bne \reg, t6, .Lrt_ok_\@
    mv t5, \reg
    li a0, \code
    j _rt_fail_value
.Lrt_ok_\@:
.endm

.macro rt_check_addr reg, label, code
    rt_check_code \code
    la t6, \label
    .if \code == RT_MUTATE
    xori t6, t6, 1
    .endif
    beq \reg, t6, .Lrt_ok_\@
    mv t5, \reg
    li a0, \code
    j _rt_fail_value
.Lrt_ok_\@:
.endm

.macro rt_trap_clear
    la t6, trap_record
    sd zero, TRAP_COUNT(t6)
    li t5, -1
    sd t5, TRAP_MCAUSE(t6)
    sd t5, TRAP_MEPC(t6)
    sd t5, TRAP_MTVAL(t6)
    sd t5, TRAP_MSTATUS(t6)
.endm

.macro rt_trap_arm
    rt_trap_clear
    la t6, _rt_trap_record
    csrw mtvec, t6
.endm

.macro rt_trap_disarm
    la t6, _rt_trap_default
    csrw mtvec, t6
.endm

/* Internal: record field at `off` must equal t6; fails with `code` otherwise. */
.macro rt_trap_field_eq off, code
    .if \code == RT_MUTATE
    xori t6, t6, 1
    .endif
    la t5, trap_record
    ld t5, \off(t5)
    beq t5, t6, .Lrt_ok_\@
    li a0, \code
    j _rt_fail_value
.Lrt_ok_\@:
.endm

.macro rt_check_trap_gen code, cause, epc, epc_kind, tval, tval_kind
    rt_check_code \code
    li t6, 1
    rt_trap_field_eq TRAP_COUNT, \code
    li t6, \cause
    rt_trap_field_eq TRAP_MCAUSE, \code
    .ifc \epc_kind, addr
    la t6, \epc
    .else
    li t6, \epc
    .endif
    rt_trap_field_eq TRAP_MEPC, \code
    .ifc \tval_kind, addr
    la t6, \tval
    rt_trap_field_eq TRAP_MTVAL, \code
    .endif
    .ifc \tval_kind, value
    li t6, \tval
    rt_trap_field_eq TRAP_MTVAL, \code
    .endif
    rt_trap_clear
.endm

.macro rt_check_trap code, cause, epc, tval
    rt_check_trap_gen \code, \cause, \epc, addr, \tval, value
.endm

.macro rt_check_trap_addr code, cause, epc, tval
    rt_check_trap_gen \code, \cause, \epc, addr, \tval, addr
.endm

.macro rt_check_trap_pc code, cause, epc
    rt_check_trap_gen \code, \cause, \epc, addr, \epc, addr
.endm

.macro rt_check_trap_any_tval code, cause, epc
    rt_check_trap_gen \code, \cause, \epc, addr, 0, any
.endm

.macro rt_check_trap_fetch code, cause, addr
    rt_check_trap_gen \code, \cause, \addr, value, \addr, value
.endm

.macro rt_check_no_trap code
    rt_check_code \code
    li t6, 0
    rt_trap_field_eq TRAP_COUNT, \code
.endm

#endif /* __ASSEMBLER__ */
#endif /* RVISOR_ISA_TEST_H */
