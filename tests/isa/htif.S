// htif.S - the Spike/HTIF exit convention instead of the test device: the program finds
// its verdict by writing the 64-bit global `tohost` (in section .tohost, 8-byte aligned,
// with `fromhost` right after it): 1 = pass, (code << 1) | 1 = fail with `code`. The host
// locates `tohost` through the ELF symbol table. Self-contained: it links no runtime and
// never touches the test device or the UART, so it also runs on machines without them.
//
// qemu-machine: spike -- QEMU's virt machine has no HTIF; run-under-qemu runs this program
// on QEMU's spike machine (RAM at 0x80000000, HTIF at tohost), where it is QEMU-validated.
#include "test.h"

// Fail with `code` through tohost if reg != exp.
.macro h_check reg, exp, code
    li t6, \exp
    beq \reg, t6, .Lh_ok\@
    li a0, \code
    j htif_fail
.Lh_ok\@:
.endm

    .section .text.init, "ax", @progbits
    .globl _start
_start:
    bnez a0, park
    la t0, trap
    csrw mtvec, t0

    li a1, 40
    addi a1, a1, 2
    h_check a1, 42, 1
    la a2, scratch
    li a3, 0x0123456789abcdef
    sd a3, 0(a2)
    lw a4, 4(a2)
    h_check a4, 0x01234567, 2
    csrr a5, mhartid
    h_check a5, 0, 3
    // tohost is 8-byte aligned and fromhost follows it
    la a2, tohost
    andi a3, a2, 7
    h_check a3, 0, 4
    la a4, fromhost
    sub a4, a4, a2
    h_check a4, 8, 5

    // pass: tohost = 1, then wait for the host to stop us
    li a0, 1
    la t0, tohost
    sd a0, 0(t0)
1:  j 1b

// a0 = code: tohost = (code << 1) | 1
htif_fail:
    slli a0, a0, 1
    ori a0, a0, 1
    la t0, tohost
    sd a0, 0(t0)
1:  j 1b

// Any trap fails with 100 + mcause.
    .balign 4
trap:
    csrr a0, mcause
    addi a0, a0, 100
    j htif_fail

park:
    wfi
    j park

    .section .tohost, "aw", @progbits
    .balign 8
    .globl tohost
    .type tohost, @object
    .size tohost, 8
tohost:
    .dword 0
    .globl fromhost
    .type fromhost, @object
    .size fromhost, 8
fromhost:
    .dword 0

    .data
    .balign 8
scratch:
    .dword 0
