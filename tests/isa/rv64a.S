// rv64a.S - A extension, aligned: every amo*.w / amo*.d returns the old memory value in rd
// and stores op(old, rs2); .w forms sign-extend the loaded word, use only rs2[31:0] (so
// amomin/amomax compare 32-bit signed, amominu/amomaxu 32-bit unsigned), and leave the
// neighbouring word alone; rd == x0 and rd == rs2; aq/rl variants. lr/sc: lr returns the
// value (lr.w sign-extended), a matching sc returns 0 and stores, an sc without a
// reservation (at start, after a successful sc, after a failed sc, to another address)
// returns nonzero and does not store; an lr/sc increment loop. A misaligned lr.w / lr.d
// raises load-address-misaligned (cause 4) with mtval = address and rd unwritten.
// Misaligned AMOs and SCs are in rv64a_misaligned.S (QEMU 7.2 deviates there).
#include "test.h"

#define SENTINEL_HI 0x5a5a5a5a

// .w AMO on the low word of `cell`; cell's high word holds SENTINEL_HI.
.macro t_amow c_rd, c_mem, op, old, src, exp_rd, exp_new
    la a1, cell
    li a2, \old
    sw a2, 0(a1)
    li a2, SENTINEL_HI
    sw a2, 4(a1)
    li a3, \src
    \op a0, a3, (a1)
    CHECK_EQ(a0, \exp_rd, \c_rd)
    ld a4, 0(a1)
    CHECK_EQ(a4, (SENTINEL_HI << 32) | \exp_new, \c_mem)
.endm

// .d AMO on `cell`.
.macro t_amod c_rd, c_mem, op, old, src, exp_new
    la a1, cell
    li a2, \old
    sd a2, 0(a1)
    li a3, \src
    \op a0, a3, (a1)
    CHECK_EQ(a0, \old, \c_rd)
    ld a4, 0(a1)
    CHECK_EQ(a4, \exp_new, \c_mem)
.endm

