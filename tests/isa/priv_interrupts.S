// priv_interrupts.S - interrupts (RISC-V privileged spec 20211203, "priv" below):
//   - the time CSR reads the CLINT's mtime;
//   - machine timer interrupt from the CLINT (mtime >= mtimecmp -> mip.MTIP), taken in M only
//     with mie.MTIE and mstatus.MIE, in S and U whatever MIE says (priv 3.1.9); mcause
//     0x8000000000000007, mepc = the next instruction when a CSR write enables it;
//   - machine software interrupt from the CLINT's msip (mcause ...03); MSIP and MTIP are
//     read-only in mip (priv 3.1.9);
//   - priority of simultaneous interrupts: MEI > MSI > MTI > SEI > SSI > STI (priv 3.1.9);
//     SEIP, SSIP and STIP written by M through mip;
//   - mideleg: delegated S interrupts trap to S (scause with the top bit set), are taken in S
//     only with sstatus.SIE, in U always, never in M; sip / sie are views of mip / mie masked
//     by mideleg; SSIP is writable from S, STIP is not (priv 3.1.9, 4.1.3);
//   - WFI: returns when an interrupt is pending and enabled in mie even with MIE = 0 (priv
//     3.3.3), and an interrupt that wakes a WFI in S traps with mepc = the next instruction;
//   - vectored mtvec / stvec: interrupts go to BASE + 4 * cause, exceptions to BASE (priv
//     3.1.7);
//   - Sstc: menvcfg.STCE, stimecmp raising STIP (which then is read-only in mip), S access to
//     stimecmp gated by mcounteren.TM and STCE (Sstc spec; QEMU 7.2 implements it).
//
// Waits for pending bits poll until a deadline 2 s of mtime away and fail with their own code
// on timeout, so a missing interrupt cannot hang. Timers meant to fire "later" are set 50 ms
// ahead, far more than the few instructions that must run before them.
//
// qemu-cpu: rv64,h=false
#include "priv.h"

#define SIRQ_MASK (MIP_SSIP | MIP_STIP | MIP_SEIP)
#define WAIT_TICKS (2 * TIMEBASE_HZ)  /* 2 s of guest time */
#define DELAY_TICKS 500000             /* 50 ms: timers set to fire "later" */

/* reg <- mtime. */
.macro mtime_read reg
    li \reg, CLINT_MTIME
    ld \reg, 0(\reg)
.endm

/* mtimecmp (hart 0) <- reg. Clobbers t0. */
.macro mtimecmp_write reg
    li t0, CLINT_MTIMECMP0
    sd \reg, 0(t0)
.endm

/* mtimecmp <- mtime + ticks. Clobbers t0, t1. */
.macro timer_in ticks
    mtime_read t1
    li t0, \ticks
    add t1, t1, t0
    mtimecmp_write t1
.endm

/* Polls `csr` until (csr & mask) == want; FAIL(code) once mtime passes a deadline
 * WAIT_TICKS away (a guest-time bound, whatever the emulator's speed). Clobbers t0-t2. */
.macro wait_csr csr, mask, want, code
    mtime_read t2
    li t0, WAIT_TICKS
    add t2, t2, t0
.Lwait_\@:
    csrr t0, \csr
    li t1, \mask
    and t0, t0, t1
    li t1, \want
    beq t0, t1, .Lwait_done_\@
    mtime_read t0
    bltu t0, t2, .Lwait_\@
    FAIL(\code)
.Lwait_done_\@:
.endm

/* Polls until the M or S record counts `n` traps, with the same deadline. */
.macro wait_traps rec, n, code
    mtime_read t2
    li t0, WAIT_TICKS
    add t2, t2, t0
.Lwait_\@:
    la t0, \rec
    ld t0, REC_COUNT(t0)
    li t1, \n
    beq t0, t1, .Lwait_done_\@
    mtime_read t0
    bltu t0, t2, .Lwait_\@
    FAIL(\code)
.Lwait_done_\@:
.endm

/* The CLINT's msip for hart 0 <- value. Clobbers t0, t1. */
.macro msip_write value
    li t0, CLINT_MSIP0
    li t1, \value
    sw t1, 0(t0)
.endm

