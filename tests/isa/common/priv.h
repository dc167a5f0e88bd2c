/*
 * priv.h - privileged-architecture helpers for rvisor's bare-metal test programs (priv_*.S).
 * Builds on test.h (include this instead of it) and needs common/priv_runtime.S linked in
 * (priv_programs.cmake does that).
 *
 * Environment: as test.h (M-mode on hart 0 at 0x80000000, finisher, UART), plus the CLINT
 * at 0x2000000 (msip hart 0 at +0, mtimecmp hart 0 at +0x4000, mtime at +0xbff8, 10 MHz).
 *
 * ---- Modes -------------------------------------------------------------------------------
 * PV_INIT                 once, right after TEST_START: installs the M handler (mtvec) and
 *                         the S handler (stvec), clears both trap records, clears
 *                         medeleg/mideleg/mie, and opens PMP entry 0 to all of memory
 *                         (pmpaddr0 = -1, NAPOT RWX): with PMP implemented, S and U have no
 *                         access at all until some entry matches (priv spec 3.7.1).
 * GOTO_S / GOTO_U         from M: continue with the next instruction in S / U (mret with
 *                         MPP set; note mret also sets MIE <- MPIE, MPIE <- 1).
 * GOTO_M                  from S or U: continue with the next instruction in M. It is an
 *                         ebreak with t6 = PV_MAGIC, which the M handler treats as a mode
 *                         switch instead of recording it (so breakpoints must not be delegated
 *                         to S). It leaves mstatus.MIE = 0, MPIE = 1, MPP = U (mret's
 *                         effects), and overwrites mepc / mcause / mtval. M continues at the
 *                         ebreak's address + 4, so the code must run at its physical address
 *                         (bare, or identity-mapped under paging).
 *
 * ---- Trap records ------------------------------------------------------------------------
 * The M handler (_pv_mtrap) fills test.h's `trap_record` (count, mcause, mepc, mtval,
 * mstatus) and appends mcause to `pv_mlog`; the S handler (_pv_strap) fills `pv_srecord`
 * (count, scause, sepc, stval, sstatus) and `pv_slog`. Both then resume:
 *   - interrupts: at xepc (nothing skipped), with the interrupt's enable bit cleared in
 *     mie / sie so that a level that stays pending cannot loop;
 *   - instruction fetch faults (causes 0, 1, 12): at ra (make such fetches with jalr ra);
 *   - other exceptions: after the faulting instruction, 4 bytes, or for an illegal
 *     instruction the length encoded in xtval's low bits (the priv programs are assembled
 *     with .option norvc, so every trapping instruction is 4 bytes unless written with .half).
 * Both handlers preserve every register but t5 (t6 is saved in mscratch / sscratch, which
 * the programs therefore do not use). More than 16 traps in one record without a clear fail
 * with CODE_RUNAWAY_TRAPS (241).
 * The S handler runs in S-mode: under paging its code and pv_srecord must be mapped
 * (identity-map the image for S).
 *
 * CHECK_TRAP* from test.h check the M record; CHECK_MTRAP* / CHECK_STRAP* below check one
 * record AND that the other record is empty (a trap must go to the right mode), then clear
 * the checked record. CHECK_NO_TRAPS(code) checks that both records are empty.
 *
 * ---- Page tables (M-mode, physical addresses) ---------------------------------------------
 * PV_PT_INIT(levels)      new empty root table for Sv39 (3), Sv48 (4) or Sv57 (5), from a pool
 *                         of 48 zeroed 4 KiB pages in .bss.
 * call pv_map             a0 = va, a1 = pa, a2 = PTE flags (bits 9:0), a3 = leaf level
 *                         (0 = 4 KiB, 1 = 2 MiB, 2 = 1 GiB, 3 = 512 GiB, 4 = 256 TiB);
 *                         builds missing intermediate tables; returns a0 = address of the leaf
 *                         PTE. Clobbers a0-a5, t0-t4.
 * call pv_satp            a0 = the satp value for the current root (mode, ASID 0, root PPN).
 * Failure codes: 242 = page-table pool exhausted, 243 = pv_map met a leaf where it needed a
 * table (overlapping mappings).
 */
