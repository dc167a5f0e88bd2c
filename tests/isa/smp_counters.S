// smp_counters.S - shared counters under contention, run with 4 harts (--cpus 4 / -smp 4).
// Every hart adds to shared counters ITERS times each way: AMOADD.W, AMOADD.D (adding
// 2^32 + 1, so a lost carry or a torn 64-bit update shows), an LR.W/SC.W loop, an LR.D/SC.D
// loop, and a plain load/add/store under a test-and-test-and-set spinlock built from
// AMOSWAP.W.AQ (released with AMOSWAP.W.RL). Each hart then bumps a done counter with
// AMOADD.W.AQRL; hart 0 waits for all NHARTS (lw + fence r,rw) and checks every total
// exactly. Harts above NHARTS-1 park.
// qemu-smp: 4
#include "test.h"

#define NHARTS      4
#define ITERS       20000
#define LOCK_ITERS  2000

    .section .text.init, "ax", @progbits
    .globl _start
_start:
    la t0, _rt_trap_default
    csrw mtvec, t0
    li t0, NHARTS
    bgeu a0, t0, _rt_park
    mv s0, a0                   // s0 = hartid

    // Start together: every hart announces itself, then waits for all.
    la a1, started
    li a2, 1
    amoadd.w.aqrl zero, a2, (a1)
1:  lw a3, 0(a1)
    li a4, NHARTS
    bne a3, a4, 1b
    fence r, rw

    // ---- AMOADD.W and AMOADD.D ----
    la a1, cnt_amo_w
    la a2, cnt_amo_d
    li a3, 1
    li a4, 0x100000001
    li s1, ITERS
2:  amoadd.w zero, a3, (a1)
    amoadd.d zero, a4, (a2)
    addi s1, s1, -1
    bnez s1, 2b

    // ---- LR/SC increment loops, .W and .D ----
    la a1, cnt_lrsc_w
    la a2, cnt_lrsc_d
    li s1, ITERS
3:  lr.w a3, (a1)
    addiw a3, a3, 1
    sc.w a4, a3, (a1)
    bnez a4, 3b
4:  lr.d a3, (a2)
    add a3, a3, s0              // + hartid + 1: each hart contributes a distinct amount
    addi a3, a3, 1
    sc.d a4, a3, (a2)
    bnez a4, 4b
    addi s1, s1, -1
    bnez s1, 3b

    // ---- spinlock (AMOSWAP.W.AQ / AMOSWAP.W.RL) around plain ld/add/sd ----
    la a1, lock
    la a2, cnt_locked
    li s1, LOCK_ITERS
5:  lw a3, 0(a1)                // test...
    bnez a3, 5b
    li a3, 1
    amoswap.w.aq a3, a3, (a1)   // ...and set
    bnez a3, 5b
    ld a4, 0(a2)
    addi a4, a4, 1
    sd a4, 0(a2)
    amoswap.w.rl zero, zero, (a1)
    addi s1, s1, -1
    bnez s1, 5b

    // ---- done ----
    la a1, done
    li a2, 1
    amoadd.w.aqrl zero, a2, (a1)
    bnez s0, _rt_park

    // Hart 0: wait for everybody, then check the totals.
6:  lw a3, 0(a1)
    fence r, rw
    li a4, NHARTS
    bne a3, a4, 6b

    la a1, cnt_amo_w
    lw a2, 0(a1)
    CHECK_EQ(a2, NHARTS * ITERS, 1)
    la a1, cnt_amo_d
    ld a2, 0(a1)
    CHECK_EQ(a2, NHARTS * ITERS * 0x100000001, 2)
    la a1, cnt_lrsc_w
    lw a2, 0(a1)
    CHECK_EQ(a2, NHARTS * ITERS, 3)
    la a1, cnt_lrsc_d
    ld a2, 0(a1)
    // sum over harts h of (h + 1) * ITERS
    CHECK_EQ(a2, ITERS * NHARTS * (NHARTS + 1) / 2, 4)
    la a1, cnt_locked
    ld a2, 0(a1)
    CHECK_EQ(a2, NHARTS * LOCK_ITERS, 5)
    la a1, lock
    lw a2, 0(a1)
    CHECK_EQ(a2, 0, 6)
    PASS

    // Each shared word on its own 64-byte line. .data, not .bss: no hart zeroes anything.
    .data
    .balign 64
started:    .dword 0
    .balign 64
done:       .dword 0
    .balign 64
cnt_amo_w:  .dword 0
    .balign 64
cnt_amo_d:  .dword 0
    .balign 64
cnt_lrsc_w: .dword 0
    .balign 64
cnt_lrsc_d: .dword 0
    .balign 64
lock:       .dword 0
    .balign 64
cnt_locked: .dword 0
