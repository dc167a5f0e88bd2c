// smp_litmus.S - memory-ordering litmus tests between harts 0 and 1 (run with 4 harts; harts
// 2 and up park).
//
// MP (message passing), ROUNDS rounds, hart 1 writing round numbers r = 1..ROUNDS:
//   A: data_a = r; fence rw,w; flag_a = r                 (release by fence)
//   B: data_b = r; amoswap.w.rl flag_b, r                  (release by .rl)
// Hart 0 keeps sampling: fa = flag_a; fence r,rw; da = data_a, and fb = amoor.w.aq flag_b;
// db = data_b, and requires da >= fa and db >= fb (never the data of an older round than the
// flag), until both flags reach ROUNDS.
//
// SB (store buffering), SB_ROUNDS rounds in lockstep: with x = y = 0,
//   hart 0: x = 1; fence rw,rw; r0 = y        hart 1: y = 1; fence rw,rw; r1 = x
// and (r0, r1) = (0, 0) is forbidden. Hart 0 resets x and y and releases round r through
// `go`; hart 1 reports r1 through `sb_res` and `sb_done`. Each side waits a round-dependent
// number of iterations before its part so the two parts overlap in some rounds.
// qemu-smp: 4
#include "test.h"

#define ROUNDS     100000
#define SB_ROUNDS  500

    .section .text.init, "ax", @progbits
    .globl _start
_start:
    la t0, _rt_trap_default
    csrw mtvec, t0
    li t0, 1
    beqz a0, hart0
    beq a0, t0, hart1
    j _rt_park

// ---------------------------------------------------------------------------------------
hart1:
    // Start barrier: wait until hart 0 is sampling.
    la a1, ready
1:  lw a2, 0(a1)
    beqz a2, 1b
    fence r, rw

    // MP writer.
    la a1, data_a
    la a2, flag_a
    la a3, data_b
    la a4, flag_b
    li s1, 1
    li s2, ROUNDS
2:  sw s1, 0(a1)
    fence rw, w
    sw s1, 0(a2)
    sw s1, 0(a3)
    amoswap.w.rl zero, s1, (a4)
    addi s1, s1, 1
    bleu s1, s2, 2b

    // SB, hart 1's side.
    la a1, go
    la a2, sb_x
    la a3, sb_y
    la a4, sb_res
    la a5, sb_done
    li s1, 1
    li s2, SB_ROUNDS
3:  lw a6, 0(a1)                // wait for go == round
    bne a6, s1, 3b
    fence r, rw
    andi a7, s1, 7              // a round-dependent delay
4:  addi a7, a7, -1
    bgez a7, 4b
    li a6, 1
    sw a6, 0(a3)                // y = 1
    fence rw, rw
    lw a6, 0(a2)                // r1 = x
    sw a6, 0(a4)
    fence rw, w
    sw s1, 0(a5)                // done = round
    addi s1, s1, 1
    bleu s1, s2, 3b
    j _rt_park

// ---------------------------------------------------------------------------------------
hart0:
    la a1, data_a
    la a2, flag_a
    la a3, data_b
    la a4, flag_b
    la a5, ready
    li a6, 1
    fence rw, w
    sw a6, 0(a5)
    li s2, ROUNDS
    li s3, 0                    // samples where the flags had moved (informational)
1:  lw s4, 0(a2)                // fa
    fence r, rw
    lw s5, 0(a1)                // da
    bgeu s5, s4, 2f
    mv t5, s5
    mv t6, s4
    li a0, 1                    // MP A: data older than the flag
    j _rt_fail_value
2:  amoor.w.aq s6, zero, (a4)   // fb
    lw s7, 0(a3)                // db
    bgeu s7, s6, 3f
    mv t5, s7
    mv t6, s6
    li a0, 2                    // MP B: data older than the flag
    j _rt_fail_value
3:  bne s4, s2, 1b
    bne s6, s2, 1b
    .set .Lrt_code_used_1, 1    // codes 1 and 2 are used by hand above
    .set .Lrt_code_used_2, 1
    // The final data must be the last round's.
    lw s5, 0(a1)
    CHECK_EQ(s5, ROUNDS, 3)
    lw s7, 0(a3)
    CHECK_EQ(s7, ROUNDS, 4)

    // SB, hart 0's side.
    la a1, go
    la a2, sb_x
    la a3, sb_y
    la a4, sb_res
    la a5, sb_done
    li s1, 1
    li s2, SB_ROUNDS
4:  sw zero, 0(a2)              // x = y = 0, then release the round
    sw zero, 0(a3)
    fence rw, w
    sw s1, 0(a1)
    srli a7, s1, 3              // a different round-dependent delay
    andi a7, a7, 7
5:  addi a7, a7, -1
    bgez a7, 5b
    li a6, 1
    sw a6, 0(a2)                // x = 1
    fence rw, rw
    lw s4, 0(a3)                // r0 = y
6:  lw a6, 0(a5)                // wait for hart 1's result of this round
    bne a6, s1, 6b
    fence r, rw
    lw s5, 0(a4)                // r1
    or a6, s4, s5
    CHECK_NE(a6, 0, 5)          // (r0, r1) == (0, 0) is forbidden
    addi s1, s1, 1
    bleu s1, s2, 4b
    PASS

    .data
    .balign 64
ready:   .dword 0
    .balign 64
data_a:  .dword 0
    .balign 64
flag_a:  .dword 0
    .balign 64
data_b:  .dword 0
    .balign 64
flag_b:  .dword 0
    .balign 64
go:      .dword 0
    .balign 64
sb_x:    .dword 0
    .balign 64
sb_y:    .dword 0
    .balign 64
sb_res:  .dword 0
    .balign 64
sb_done: .dword 0