#ifndef RVISOR_ISA_PRIV_H
#define RVISOR_ISA_PRIV_H

#include "test.h"

/* CSR numbers the assembler may not know by name. */
#define CSR_MENVCFG       0x30a
#define CSR_SENVCFG       0x10a
#define CSR_STIMECMP      0x14d
#define CSR_MCOUNTINHIBIT 0x320

/* Privilege levels (mstatus.MPP encoding). */
#define PRV_U 0
#define PRV_S 1
#define PRV_M 3

/* mstatus / sstatus fields (priv spec 3.1.6, 4.1.1). */
#define MSTATUS_SIE   (1 << 1)
#define MSTATUS_SPIE  (1 << 5)
#define MSTATUS_SPP   (1 << 8)
#define MSTATUS_VS    (3 << 9)
#define MSTATUS_MPP_S (1 << 11)
#define MSTATUS_MPP_M (3 << 11)
#define MSTATUS_FS    (3 << 13)
#define MSTATUS_XS    (3 << 15)
#define MSTATUS_MPRV  (1 << 17)
#define MSTATUS_SUM   (1 << 18)
#define MSTATUS_MXR   (1 << 19)
#define MSTATUS_TVM   (1 << 20)
#define MSTATUS_TW    (1 << 21)
#define MSTATUS_TSR   (1 << 22)
#define MSTATUS_UXL   (3 << 32)
#define MSTATUS_UXL_64 (2 << 32)
#define MSTATUS_SXL   (3 << 34)
#define MSTATUS_SXL_64 (2 << 34)
#define MSTATUS_SD    (1 << 63)

/* More exception causes (priv spec table 3.6). */
#define CAUSE_LOAD_PAGE_FAULT   13
#define CAUSE_STORE_PAGE_FAULT  15 /* also AMO */

/* Interrupt numbers and their mip/mie bits (priv spec 3.1.9). */
#define IRQ_S_SOFT   1
#define IRQ_M_SOFT   3
#define IRQ_S_TIMER  5
#define IRQ_M_TIMER  7
#define IRQ_S_EXT    9
#define IRQ_M_EXT    11
#define MIP_SSIP     (1 << IRQ_S_SOFT)
#define MIP_MSIP     (1 << IRQ_M_SOFT)
#define MIP_STIP     (1 << IRQ_S_TIMER)
#define MIP_MTIP     (1 << IRQ_M_TIMER)
#define MIP_SEIP     (1 << IRQ_S_EXT)
#define MIP_MEIP     (1 << IRQ_M_EXT)
#define CAUSE_INTR   (1 << 63)
#define INTR(n)      (CAUSE_INTR | (n))

/* misa (priv spec 3.1.1). */
#define MISA_MXL_64  (2 << 62)
#define MISA_EXT(c)  (1 << ((c) - 'A'))

/* Counter enables (mcounteren / scounteren). */
#define COUNTEREN_CY 1
#define COUNTEREN_TM 2
#define COUNTEREN_IR 4

/* menvcfg. */
#define MENVCFG_STCE (1 << 63)

/* PMP (priv spec 3.7). */
#define PMP_R     0x01
#define PMP_W     0x02
#define PMP_X     0x04
#define PMP_OFF   0x00
#define PMP_TOR   0x08
#define PMP_NA4   0x10
#define PMP_NAPOT 0x18
#define PMP_L     0x80

/* Page-table entries and satp (priv spec 4.3 - 4.6). */
#define PTE_V 0x001
#define PTE_R 0x002
#define PTE_W 0x004
#define PTE_X 0x008
#define PTE_U 0x010
#define PTE_G 0x020
#define PTE_A 0x040
#define PTE_D 0x080
#define PTE_PPN_SHIFT 10
#define SATP_MODE_BARE 0
#define SATP_MODE_SV39 8
#define SATP_MODE_SV48 9
#define SATP_MODE_SV57 10
#define SATP_MODE_SHIFT 60

/* CLINT (QEMU virt / rvisor), hart 0. */
#define CLINT_BASE      0x2000000
#define CLINT_MSIP0     0x2000000
#define CLINT_MTIMECMP0 0x2004000
#define CLINT_MTIME     0x200bff8
#define TIMEBASE_HZ     10000000

/* The GOTO_M marker in t6 (a value no check uses). */
#define PV_MAGIC 0x6d6f64656d6f6465

#define CODE_PT_POOL_EMPTY 242
#define CODE_PT_OVERLAP    243

/* Record layout (8-byte fields), the same for trap_record and pv_srecord. */
#define REC_COUNT  0
#define REC_CAUSE  8
#define REC_EPC    16
#define REC_TVAL   24
#define REC_STATUS 32

#ifdef __ASSEMBLER__

#define PV_INIT                 pv_init
#define GOTO_S                  pv_goto PRV_S
#define GOTO_U                  pv_goto PRV_U
#define GOTO_M                  pv_goto_m
#define STRAP_CLEAR             pv_rec_clear pv_srecord
#define MTRAP_CLEAR             pv_rec_clear trap_record
#define PV_PT_INIT(levels)      pv_pt_init_m levels

/* Exactly one M trap, none in S: mcause, mepc == label, mtval == immediate. */
#define CHECK_MTRAP(code, cause, epc, tval)       pv_check code, trap_record, pv_srecord, \
                                                   cause, addr, epc, value, tval
/* ... mtval == address of a label. */
#define CHECK_MTRAP_ADDR(code, cause, epc, tval)  pv_check code, trap_record, pv_srecord, \
                                                   cause, addr, epc, addr, tval
/* ... mtval not checked. */
#define CHECK_MTRAP_ANY(code, cause, epc)         pv_check code, trap_record, pv_srecord, \
                                                   cause, addr, epc, any, 0
/* ... mepc and mtval both immediates (faults at numeric addresses, interrupts at a value). */
#define CHECK_MTRAP_VAL(code, cause, epc, tval)   pv_check code, trap_record, pv_srecord, \
                                                   cause, value, epc, value, tval
#define CHECK_STRAP(code, cause, epc, tval)       pv_check code, pv_srecord, trap_record, \
                                                   cause, addr, epc, value, tval
#define CHECK_STRAP_ADDR(code, cause, epc, tval)  pv_check code, pv_srecord, trap_record, \
                                                   cause, addr, epc, addr, tval
#define CHECK_STRAP_ANY(code, cause, epc)         pv_check code, pv_srecord, trap_record, \
                                                   cause, addr, epc, any, 0
#define CHECK_STRAP_VAL(code, cause, epc, tval)   pv_check code, pv_srecord, trap_record, \
                                                   cause, value, epc, value, tval
/* Neither handler entered since the last clear. */
#define CHECK_NO_TRAPS(code)                      pv_check_none code
/* Field `off` (REC_*) of the last M / S trap == immediate (checked before the CHECK_*TRAP
 * that clears the record). */
#define CHECK_MREC(code, off, exp)                pv_check_field code, trap_record, off, exp
#define CHECK_SREC(code, off, exp)                pv_check_field code, pv_srecord, off, exp
/* Field `off` == address of a label. */
#define CHECK_MREC_ADDR(code, off, label)         pv_check_field_addr code, trap_record, off, \
                                                   label
#define CHECK_SREC_ADDR(code, off, label)         pv_check_field_addr code, pv_srecord, off, \
                                                   label
/* (field `off` & mask) == exp. */
#define CHECK_MREC_MASKED(code, off, mask, exp)   pv_check_field_masked code, trap_record, \
                                                   off, mask, exp
#define CHECK_SREC_MASKED(code, off, mask, exp)   pv_check_field_masked code, pv_srecord, \
                                                   off, mask, exp
/* The n-th (1-based) trap since the last clear had this cause. */
#define CHECK_MLOG(code, n, cause)                pv_check_field code, pv_mlog, ((n) - 1) * 8, \
                                                   cause
#define CHECK_SLOG(code, n, cause)                pv_check_field code, pv_slog, ((n) - 1) * 8, \
                                                   cause
/* (reg & mask) == exp. Clobbers t5/t6 only. */
#define CHECK_MASKED(reg, mask, exp, code)        pv_check_masked reg, mask, exp, code

/* ---- assembler macros ------------------------------------------------------------------ */

.macro pv_init
    .option norvc
    la t6, _pv_mtrap
    csrw mtvec, t6
    la t6, _pv_strap
    csrw stvec, t6
    csrw medeleg, zero
    csrw mideleg, zero
    csrw mie, zero
    li t6, -1
    csrw pmpaddr0, t6
    li t6, PMP_NAPOT | PMP_R | PMP_W | PMP_X
    csrw pmpcfg0, t6
    pv_rec_clear trap_record
    pv_rec_clear pv_srecord
.endm

/* mret into `mode` at the next instruction. */
.macro pv_goto mode
    li t6, MSTATUS_MPP
    csrc mstatus, t6
    .if \mode
    li t6, (\mode) << 11
    csrs mstatus, t6
    .endif
    la t6, .Lpv_goto_\@
    csrw mepc, t6
    mret
.Lpv_goto_\@:
.endm

.macro pv_goto_m
    li t6, PV_MAGIC
    ebreak
.endm

.macro pv_rec_clear rec
    la t6, \rec
    sd zero, REC_COUNT(t6)
    li t5, -1
    sd t5, REC_CAUSE(t6)
    sd t5, REC_EPC(t6)
    sd t5, REC_TVAL(t6)
    sd t5, REC_STATUS(t6)
.endm

/* Internal: 8-byte field at `off` of `rec` must equal t6 (mutated when code == RT_MUTATE). */
.macro pv_field_eq rec, off, code
    .if \code == RT_MUTATE
    xori t6, t6, 1
    .endif
    la t5, \rec
    ld t5, \off(t5)
    beq t5, t6, .Lpv_ok_\@
    li a0, \code
    j _rt_fail_value
.Lpv_ok_\@:
.endm

.macro pv_check code, rec, other, cause, epc_kind, epc, tval_kind, tval
    rt_check_code \code
    li t6, 0
    pv_field_eq \other, REC_COUNT, \code
    li t6, 1
    pv_field_eq \rec, REC_COUNT, \code
    li t6, \cause
    pv_field_eq \rec, REC_CAUSE, \code
    .ifc \epc_kind, addr
    la t6, \epc
    .else
    li t6, \epc
    .endif
    pv_field_eq \rec, REC_EPC, \code
    .ifc \tval_kind, addr
    la t6, \tval
    pv_field_eq \rec, REC_TVAL, \code
    .endif
    .ifc \tval_kind, value
    li t6, \tval
    pv_field_eq \rec, REC_TVAL, \code
    .endif
    pv_rec_clear \rec
.endm

.macro pv_check_none code
    rt_check_code \code
    li t6, 0
    pv_field_eq trap_record, REC_COUNT, \code
    li t6, 0
    pv_field_eq pv_srecord, REC_COUNT, \code
.endm

.macro pv_check_field code, rec, off, exp
    rt_check_code \code
    li t6, \exp
    pv_field_eq \rec, \off, \code
.endm

.macro pv_check_field_addr code, rec, off, label
    rt_check_code \code
    la t6, \label
    pv_field_eq \rec, \off, \code
.endm

.macro pv_check_field_masked code, rec, off, mask, exp
    rt_check_code \code
    la t5, \rec
    ld t5, \off(t5)
    li t6, \mask
    and t5, t5, t6
    li t6, \exp
    .if \code == RT_MUTATE
    xori t6, t6, 1
    .endif
    beq t5, t6, .Lpv_ok_\@
    li a0, \code
    j _rt_fail_value
.Lpv_ok_\@:
.endm

.macro pv_check_masked reg, mask, exp, code
    rt_check_code \code
    li t6, \mask
    and t5, \reg, t6
    li t6, \exp
    .if \code == RT_MUTATE
    xori t6, t6, 1
    .endif
    beq t5, t6, .Lpv_ok_\@
    li a0, \code
    j _rt_fail_value
.Lpv_ok_\@:
.endm

.macro pv_pt_init_m levels
    li a0, \levels
    call pv_pt_init
.endm

#endif /* __ASSEMBLER__ */
#endif /* RVISOR_ISA_PRIV_H */
