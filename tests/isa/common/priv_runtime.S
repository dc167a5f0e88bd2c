/*
 * priv_runtime.S - support code for the privileged-architecture test programs (see priv.h):
 * the recording M-mode and S-mode trap handlers, the GOTO_M mode switch, and a small
 * page-table builder. Linked in addition to runtime.S.
 */
#include "priv.h"

    .option norvc
    .text

/* ---- M-mode handler ---------------------------------------------------------------------- */

    .balign 64
    .globl _pv_mtrap
_pv_mtrap:
    csrw mscratch, t6
    /* GOTO_M: an ebreak (from any mode) with t6 == PV_MAGIC. */
    li t5, PV_MAGIC
    bne t6, t5, .Lm_record
    csrr t5, mcause
    li t6, CAUSE_BREAKPOINT
    beq t5, t6, .Lm_goto
.Lm_record:
    la t6, trap_record
    ld t5, REC_COUNT(t6)
    addi t5, t5, 1
    sd t5, REC_COUNT(t6)
    li t6, 16
    bgtu t5, t6, .Lrunaway
    slli t5, t5, 3                  /* pv_mlog[count - 1] = mcause */
    la t6, pv_mlog - 8
    add t5, t5, t6
    csrr t6, mcause
    sd t6, 0(t5)
    la t6, trap_record
    csrr t5, mcause
    sd t5, REC_CAUSE(t6)
    csrr t5, mepc
    sd t5, REC_EPC(t6)
    csrr t5, mtval
    sd t5, REC_TVAL(t6)
    csrr t5, mstatus
    sd t5, REC_STATUS(t6)
    csrr t5, mcause
    bltz t5, .Lm_irq
    li t6, CAUSE_MISALIGNED_FETCH
    beq t5, t6, .Lm_resume_ra
    li t6, CAUSE_FETCH_ACCESS
    beq t5, t6, .Lm_resume_ra
    li t6, CAUSE_FETCH_PAGE_FAULT
    beq t5, t6, .Lm_resume_ra
    li t6, CAUSE_ILLEGAL_INSN
    bne t5, t6, .Lm_skip4
    csrr t5, mtval                  /* illegal: length from the instruction bits */
    andi t5, t5, 3
    li t6, 3
    beq t5, t6, .Lm_skip4
    csrr t5, mepc
    addi t5, t5, 2
    csrw mepc, t5
    j .Lm_return
.Lm_skip4:
    csrr t5, mepc
    addi t5, t5, 4
    csrw mepc, t5
    j .Lm_return
.Lm_resume_ra:
    csrw mepc, ra
    j .Lm_return
.Lm_irq:
    slli t5, t5, 1                  /* interrupt number */
    srli t5, t5, 1
    li t6, 1
    sll t6, t6, t5
    csrc mie, t6                    /* a level that stays pending must not loop */
.Lm_return:
    csrr t6, mscratch
    mret
.Lm_goto:
    /* Continue in M after the ebreak, with M-mode interrupts disabled (MPIE = 0). */
    csrr t5, mepc
    addi t5, t5, 4
    csrw mepc, t5
    li t5, MSTATUS_MPP
    csrs mstatus, t5
    li t5, MSTATUS_MPIE
    csrc mstatus, t5
    csrr t6, mscratch
    mret
.Lrunaway:
    li a0, CODE_RUNAWAY_TRAPS
    j _rt_fail

/* ---- S-mode handler ---------------------------------------------------------------------- */

    .balign 64
    .globl _pv_strap
_pv_strap:
    csrw sscratch, t6
.Ls_record:
    la t6, pv_srecord
    ld t5, REC_COUNT(t6)
    addi t5, t5, 1
    sd t5, REC_COUNT(t6)
    li t6, 16
    bgtu t5, t6, .Lrunaway
    slli t5, t5, 3
    la t6, pv_slog - 8
    add t5, t5, t6
    csrr t6, scause
    sd t6, 0(t5)
    la t6, pv_srecord
    csrr t5, scause
    sd t5, REC_CAUSE(t6)
    csrr t5, sepc
    sd t5, REC_EPC(t6)
    csrr t5, stval
    sd t5, REC_TVAL(t6)
    csrr t5, sstatus
    sd t5, REC_STATUS(t6)
    csrr t5, scause
    bltz t5, .Ls_irq
    li t6, CAUSE_MISALIGNED_FETCH
    beq t5, t6, .Ls_resume_ra
    li t6, CAUSE_FETCH_ACCESS
    beq t5, t6, .Ls_resume_ra
    li t6, CAUSE_FETCH_PAGE_FAULT
    beq t5, t6, .Ls_resume_ra
    li t6, CAUSE_ILLEGAL_INSN
    bne t5, t6, .Ls_skip4
    csrr t5, stval
    andi t5, t5, 3
    li t6, 3
    beq t5, t6, .Ls_skip4
    csrr t5, sepc
    addi t5, t5, 2
    csrw sepc, t5
    j .Ls_return