TEST_START
    PV_INIT
    li s0, -1
    mtimecmp_write s0                   // QEMU starts with mtimecmp = 0: no timer for now
    msip_write 0

    // ==== MTIP follows mtime >= mtimecmp; read-only in mip (priv 3.1.9) ====
    wait_csr mip, MIP_MTIP, 0, 1
    csrr a0, mip
    CHECK_MASKED(a0, MIP_MTIP | MIP_MSIP, 0, 2)
    li s0, 0
    mtimecmp_write s0                   // mtimecmp = 0 <= mtime: pending
    wait_csr mip, MIP_MTIP, MIP_MTIP, 3
    li t0, MIP_MTIP
    csrc mip, t0                        // MTIP is read-only: still pending
    csrr a0, mip
    CHECK_MASKED(a0, MIP_MTIP, MIP_MTIP, 4)
    CHECK_NO_TRAPS(5)                   // mie = 0: nothing taken

    // ==== the time CSR reads the CLINT's mtime (priv 3.1.10: one platform timebase) ====
    mtime_read a1
    rdtime a2
    mtime_read a3
    sltu a4, a2, a1                     // mtime before <= time ...
    CHECK_EQ(a4, 0, 93)
    sltu a4, a3, a2                     // ... <= mtime after
    CHECK_EQ(a4, 0, 94)
    sub a4, a3, a1                      // and the three reads took under 1 s of mtime
    li t0, TIMEBASE_HZ
    sltu a4, a4, t0
    CHECK_EQ(a4, 1, 95)

    // ==== M timer interrupt in M: needs mie.MTIE and mstatus.MIE (priv 3.1.9) ====
    csrsi mstatus, MSTATUS_MIE          // MIE = 1 but MTIE = 0: not taken
    nop
    CHECK_NO_TRAPS(6)
    csrci mstatus, MSTATUS_MIE
    li t0, MIP_MTIP
    csrs mie, t0                        // MTIE = 1 but MIE = 0: not taken
    nop
    CHECK_NO_TRAPS(7)
    csrsi mstatus, MSTATUS_MIE          // both: taken right after this write
.Lmti_m:
    nop
    CHECK_MREC_MASKED(8, REC_STATUS, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP, \
                      MSTATUS_MPIE | MSTATUS_MPP_M)
    CHECK_MTRAP_ANY(9, INTR(IRQ_M_TIMER), .Lmti_m)
    csrr a0, mstatus                    // mret restored MIE
    CHECK_MASKED(a0, MSTATUS_MIE, MSTATUS_MIE, 10)
    csrr a0, mie                        // (the handler masked MTIE)
    CHECK_EQ(a0, 0, 11)
    csrci mstatus, MSTATUS_MIE

    // ==== ... in S and U it is taken whatever MIE says (priv 3.1.9) ====
    li t0, MIP_MTIP
    csrs mie, t0
    li t0, MSTATUS_MPIE                 // mret into S with MIE = 0
    csrc mstatus, t0
    GOTO_S
.Lmti_s:
    nop
    CHECK_MREC_MASKED(12, REC_STATUS, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP, MSTATUS_MPP_S)
    CHECK_MTRAP_ANY(13, INTR(IRQ_M_TIMER), .Lmti_s)
    GOTO_M
    li t0, MIP_MTIP
    csrs mie, t0
    li t0, MSTATUS_MPIE
    csrc mstatus, t0
    GOTO_U
.Lmti_u:
    nop
    CHECK_MREC_MASKED(14, REC_STATUS, MSTATUS_MPP, 0)
    CHECK_MTRAP_ANY(15, INTR(IRQ_M_TIMER), .Lmti_u)
    GOTO_M
    // With MTIE = 0 it is not taken in S either.
    GOTO_S
    nop
    nop
    CHECK_NO_TRAPS(16)
    GOTO_M

    // ==== the timer fires later: pending only once mtime reaches mtimecmp ====
    // Writing mtimecmp clears MTIP (priv 3.1.9; within a bounded time: the spec has pending
    // bits follow their sources "in a bounded amount of time"), and it is clear because
    // mtime < mtimecmp.
    timer_in DELAY_TICKS
    wait_csr mip, MIP_MTIP, 0, 17
    mtime_read a1
    li t0, CLINT_MTIMECMP0
    ld a2, 0(t0)
    CHECK_NE(a2, -1, 91)
    bltu a1, a2, .Ltime_early_ok
    FAIL(92)                            // MTIP clear with mtime >= mtimecmp
.Ltime_early_ok:
    wait_csr mip, MIP_MTIP, MIP_MTIP, 18
    mtime_read a1
    li t0, CLINT_MTIMECMP0
    ld a2, 0(t0)
    bgeu a1, a2, .Ltime_ok
    FAIL(19)                            // MTIP with mtime < mtimecmp
