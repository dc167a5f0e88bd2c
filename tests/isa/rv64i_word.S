// rv64i_word.S - RV64I 32-bit ("word") operations: addiw slliw srliw sraiw addw subw sllw
// srlw sraw. The result is the low 32 bits sign-extended to 64; upper source bits are
// ignored; register shift amounts are rs2[4:0]. Edge values 0x7fffffff, 0x80000000,
// 0xffffffff; shift amounts 0/1/31 and 32/63 (masked to 0/31).
// Assembled with .option norvc (c.addiw/c.addw/c.subw are covered by rv64c.S).
#include "test.h"

.macro t_rr code, op, a, b, exp
    li a1, \a
    li a2, \b
    \op a0, a1, a2
    CHECK_EQ(a0, \exp, \code)
.endm

.macro t_ri code, op, a, imm, exp
    li a1, \a
    \op a0, a1, \imm
    CHECK_EQ(a0, \exp, \code)
.endm

TEST_START
    .option norvc

    // ---- addiw ----
    t_ri 1, addiw, 0x7fffffff, 1, 0xffffffff80000000
    t_ri 2, addiw, 0xffffffff, 1, 0
    t_ri 3, addiw, 0x123456789, 0, 0x23456789
    t_ri 4, addiw, 0x80000000, 0, 0xffffffff80000000
    t_ri 5, addiw, 0xffffffff00000000, -1, -1
    t_ri 6, addiw, 0, -2048, -2048
    t_ri 7, addiw, 0x17fffffff, 2047, 0xffffffff800007fe
    t_ri 8, addiw, 0xffffffff80000000, -1, 0x7fffffff

    // ---- addw ----
    t_rr 10, addw, 0x7fffffff, 1, 0xffffffff80000000
    t_rr 11, addw, 0xffffffff, 0xffffffff, -2
    t_rr 12, addw, 0x100000000, 0x100000000, 0
    t_rr 13, addw, 0x80000000, 0x80000000, 0
    t_rr 14, addw, 0xffffffff80000000, -1, 0x7fffffff
    t_rr 15, addw, 0x123456789, 0x987654321, 0xffffffffaaaaaaaa

    // ---- subw ----
    t_rr 20, subw, 0, 1, -1
    t_rr 21, subw, 0x80000000, 1, 0x7fffffff
    t_rr 22, subw, 0x7fffffff, -1, 0xffffffff80000000
    t_rr 23, subw, 0x100000005, 0x200000003, 2
    t_rr 24, subw, 0, 0x80000000, 0xffffffff80000000
    t_rr 25, subw, 0xffffffff, 0xffffffff, 0

    // ---- slliw ----
    t_ri 30, slliw, 1, 31, 0xffffffff80000000
    t_ri 31, slliw, 1, 0, 1
    t_ri 32, slliw, 0xffffffff, 0, -1
    t_ri 33, slliw, 0x100000001, 1, 2
    t_ri 34, slliw, 0x12345678, 4, 0x23456780
    t_ri 35, slliw, 3, 30, 0xffffffffc0000000
    t_ri 36, slliw, 0x7fffffff00000001, 16, 0x10000

    // ---- srliw ----
    t_ri 40, srliw, 0x80000000, 31, 1
    t_ri 41, srliw, 0xffffffff80000000, 0, 0xffffffff80000000
    t_ri 42, srliw, -1, 1, 0x7fffffff
    t_ri 43, srliw, 0x123456789abcdef0, 4, 0x9abcdef
    t_ri 44, srliw, 0xffffffff, 31, 1
    t_ri 45, srliw, 0xffffffff00000000, 1, 0

    // ---- sraiw ----
    t_ri 50, sraiw, 0x80000000, 31, -1
    t_ri 51, sraiw, 0x80000000, 0, 0xffffffff80000000
    t_ri 52, sraiw, 0x7fffffff, 31, 0
    t_ri 53, sraiw, 0x1234567880000000, 4, 0xfffffffff8000000
    t_ri 54, sraiw, 0xffffffff7fffffff, 1, 0x3fffffff
    t_ri 55, sraiw, 0x00000000fffffff0, 2, -4

    // ---- sllw (shift amount rs2[4:0]) ----
    t_rr 60, sllw, 1, 31, 0xffffffff80000000
    t_rr 61, sllw, 1, 32, 1
    t_rr 62, sllw, 1, 63, 0xffffffff80000000
    t_rr 63, sllw, 0xffffffff, 16, 0xffffffffffff0000
    t_rr 64, sllw, 0x123456789, 0, 0x23456789
    t_rr 65, sllw, 0x0000000100000001, -1, 0xffffffff80000000

    // ---- srlw ----
    t_rr 70, srlw, 0x80000000, 31, 1
    t_rr 71, srlw, 0x80000000, 32, 0xffffffff80000000
    t_rr 72, srlw, -1, 63, 1
    t_rr 73, srlw, 0xffffffff00000010, 4, 1
    t_rr 74, srlw, 0xffffffff, 0x21, 0x7fffffff
    t_rr 75, srlw, 0, 5, 0

    // ---- sraw ----
    t_rr 80, sraw, 0x80000000, 31, -1
    t_rr 81, sraw, 0x80000000, 32, 0xffffffff80000000
    t_rr 82, sraw, 0x7fffffff, 0x3f, 0
    t_rr 83, sraw, 0x80000000, 4, 0xfffffffff8000000
    t_rr 84, sraw, 0x140000000, 1, 0x20000000
    t_rr 85, sraw, -1, 0, -1
    t_rr 86, sraw, 0x00000000c0000000, 0x41, 0xffffffffe0000000

    // ---- sext.w, x0 destination, rd == rs1 == rs2 ----
    li a1, 0xffffffff7fffffff
    sext.w a0, a1
    CHECK_EQ(a0, 0x7fffffff, 90)
    li a1, 1
    li a2, 2
    addw zero, a1, a2
    CHECK_EQ(zero, 0, 91)
    li a1, 0x40000000
    addw a1, a1, a1
    CHECK_EQ(a1, 0xffffffff80000000, 92)
    li a1, 0xffffffff00000021
    sllw a1, a1, a1
    CHECK_EQ(a1, 0x42, 93)
    li a1, 0x7fffffff
    addiw a1, a1, 1
    CHECK_EQ(a1, 0xffffffff80000000, 94)

    PASS