TEST_START
    // ---- sc with no reservation at all (nothing has executed lr yet) ----
    la a1, cell
    li a2, 0x1111
    sd a2, 0(a1)
    li a3, 0x2222
    sc.d a0, a3, (a1)
    CHECK_NE(a0, 0, 100)
    ld a4, 0(a1)
    CHECK_EQ(a4, 0x1111, 101)

    // ---- .w at an 8-aligned address: rd = sext(old), the upper neighbour word is kept ----
    t_amow 1, 2, amoswap.w, 0x80000000, 0x1234567812345678, 0xffffffff80000000, 0x12345678
    t_amow 3, 4, amoswap.w, 0x7fffffff, 0x0, 0x7fffffff, 0x0
    t_amow 5, 6, amoadd.w, 0x7fffffff, 0x1, 0x7fffffff, 0x80000000
    t_amow 7, 8, amoadd.w, 0xffffffff, 0x100000001, 0xffffffffffffffff, 0x0
    t_amow 9, 10, amoxor.w, 0xf0f0f0f0, 0xff, 0xfffffffff0f0f0f0, 0xf0f0f00f
    t_amow 11, 12, amoxor.w, 0x12345678, 0xffffffffffffffff, 0x12345678, 0xedcba987
    t_amow 13, 14, amoand.w, 0xffff0000, 0xff00ff0, 0xffffffffffff0000, 0xff00000
    t_amow 15, 16, amoand.w, 0x80000001, 0xffffffff00000003, 0xffffffff80000001, 0x1
    t_amow 17, 18, amoor.w, 0x1, 0x80000000, 0x1, 0x80000001
    t_amow 19, 20, amoor.w, 0x0, 0x1234567800000000, 0x0, 0x0
    t_amow 21, 22, amomin.w, 0x80000000, 0x7fffffff, 0xffffffff80000000, 0x80000000
    t_amow 23, 24, amomin.w, 0x5, 0xffffffff, 0x5, 0xffffffff
    t_amow 25, 26, amomin.w, 0x1, 0x100000000, 0x1, 0x0
    t_amow 27, 28, amomax.w, 0x80000000, 0x7fffffff, 0xffffffff80000000, 0x7fffffff
    t_amow 29, 30, amomax.w, 0xffffffff, 0x0, 0xffffffffffffffff, 0x0
    t_amow 31, 32, amomax.w, 0x7fffffff, 0xffffffff80000000, 0x7fffffff, 0x7fffffff
    t_amow 33, 34, amominu.w, 0xffffffff, 0x1, 0xffffffffffffffff, 0x1
    t_amow 35, 36, amominu.w, 0x80000000, 0x7fffffff, 0xffffffff80000000, 0x7fffffff
    t_amow 37, 38, amominu.w, 0x1, 0xffffffff00000000, 0x1, 0x0
    t_amow 39, 40, amomaxu.w, 0xffffffff, 0x1, 0xffffffffffffffff, 0xffffffff
    t_amow 41, 42, amomaxu.w, 0x7fffffff, 0x80000000, 0x7fffffff, 0x80000000
    t_amow 43, 44, amomaxu.w, 0x1, 0xffffffff00000000, 0x1, 0x1

    // ---- .d ----
    t_amod 50, 51, amoswap.d, 0x8000000000000000, 0xffffffffffffffff, 0xffffffffffffffff
    t_amod 52, 53, amoswap.d, 0x123456789abcdef, 0x8000000000000001, 0x8000000000000001
    t_amod 54, 55, amoadd.d, 0x7fffffffffffffff, 0x1, 0x8000000000000000
    t_amod 56, 57, amoadd.d, 0xffffffffffffffff, 0x2, 0x1
    t_amod 58, 59, amoxor.d, 0xff00ff00ff00ff00, 0xff00ff00ff00ff0, 0xf0f0f0f0f0f0f0f0
    t_amod 60, 61, amoand.d, 0xff00ff00ff00ff00, 0xff00ff00ff00ff0, 0xf000f000f000f00
    t_amod 62, 63, amoor.d, 0xff00ff00ff00ff00, 0xff00ff00ff00ff0, 0xfff0fff0fff0fff0
    t_amod 64, 65, amomin.d, 0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000
    t_amod 66, 67, amomin.d, 0x5, 0xffffffffffffffff, 0xffffffffffffffff
    t_amod 68, 69, amomin.d, 0x80000000, 0x7fffffff, 0x7fffffff
    t_amod 70, 71, amomax.d, 0x8000000000000000, 0x7fffffffffffffff, 0x7fffffffffffffff
    t_amod 72, 73, amomax.d, 0xffffffffffffffff, 0x0, 0x0
    t_amod 74, 75, amomax.d, 0x7fffffff, 0xffffffff80000000, 0x7fffffff
    t_amod 76, 77, amominu.d, 0xffffffffffffffff, 0x1, 0x1
    t_amod 78, 79, amominu.d, 0x8000000000000000, 0x7fffffffffffffff, 0x7fffffffffffffff
    t_amod 80, 81, amomaxu.d, 0xffffffffffffffff, 0x1, 0xffffffffffffffff
    t_amod 82, 83, amomaxu.d, 0x7fffffffffffffff, 0x8000000000000000, 0x8000000000000000
    t_amod 84, 85, amomaxu.d, 0x80000000, 0x7fffffff, 0x80000000

    // ---- .w on the high word of a doubleword (address = 4 mod 8) ----
    la a1, cell
    li a2, 0xfffffffea5a5a5a5
    sd a2, 0(a1)
    li a3, 3
    addi a5, a1, 4
    amoadd.w a0, a3, (a5)
    CHECK_EQ(a0, -2, 90)
    ld a4, 0(a1)
    CHECK_EQ(a4, 0x00000001a5a5a5a5, 91)
    li a2, 0x80000000a5a5a5a5
    sd a2, 0(a1)
    li a3, 0x7fffffff
    amomaxu.w a0, a3, (a5)
    CHECK_EQ(a0, 0xffffffff80000000, 92)
    ld a4, 0(a1)
    CHECK_EQ(a4, 0x80000000a5a5a5a5, 93)

    // ---- rd == x0 still stores; rd == rs2 gets the old value ----
    li a2, 40
    sd a2, 0(a1)
    li a3, 2
    amoadd.d zero, a3, (a1)
    CHECK_EQ(zero, 0, 94)
    ld a4, 0(a1)
    CHECK_EQ(a4, 42, 95)
    li a3, 0x77
    amoswap.d a3, a3, (a1)
    CHECK_EQ(a3, 42, 96)
    ld a4, 0(a1)
    CHECK_EQ(a4, 0x77, 97)

    // ---- aq / rl / aqrl variants behave the same ----
    li a2, 10
    sd a2, 0(a1)
    li a3, 5
    amoadd.d.aq a0, a3, (a1)
    amoadd.d.rl a0, a3, (a1)
    amoadd.d.aqrl a0, a3, (a1)
    CHECK_EQ(a0, 20, 98)
    li a3, -1
    amoswap.w.aqrl a0, a3, (a1)
    CHECK_EQ(a0, 25, 99)
    ld a4, 0(a1)
    CHECK_EQ(a4, 0xffffffff, 102)

    // ---- lr.d / sc.d ----
    li a2, 0x0123456789abcdef
    sd a2, 0(a1)
    lr.d a0, (a1)
    CHECK_EQ(a0, 0x0123456789abcdef, 110)
    li a3, 0xfedcba9876543210
    sc.d a4, a3, (a1)
    CHECK_EQ(a4, 0, 111)
    ld a0, 0(a1)
    CHECK_EQ(a0, 0xfedcba9876543210, 112)
    // a second sc after the successful one has no reservation
    li a3, 0x5555
    sc.d a4, a3, (a1)
    CHECK_NE(a4, 0, 113)
    ld a0, 0(a1)
    CHECK_EQ(a0, 0xfedcba9876543210, 114)
    // and neither does one after a failed sc
    sc.d a4, a3, (a1)
    CHECK_NE(a4, 0, 115)
    ld a0, 0(a1)
    CHECK_EQ(a0, 0xfedcba9876543210, 116)

    // ---- lr.w sign-extends; sc.w stores 32 bits only ----
    li a2, 0x1234567880000000
    sd a2, 0(a1)
    lr.w a0, (a1)
    CHECK_EQ(a0, 0xffffffff80000000, 117)
    li a3, 0xffffffff7fffffff
    sc.w a4, a3, (a1)
    CHECK_EQ(a4, 0, 118)
    ld a0, 0(a1)
    CHECK_EQ(a0, 0x123456787fffffff, 119)
    addi a5, a1, 4
    lr.w.aq a0, (a5)
    CHECK_EQ(a0, 0x12345678, 120)
    li a3, 0x87654321
    sc.w.rl a4, a3, (a5)
    CHECK_EQ(a4, 0, 121)
    ld a0, 0(a1)
    CHECK_EQ(a0, 0x876543217fffffff, 122)

    // ---- sc to an address other than the reserved one fails and does not store ----
    la a5, far_cell
    li a2, 0xaaaa
    sd a2, 0(a5)
    lr.d a0, (a1)
    li a3, 0xbbbb
    sc.d a4, a3, (a5)
    CHECK_NE(a4, 0, 123)
    ld a0, 0(a5)
    CHECK_EQ(a0, 0xaaaa, 124)

    // ---- lr/sc atomic increment loop ----
    sd zero, 0(a1)
    li a5, 100
1:  lr.d a0, (a1)
    addi a0, a0, 3
    sc.d a4, a0, (a1)
    bnez a4, 1b
    addi a5, a5, -1
    bnez a5, 1b
    ld a0, 0(a1)
    CHECK_EQ(a0, 300, 125)

    // ---- misaligned lr: load-address-misaligned, rd not written ----
    TRAP_ARM
    li a0, 0x1234
    addi a5, a1, 4
.Llr_d_mis:
    lr.d a0, (a5)
    CHECK_TRAP_ADDR(130, CAUSE_MISALIGNED_LOAD, .Llr_d_mis, cell + 4)
    CHECK_EQ(a0, 0x1234, 131)
    addi a5, a1, 2
.Llr_w_mis:
    lr.w a0, (a5)
    CHECK_TRAP_ADDR(132, CAUSE_MISALIGNED_LOAD, .Llr_w_mis, cell + 2)
    CHECK_EQ(a0, 0x1234, 133)
    TRAP_DISARM

    PASS

    .data
    .balign 64
cell:
    .dword 0
    .balign 256
far_cell:
    .dword 0