.Ltime_ok:
    li s0, -1                           // mtimecmp = max: MTIP drops again
    mtimecmp_write s0
    wait_csr mip, MIP_MTIP, 0, 20

    // ==== M software interrupt from the CLINT's msip (priv 3.1.9) ====
    msip_write 1
    wait_csr mip, MIP_MSIP, MIP_MSIP, 21
    li t0, MIP_MSIP
    csrc mip, t0                        // MSIP is read-only in mip
    csrr a0, mip
    CHECK_MASKED(a0, MIP_MSIP, MIP_MSIP, 22)
    li t0, CLINT_MSIP0
    lw a0, 0(t0)
    CHECK_EQ(a0, 1, 23)                 // msip reads back
    li t0, MIP_MSIP
    csrs mie, t0
    CHECK_NO_TRAPS(24)                  // MIE = 0
    csrsi mstatus, MSTATUS_MIE
.Lmsi_m:
    nop
    CHECK_MTRAP_ANY(25, INTR(IRQ_M_SOFT), .Lmsi_m)
    csrci mstatus, MSTATUS_MIE
    msip_write 0
    wait_csr mip, MIP_MSIP, 0, 26

    // ==== mideleg and the sip / sie views (priv 3.1.9, 4.1.3) ====
    li t0, SIRQ_MASK
    csrw mideleg, t0
    csrr a0, mideleg
    CHECK_MASKED(a0, SIRQ_MASK | MIP_MSIP | MIP_MTIP | MIP_MEIP, SIRQ_MASK, 39)
    csrw mie, zero
    li t0, -1
    csrw sie, t0                        // reaches only the delegated bits of mie
    csrr a0, mie
    CHECK_EQ(a0, SIRQ_MASK, 40)
    csrr a0, sie
    CHECK_EQ(a0, SIRQ_MASK, 41)
    li t0, MIP_SSIP | MIP_STIP
    csrs mip, t0
    csrr a0, sip
    CHECK_EQ(a0, MIP_SSIP | MIP_STIP, 42)
    csrw mideleg, zero                  // not delegated: invisible in sip / sie
    csrr a0, sip
    CHECK_EQ(a0, 0, 43)
    csrr a0, sie
    CHECK_EQ(a0, 0, 44)
    li t0, -1
    csrw sie, t0                        // and not writable through sie
    csrw mie, zero
    csrr a0, mie
    CHECK_EQ(a0, 0, 45)
    li t0, MIP_SSIP | MIP_STIP
    csrc mip, t0
    csrw sie, zero

    // ==== delegated SSI, raised by S itself through sip (priv 4.1.3) ====
    li t0, SIRQ_MASK
    csrw mideleg, t0
    li t0, MIP_SSIP
    csrw mie, t0                        // sie.SSIE
    GOTO_S
    csrci sstatus, MSTATUS_SIE
    li t0, MIP_SSIP
    csrs sip, t0                        // SSIP is writable from S; SIE = 0: not taken
    csrr a0, sip
    CHECK_EQ(a0, MIP_SSIP, 46)
    CHECK_NO_TRAPS(47)
    csrsi sstatus, MSTATUS_SIE          // taken right after this write, in S
.Lssi_s:
    nop
    CHECK_SREC_MASKED(48, REC_STATUS, MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP, \
                      MSTATUS_SPIE | MSTATUS_SPP)
    CHECK_STRAP_ANY(49, INTR(IRQ_S_SOFT), .Lssi_s)
    li t0, MIP_SSIP
    csrc sip, t0
    csrr a0, sip
    CHECK_EQ(a0, 0, 50)
    // STIP is read-only in sip.
    li t0, MIP_STIP
    csrs sip, t0
    csrr a0, sip
    CHECK_EQ(a0, 0, 51)
    csrci sstatus, MSTATUS_SIE
    GOTO_M

    // ==== delegated STI from M through mip: not in M, in S with SIE, in U always ====
    li t0, MIP_STIP
    csrs mip, t0
    csrw mie, t0
    csrsi mstatus, MSTATUS_MIE          // delegated: never taken in M
    nop
    csrci mstatus, MSTATUS_MIE
    CHECK_NO_TRAPS(52)
    GOTO_S                              // SIE = 0: not taken in S
    nop
    CHECK_NO_TRAPS(53)
    GOTO_M
    li t0, MIP_STIP
    csrw mie, t0
    GOTO_U                              // in U it is taken whatever SIE says
.Lsti_u:
    nop
    CHECK_SREC_MASKED(54, REC_STATUS, MSTATUS_SPP, 0)
    CHECK_STRAP_ANY(55, INTR(IRQ_S_TIMER), .Lsti_u)
    GOTO_M
    // An M interrupt is taken in S even with SIE = 1 and a delegated one pending: M first.
    li s0, 0
    mtimecmp_write s0
    wait_csr mip, MIP_MTIP, MIP_MTIP, 56
    li t0, MIP_STIP | MIP_MTIP
    csrw mie, t0
    li t0, MSTATUS_SIE
    csrs mstatus, t0
    GOTO_S
