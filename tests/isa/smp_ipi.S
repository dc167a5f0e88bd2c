// smp_ipi.S - inter-processor interrupts through the CLINT, run with 4 harts.
// Harts 1..NHARTS-1 enable MSIE and mstatus.MIE, check in through `ready` and park in WFI.
// Hart 0 waits for all of them, lets them settle in WFI, checks nobody took an interrupt yet,
// then wakes one hart at a time by writing its msip. The woken hart takes the interrupt
// (mcause = machine software interrupt), clears its own msip, checks mip.MSIP fell, sets its
// bit in `acked` (AMOOR.W.AQRL) and parks again. Hart 0 checks each hart acknowledged (with a
// bounded wait), that its msip reads 0 again, that all bits are set, and that its own MSIP
// never rose.
// qemu-smp: 4
#include "test.h"

#define NHARTS      4
#define CLINT_BASE  0x2000000
#define MIP_MSIP    (1 << 3)
#define MCAUSE_MSI  0x8000000000000003
#define SETTLE      200000
#define ACK_SPINS   50000000

    .section .text.init, "ax", @progbits
    .globl _start
_start:
    la t0, _rt_trap_default
    csrw mtvec, t0
    mv s0, a0                   // s0 = hartid
    beqz a0, hart0
    li t0, NHARTS
    bgeu a0, t0, _rt_park

// ---- harts 1..NHARTS-1 --------------------------------------------------------------------
    la t0, ipi_handler
    csrw mtvec, t0
    li t0, MIP_MSIP
    csrw mie, t0
    li s2, 0                    // set by the handler
    la a1, ready
    li a2, 1
    amoadd.w.aqrl zero, a2, (a1)
    csrsi mstatus, MSTATUS_MIE
1:  wfi
    beqz s2, 1b
    csrci mstatus, MSTATUS_MIE
    j _rt_park

    .balign 4
ipi_handler:
    csrr a1, mcause
    CHECK_EQ(a1, MCAUSE_MSI, 10)
    li a1, CLINT_BASE           // clear my msip
    slli a2, s0, 2
    add a1, a1, a2
    sw zero, 0(a1)
    csrr a1, mip
    andi a1, a1, MIP_MSIP
    CHECK_EQ(a1, 0, 11)
    li a1, 1
    sll a1, a1, s0
    la a2, acked
    amoor.w.aqrl zero, a1, (a2)
    li s2, 1
    mret

// ---- hart 0 ---------------------------------------------------------------------------------
hart0:
    la a1, ready
1:  lw a2, 0(a1)
    fence r, rw
    li a3, NHARTS - 1
    bne a2, a3, 1b
    li a2, SETTLE               // give the others time to reach WFI
2:  addi a2, a2, -1
    bnez a2, 2b
    la a1, acked
    lw a2, 0(a1)
    CHECK_EQ(a2, 0, 1)

    li s1, 1                    // hart being woken
3:  li a1, CLINT_BASE
    slli a2, s1, 2
    add s3, a1, a2              // s3 = &msip[s1]
    li a2, 1
    sw a2, 0(s3)
    li a3, 1
    sll a3, a3, s1              // a3 = bit of hart s1
    la a1, acked
    li a4, ACK_SPINS
4:  lw a2, 0(a1)
    and a2, a2, a3
    bnez a2, 5f
    addi a4, a4, -1
    bnez a4, 4b
    FAIL(2)                     // hart s1 never acknowledged
5:  fence r, rw
    lw a2, 0(s3)
    CHECK_EQ(a2, 0, 3)          // it cleared its msip
    addi s1, s1, 1
    li a2, NHARTS
    bltu s1, a2, 3b

    la a1, acked
    lw a2, 0(a1)
    CHECK_EQ(a2, ((1 << NHARTS) - 1) & ~1, 4)
    csrr a2, mip
    andi a2, a2, MIP_MSIP
    CHECK_EQ(a2, 0, 5)
    li a1, CLINT_BASE
    lw a2, 0(a1)
    CHECK_EQ(a2, 0, 6)
    PASS

    .data
    .balign 64
ready:  .dword 0
    .balign 64
acked:  .dword 0
