// rv64i_loadstore.S - lb lh lw ld lbu lhu lwu sb sh sd sw: every width, little-endian byte
// order, sign extension (lb lh lw) vs zero extension (lbu lhu lwu), negative offsets, the
// extreme offsets 2047 / -2048, stores writing only their width (neighbours unchanged, high
// register bits ignored), loads into x0, rd == rs1, and rs2 == rs1 stores.
// All accesses are naturally aligned (misaligned ones are in misaligned.S).
// Assembled with .option norvc (c.lw/c.ld/c.sw/c.sd... are covered by rv64c.S).
#include "test.h"

TEST_START
    .option norvc

    // buf bytes 0..15: 87 96 a5 b4 c3 d2 e1 f0 | 78 69 5a 4b 3c 2d 1e 0f
    la a1, buf
    ld a0, 0(a1)
    CHECK_EQ(a0, 0xf0e1d2c3b4a59687, 1)
    ld a0, 8(a1)
    CHECK_EQ(a0, 0x0f1e2d3c4b5a6978, 2)
    lw a0, 0(a1)
    CHECK_EQ(a0, 0xffffffffb4a59687, 3)
    lw a0, 4(a1)
    CHECK_EQ(a0, 0xfffffffff0e1d2c3, 4)
    lw a0, 8(a1)
    CHECK_EQ(a0, 0x4b5a6978, 5)
    lw a0, 12(a1)
    CHECK_EQ(a0, 0x0f1e2d3c, 6)
    lwu a0, 0(a1)
    CHECK_EQ(a0, 0xb4a59687, 7)
    lwu a0, 4(a1)
    CHECK_EQ(a0, 0xf0e1d2c3, 8)
    lwu a0, 12(a1)
    CHECK_EQ(a0, 0x0f1e2d3c, 9)
    lh a0, 0(a1)
    CHECK_EQ(a0, 0xffffffffffff9687, 10)
    lh a0, 6(a1)
    CHECK_EQ(a0, 0xfffffffffffff0e1, 11)
    lh a0, 8(a1)
    CHECK_EQ(a0, 0x6978, 12)
    lh a0, 14(a1)
    CHECK_EQ(a0, 0x0f1e, 13)
    lhu a0, 0(a1)
    CHECK_EQ(a0, 0x9687, 14)
    lhu a0, 6(a1)
    CHECK_EQ(a0, 0xf0e1, 15)
    lhu a0, 14(a1)
    CHECK_EQ(a0, 0x0f1e, 16)
    lb a0, 0(a1)
    CHECK_EQ(a0, 0xffffffffffffff87, 17)
    lb a0, 7(a1)
    CHECK_EQ(a0, 0xfffffffffffffff0, 18)
    lb a0, 8(a1)
    CHECK_EQ(a0, 0x78, 19)
    lb a0, 15(a1)
    CHECK_EQ(a0, 0x0f, 20)
    lbu a0, 0(a1)
    CHECK_EQ(a0, 0x87, 21)
    lbu a0, 3(a1)
    CHECK_EQ(a0, 0xb4, 22)
    lbu a0, 15(a1)
    CHECK_EQ(a0, 0x0f, 23)

    // ---- negative offsets from buf + 16 ----
    addi a2, a1, 16
    ld a0, -16(a2)
    CHECK_EQ(a0, 0xf0e1d2c3b4a59687, 25)
    lw a0, -4(a2)
    CHECK_EQ(a0, 0x0f1e2d3c, 26)
    lh a0, -10(a2)
    CHECK_EQ(a0, 0xfffffffffffff0e1, 27)
    lhu a0, -10(a2)
    CHECK_EQ(a0, 0xf0e1, 28)
    lbu a0, -1(a2)
    CHECK_EQ(a0, 0x0f, 29)
    lb a0, -13(a2)
    CHECK_EQ(a0, 0xffffffffffffffb4, 30)
    lwu a0, -16(a2)
    CHECK_EQ(a0, 0xb4a59687, 31)

    // ---- extreme offsets: base = big + 2048 ----
    la a2, big
    addi a2, a2, 2047
    addi a2, a2, 1
    ld a0, -2048(a2)
    CHECK_EQ(a0, 0x1122334455667788, 35)
    ld a0, 2040(a2)
    CHECK_EQ(a0, 0x8877665544332211, 36)
    lbu a0, 2047(a2)
    CHECK_EQ(a0, 0x88, 37)
    lb a0, 2047(a2)
    CHECK_EQ(a0, 0xffffffffffffff88, 38)
    lb a0, -2048(a2)
    CHECK_EQ(a0, 0xffffffffffffff88, 39)
    lw a0, -2044(a2)
    CHECK_EQ(a0, 0x11223344, 40)

    // ---- stores write exactly their width ----
    la a1, sbuf
    li a3, -1
    sd a3, 0(a1)
    sd a3, 8(a1)
    sd a3, 16(a1)
    li a3, 0x12
    sb a3, 0(a1)
    ld a0, 0(a1)
    CHECK_EQ(a0, 0xffffffffffffff12, 45)
    li a3, 0xabcdef99
    sb a3, 7(a1)
    ld a0, 0(a1)
    CHECK_EQ(a0, 0x99ffffffffffff12, 46)
    li a3, 0x123456789abc
    sh a3, 2(a1)
    ld a0, 0(a1)
    CHECK_EQ(a0, 0x99ffffff9abcff12, 47)
    li a3, 0xdeadbeefcafef00d
    sw a3, 8(a1)
    ld a0, 8(a1)
    CHECK_EQ(a0, 0xffffffffcafef00d, 48)
    li a3, 0x01234567
    sw a3, 12(a1)
    ld a0, 8(a1)
    CHECK_EQ(a0, 0x01234567cafef00d, 49)
    ld a0, 16(a1)                   // the next doubleword is untouched
    CHECK_EQ(a0, -1, 50)
    ld a0, 0(a1)                    // and so is the previous one
    CHECK_EQ(a0, 0x99ffffff9abcff12, 51)

    // doubleword store, read back by bytes / halves / words
    li a3, 0x0123456789abcdef
    sd a3, 0(a1)
    lbu a0, 0(a1)
    CHECK_EQ(a0, 0xef, 52)
    lbu a0, 7(a1)
    CHECK_EQ(a0, 0x01, 53)
    lhu a0, 2(a1)
    CHECK_EQ(a0, 0x89ab, 54)
    lw a0, 4(a1)
    CHECK_EQ(a0, 0x01234567, 55)
    ld a0, 0(a1)
    CHECK_EQ(a0, 0x0123456789abcdef, 56)

    // ---- negative-offset stores from sbuf + 24 ----
    addi a2, a1, 24
    li a3, 0x5a5a5a5a5a5a5a5a
    sd a3, -8(a2)
    li a3, 0x8000
    sh a3, -2(a2)
    li a3, 0x7f
    sb a3, -8(a2)
    li a3, 0x80000000
    sw a3, -20(a2)                  // bytes 4..7
    ld a0, 16(a1)
    CHECK_EQ(a0, 0x80005a5a5a5a5a7f, 57)
    lw a0, 4(a1)
    CHECK_EQ(a0, 0xffffffff80000000, 58)
    lwu a0, 4(a1)
    CHECK_EQ(a0, 0x80000000, 59)
    lh a0, 22(a1)
    CHECK_EQ(a0, 0xffffffffffff8000, 60)

    // ---- stores with the extreme offsets ----
    la a2, big
    addi a2, a2, 2047
    addi a2, a2, 1
    li a3, 0x66
    sb a3, 2047(a2)
    li a3, 0x55
    sb a3, -2048(a2)
    la a1, big
    ld a0, 0(a1)
    CHECK_EQ(a0, 0x1122334455667755, 61)
    li t0, 4088
    add a1, a1, t0
    ld a0, 0(a1)
    CHECK_EQ(a0, 0x6677665544332211, 62)

    // ---- loads into x0 are discarded; rd == rs1; rs2 == rs1 ----
    la a1, buf
    lw zero, 0(a1)
    ld x0, 8(a1)
    CHECK_EQ(zero, 0, 63)
    la a1, ptr
    ld a1, 0(a1)                    // ptr holds the address of buf
    ld a0, 0(a1)
    CHECK_EQ(a0, 0xf0e1d2c3b4a59687, 64)
    la a1, sbuf
    sd a1, 0(a1)                    // stores its own address
    ld a0, 0(a1)
    CHECK_EQR(a0, a1, 65)
    sw a1, 8(a1)
    lwu a0, 8(a1)
    slli a2, a1, 32
    srli a2, a2, 32
    CHECK_EQR(a0, a2, 66)

    // ---- a store is visible to the very next load of any overlapping width ----
    li a3, 0x00000000fffffffe
    sw a3, 16(a1)
    lb a0, 16(a1)
    CHECK_EQ(a0, -2, 67)
    li a3, 0x7f
    sb a3, 19(a1)
    lw a0, 16(a1)
    CHECK_EQ(a0, 0x7ffffffe, 68)

    PASS

    .data
    .balign 16
buf:
    .dword 0xf0e1d2c3b4a59687
    .dword 0x0f1e2d3c4b5a6978
ptr:
    .dword buf
    .balign 16
sbuf:
    .skip 32
    .balign 8
big:
    .dword 0x1122334455667788
    .skip 4096 - 16
    .dword 0x8877665544332211