.Lmti_over_sti:
    nop
    // First the M timer (to M), then, back in S with SIE = 1, the delegated STI (to S).
    CHECK_MREC(57, REC_COUNT, 1)
    CHECK_MLOG(58, 1, INTR(IRQ_M_TIMER))
    MTRAP_CLEAR
    CHECK_STRAP_ANY(59, INTR(IRQ_S_TIMER), .Lmti_over_sti)
    csrci sstatus, MSTATUS_SIE
    GOTO_M
    li s0, -1
    mtimecmp_write s0
    li t0, MIP_STIP
    csrc mip, t0
    csrw mie, zero

    // ==== WFI (priv 3.3.3) ====
    // M, MIE = 0, MTIE = 1: wfi returns once the timer is pending, and nothing is taken.
    timer_in DELAY_TICKS
    li t0, MIP_MTIP
    csrw mie, t0
    wfi
    csrr a0, mip
    CHECK_MASKED(a0, MIP_MTIP, MIP_MTIP, 60)
    CHECK_NO_TRAPS(61)
    li s0, -1
    mtimecmp_write s0
    // S, TW = 0: the M timer wakes the wfi and traps to M with mepc after the wfi.
    timer_in DELAY_TICKS
    GOTO_S
    wfi
.Lafter_wfi_s:
    nop
    CHECK_MTRAP_ANY(62, INTR(IRQ_M_TIMER), .Lafter_wfi_s)
    GOTO_M
    li s0, -1
    mtimecmp_write s0
    // S, delegated SSI pending and enabled in sie but SIE = 0: wfi returns, nothing taken.
    li t0, MIP_SSIP
    csrs mip, t0
    csrw mie, t0
    GOTO_S
    csrci sstatus, MSTATUS_SIE
    wfi
    CHECK_NO_TRAPS(63)
    li t0, MIP_SSIP
    csrc sip, t0
    GOTO_M
    csrw mie, zero

    // ==== vectored mtvec / stvec: BASE + 4 * cause for interrupts (priv 3.1.7) ====
    la t0, mvec_table
    ori t0, t0, 1
    csrw mtvec, t0
    csrw mideleg, zero
    msip_write 1
    wait_csr mip, MIP_MSIP, MIP_MSIP, 64
    li t0, MIP_MSIP
    csrw mie, t0
    csrsi mstatus, MSTATUS_MIE
.Lvec_msi:
    nop
    csrci mstatus, MSTATUS_MIE
    CHECK_MTRAP_ANY(65, INTR(IRQ_M_SOFT), .Lvec_msi)
    msip_write 0
    la a0, mvec_hits
    ld a1, 3 * 8(a0)                    // slot 3
    CHECK_NE(a1, 0, 66)
    sd zero, 3 * 8(a0)
    li t0, MIP_SSIP                     // an S interrupt handled by M (not delegated)
    csrs mip, t0
    csrw mie, t0
    csrsi mstatus, MSTATUS_MIE
.Lvec_ssi:
    nop
    csrci mstatus, MSTATUS_MIE
    CHECK_MTRAP_ANY(67, INTR(IRQ_S_SOFT), .Lvec_ssi)
    li t0, MIP_SSIP
    csrc mip, t0
    la a0, mvec_hits
    ld a1, 1 * 8(a0)
    CHECK_NE(a1, 0, 68)
    sd zero, 1 * 8(a0)
.Lvec_ecall:
    ecall                               // exceptions: BASE (slot 0)
    CHECK_MTRAP(69, CAUSE_ECALL_M, .Lvec_ecall, 0)
    la a0, mvec_hits
    ld a1, 0(a0)
    CHECK_NE(a1, 0, 70)
    sd zero, 0(a0)
    // stvec, with STI delegated and taken in U.
    li t0, SIRQ_MASK
    csrw mideleg, t0
    la t0, svec_table
    ori t0, t0, 1
    csrw stvec, t0
    li t0, MIP_STIP
    csrs mip, t0
    csrw mie, t0
    GOTO_U
.Lvec_sti:
    nop
    CHECK_STRAP_ANY(71, INTR(IRQ_S_TIMER), .Lvec_sti)
    GOTO_M                              // (an ebreak: through mtvec slot 0)
    la a0, mvec_hits
    sd zero, 0(a0)
    li t0, MIP_STIP
    csrc mip, t0
    la a0, svec_hits
    ld a1, 5 * 8(a0)
    CHECK_NE(a1, 0, 72)
    sd zero, 5 * 8(a0)
    // No other slot was used (mvec_hits and svec_hits are adjacent).
    la a0, mvec_hits
    li a2, 0
    li a3, 0