.Ls_skip4:
    csrr t5, sepc
    addi t5, t5, 4
    csrw sepc, t5
    j .Ls_return
.Ls_resume_ra:
    csrw sepc, ra
    j .Ls_return
.Ls_irq:
    slli t5, t5, 1
    srli t5, t5, 1
    li t6, 1
    sll t6, t6, t5
    csrc sie, t6
.Ls_return:
    csrr t6, sscratch
    sret
/* ---- page tables ------------------------------------------------------------------------- */

/* pv_pt_init: a0 = levels (3, 4, 5). Returns a0 = a new zeroed root table. */
    .globl pv_pt_init
pv_pt_init:
    la t0, pv_pt_levels
    sd a0, 0(t0)
    mv t4, ra
    jal ra, .Lalloc
    mv ra, t4
    la t0, pv_pt_root
    sd t2, 0(t0)
    mv a0, t2
    ret

/* Internal: t2 = a zeroed page from the pool. Clobbers t0, t3. Link ra. */
.Lalloc:
    la t0, pv_pt_next
    ld t2, 0(t0)
    bnez t2, 1f
    la t2, pv_pt_pool
1:  la t3, pv_pt_pool_end
    bgeu t2, t3, .Lpool_empty
    li t3, 4096
    add t3, t3, t2
    sd t3, 0(t0)
    mv t0, t2
2:  sd zero, 0(t0)
    addi t0, t0, 8
    bltu t0, t3, 2b
    ret
.Lpool_empty:
    li a0, CODE_PT_POOL_EMPTY
    j _rt_fail

/* pv_map: a0 = va, a1 = pa, a2 = flags, a3 = leaf level. Returns a0 = leaf PTE address.
 * Clobbers a0-a5, t0-t4. */
    .globl pv_map
pv_map:
    mv t4, ra
    la t0, pv_pt_levels
    ld a4, 0(t0)
    addi a4, a4, -1                 /* a4 = level */
    la t0, pv_pt_root
    ld a5, 0(t0)                    /* a5 = table */
1:  slli t0, a4, 3                  /* shift = 12 + 9 * level */
    add t0, t0, a4
    addi t0, t0, 12
    srl t1, a0, t0
    andi t1, t1, 511
    slli t1, t1, 3
    add t1, t1, a5                  /* t1 = PTE address at this level */
    beq a4, a3, .Lleaf
    ld t2, 0(t1)
    andi t0, t2, PTE_V
    bnez t0, 2f
    jal ra, .Lalloc                 /* t2 = new table */
    srli t0, t2, 12
    slli t0, t0, PTE_PPN_SHIFT
    ori t2, t0, PTE_V
    sd t2, 0(t1)
2:  andi t0, t2, PTE_R | PTE_W | PTE_X
    bnez t0, .Loverlap
    slli t2, t2, 10                 /* next table = PPN << 12 */
    srli t2, t2, 20
    slli a5, t2, 12
    addi a4, a4, -1
    j 1b
.Lleaf:
    srli t0, a1, 12
    slli t0, t0, PTE_PPN_SHIFT
    or t0, t0, a2
    sd t0, 0(t1)
    mv a0, t1
    mv ra, t4
    ret
.Loverlap:
    li a0, CODE_PT_OVERLAP
    j _rt_fail

/* pv_satp: a0 = satp for the current root: MODE = levels + 5 (8, 9, 10), ASID 0. */
    .globl pv_satp
pv_satp:
    la t0, pv_pt_levels
    ld t0, 0(t0)
    addi t0, t0, 5
    slli t0, t0, SATP_MODE_SHIFT
    la t1, pv_pt_root
    ld a0, 0(t1)
    srli a0, a0, 12
    or a0, a0, t0
    ret

/* ---- data -------------------------------------------------------------------------------- */

    .data
    .balign 8
    .globl pv_srecord, pv_mlog, pv_slog
pv_srecord:
    .dword 0, -1, -1, -1, -1
pv_mlog:
    .zero 16 * 8
pv_slog:
    .zero 16 * 8
pv_pt_levels:
    .dword 3
pv_pt_root:
    .dword 0
pv_pt_next:
    .dword 0

    .bss
    .balign 4096
pv_pt_pool:
    .space 48 * 4096
pv_pt_pool_end:
