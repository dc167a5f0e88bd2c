// priv_irq_priority.S - priority of simultaneous interrupts (RISC-V privileged spec
// 20211203, 3.1.9): "MEI, MSI, MTI, SEI, SSI, STI" for interrupts taken into M, and SEI, SSI,
// STI for interrupts delegated to S (4.1.3). The handlers mask each interrupt they take, so
// interrupts pending together arrive one after the other, and the trap log shows the order.
// MEI needs an interrupt controller and is not covered here.
//
// QEMU 7.2 without the AIA extensions takes the lowest-numbered pending interrupt first
// (riscv_cpu_pending_to_irq returns ctz(pending) unless Smaia / Ssaia are on), which is not
// the spec's order; with x-smaia / x-ssaia it uses the AIA default priorities, which for these
// interrupts are the privileged spec's. So this program is validated with AIA switched on;
// nothing in it touches AIA state.
//
// qemu-cpu: rv64,h=false,x-smaia=true,x-ssaia=true
#include "priv.h"

#define SIRQ_MASK (MIP_SSIP | MIP_STIP | MIP_SEIP)
#define WAIT_TICKS (2 * TIMEBASE_HZ)  /* 2 s of guest time */

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

/* The CLINT's msip for hart 0 <- value. Clobbers t0, t1. */
.macro msip_write value
    li t0, CLINT_MSIP0
    li t1, \value
    sw t1, 0(t0)
.endm

TEST_START
    PV_INIT
    li s0, -1
    mtimecmp_write s0
    msip_write 0

    // ==== priority: MSI > MTI > SEI > SSI > STI (priv 3.1.9) ====
    // All five pending and enabled with MIE = 0, then MIE = 1: the handler masks each
    // interrupt it takes, so they arrive one after the other in priority order.
    msip_write 1
    li s0, 0
    mtimecmp_write s0
    li t0, MIP_SEIP | MIP_SSIP | MIP_STIP
    csrs mip, t0                        // writable by M (priv 3.1.9)
    wait_csr mip, MIP_MSIP | MIP_MTIP | MIP_SEIP | MIP_SSIP | MIP_STIP, \
             MIP_MSIP | MIP_MTIP | MIP_SEIP | MIP_SSIP | MIP_STIP, 1
    li t0, MIP_MSIP | MIP_MTIP | MIP_SEIP | MIP_SSIP | MIP_STIP
    csrw mie, t0
    csrsi mstatus, MSTATUS_MIE
.Lprio:
    nop
    csrci mstatus, MSTATUS_MIE
    CHECK_MREC(2, REC_COUNT, 5)
    CHECK_MLOG(3, 1, INTR(IRQ_M_SOFT))
    CHECK_MLOG(4, 2, INTR(IRQ_M_TIMER))
    CHECK_MLOG(5, 3, INTR(IRQ_S_EXT))
    CHECK_MLOG(6, 4, INTR(IRQ_S_SOFT))
    CHECK_MLOG(7, 5, INTR(IRQ_S_TIMER))
    CHECK_MREC_ADDR(8, REC_EPC, .Lprio)     // all taken before the nop
    MTRAP_CLEAR
    // A second order, to rule out "lowest number first": SSI and STI only.
    li t0, MIP_SSIP | MIP_STIP
    csrw mie, t0
    csrsi mstatus, MSTATUS_MIE
    nop
    csrci mstatus, MSTATUS_MIE
    CHECK_MREC(9, REC_COUNT, 2)
    CHECK_MLOG(10, 1, INTR(IRQ_S_SOFT))
    CHECK_MLOG(11, 2, INTR(IRQ_S_TIMER))
    MTRAP_CLEAR
    msip_write 0
    li s0, -1
    mtimecmp_write s0
    li t0, MIP_SEIP | MIP_SSIP | MIP_STIP
    csrc mip, t0
    wait_csr mip, MIP_MSIP | MIP_MTIP | MIP_SEIP | MIP_SSIP | MIP_STIP, 0, 12

    // ==== delegated to S: SEI > SSI > STI (priv 3.1.9, 4.1.3) ====
    li t0, SIRQ_MASK
    csrw mideleg, t0
    li t0, MIP_SEIP | MIP_SSIP | MIP_STIP
    csrs mip, t0
    csrw mie, t0
    li t0, MSTATUS_SIE
    csrc mstatus, t0
    GOTO_S
    csrsi sstatus, MSTATUS_SIE
.Lprio_s:
    nop
    csrci sstatus, MSTATUS_SIE
    CHECK_SREC(13, REC_COUNT, 3)
    CHECK_SLOG(14, 1, INTR(IRQ_S_EXT))
    CHECK_SLOG(15, 2, INTR(IRQ_S_SOFT))
    CHECK_SLOG(16, 3, INTR(IRQ_S_TIMER))
    CHECK_SREC_ADDR(17, REC_EPC, .Lprio_s)
    STRAP_CLEAR
    GOTO_M
    li t0, MIP_SEIP | MIP_SSIP | MIP_STIP
    csrc mip, t0

    // ==== M-level before S-level across modes: in S, MSI (to M) before SSI (to S) ====
    msip_write 1
    wait_csr mip, MIP_MSIP, MIP_MSIP, 18
    li t0, MIP_SSIP
    csrs mip, t0
    li t0, MIP_SSIP | MIP_MSIP
    csrw mie, t0
    li t0, MSTATUS_SIE
    csrs mstatus, t0
    GOTO_S
.Lprio_ms:
    nop
    CHECK_MREC(19, REC_COUNT, 1)
    CHECK_MLOG(20, 1, INTR(IRQ_M_SOFT))
    MTRAP_CLEAR
    CHECK_STRAP_ANY(21, INTR(IRQ_S_SOFT), .Lprio_ms)
    csrci sstatus, MSTATUS_SIE
    GOTO_M
    msip_write 0
    li t0, MIP_SSIP
    csrc mip, t0
    csrw mie, zero
    csrw mideleg, zero

    CHECK_NO_TRAPS(22)
    PASS