1:  ld a1, 0(a0)
    or a2, a2, a1
    addi a0, a0, 8
    addi a3, a3, 1
    li t0, 32
    bltu a3, t0, 1b
    CHECK_EQ(a2, 0, 73)
    la t0, _pv_mtrap
    csrw mtvec, t0
    la t0, _pv_strap
    csrw stvec, t0
    csrw mie, zero

    // ==== Sstc: stimecmp drives STIP when menvcfg.STCE = 1 (Sstc spec) ====
    li t0, MENVCFG_STCE
    csrs CSR_MENVCFG, t0
    csrr a0, CSR_MENVCFG
    CHECK_MASKED(a0, MENVCFG_STCE, MENVCFG_STCE, 74)
    li t0, -1
    csrw CSR_STIMECMP, t0
    csrr a0, CSR_STIMECMP
    CHECK_EQ(a0, -1, 75)
    wait_csr mip, MIP_STIP, 0, 76
    csrw CSR_STIMECMP, zero             // time >= 0: pending
    wait_csr mip, MIP_STIP, MIP_STIP, 77
    li t0, MIP_STIP
    csrc mip, t0                        // STIP is read-only in mip with STCE = 1
    csrr a0, mip
    CHECK_MASKED(a0, MIP_STIP, MIP_STIP, 78)
    // S programs its own timer (mcounteren.TM = 1) and takes the delegated STI.
    li t0, -1
    csrw CSR_STIMECMP, t0
    wait_csr mip, MIP_STIP, 0, 79
    li t0, COUNTEREN_TM
    csrw mcounteren, t0
    li t0, MIP_STIP
    csrw mie, t0
    GOTO_S
    csrsi sstatus, MSTATUS_SIE
    rdtime a0
    li t0, DELAY_TICKS
    add a0, a0, t0
    csrw CSR_STIMECMP, a0               // 50 ms from now
    csrr a1, CSR_STIMECMP
    CHECK_EQR(a1, a0, 80)
    CHECK_NO_TRAPS(81)
    wait_traps pv_srecord, 1, 82
    CHECK_SREC(83, REC_CAUSE, INTR(IRQ_S_TIMER))
    STRAP_CLEAR
    rdtime a1
    bgeu a1, a0, .Lsstc_time_ok
    FAIL(84)                            // taken before time reached stimecmp
.Lsstc_time_ok:
    li t0, -1
    csrw CSR_STIMECMP, t0               // S clears its timer
    csrr a0, sip
    CHECK_MASKED(a0, MIP_STIP, 0, 85)
    csrci sstatus, MSTATUS_SIE
    GOTO_M
    // S access to stimecmp needs mcounteren.TM and STCE; M always has it.
    csrw mcounteren, zero
    GOTO_S
.Lstimecmp_tm0:
    csrr a0, CSR_STIMECMP
    CHECK_MTRAP(86, CAUSE_ILLEGAL_INSN, .Lstimecmp_tm0, 0x14d02573)
    GOTO_M
    li t0, COUNTEREN_TM
    csrw mcounteren, t0
    li t0, MENVCFG_STCE
    csrc CSR_MENVCFG, t0
    csrr a0, CSR_STIMECMP               // M: fine
    CHECK_NO_TRAPS(87)
    GOTO_S
.Lstimecmp_stce0:
    csrw CSR_STIMECMP, zero
    CHECK_MTRAP(88, CAUSE_ILLEGAL_INSN, .Lstimecmp_stce0, 0x14d01073)
    GOTO_M
    // With STCE = 0, STIP is M-writable again and stimecmp no longer drives it.
    li t0, MIP_STIP
    csrc mip, t0
    csrr a0, mip
    CHECK_MASKED(a0, MIP_STIP, 0, 89)
    csrw mie, zero
    csrw mideleg, zero

    CHECK_NO_TRAPS(90)
    PASS

/* Vector tables: slot k marks xvec_hits[k] (with a non-zero value) and enters the recording
 * handler of its mode. */
.macro vec_table name, handler
    .balign 256
\name\()_table:
    .irp k, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    j \name\()_slot_\k
    .endr
    .irp k, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
\name\()_slot_\k:
    la t5, \name\()_hits
    sd t5, \k * 8(t5)
    j \handler
    .endr
.endm
    vec_table mvec, _pv_mtrap
    vec_table svec, _pv_strap

    .data
    .balign 8
mvec_hits:
    .zero 16 * 8
svec_hits:
    .zero 16 * 8
