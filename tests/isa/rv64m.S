// rv64m.S - M extension: mul mulh mulhsu mulhu div divu rem remu and the W forms mulw divw
// divuw remw remuw. Division by zero gives an all-ones quotient and the dividend as the
// remainder; signed overflow (INT64_MIN / -1, INT32_MIN / -1 for W) gives the dividend as
// quotient and 0 remainder; division truncates toward zero; W forms use the low 32 bits of
// the operands and sign-extend their 32-bit result (also for divuw/remuw). Expected values
// were computed from the unprivileged spec's definitions (exact integer arithmetic).
#include "test.h"

#define INT64_MIN 0x8000000000000000
#define INT64_MAX 0x7fffffffffffffff

.macro t_rr code, op, a, b, exp
    li a1, \a
    li a2, \b
    \op a0, a1, a2
    CHECK_EQ(a0, \exp, \code)
.endm

TEST_START
    // ---- mul ----
    t_rr 1, mul, 0, 0, 0
    t_rr 2, mul, 1, -1, -1
    t_rr 3, mul, -1, -1, 1
    t_rr 4, mul, INT64_MIN, -1, 0x8000000000000000
    t_rr 5, mul, INT64_MAX, INT64_MAX, 1
    t_rr 6, mul, 0x100000000, 0x100000000, 0
    t_rr 7, mul, 0x123456789abcdef0, 0xfedcba9876543210, 0x236d88fe5618cf00
    t_rr 8, mul, INT64_MIN, 2, 0
    t_rr 9, mul, 3, -7, -21
    t_rr 10, mul, 0xffffffff, 0xffffffff, 0xfffffffe00000001
    // ---- mulh ----
    t_rr 20, mulh, -1, -1, 0
    t_rr 21, mulh, INT64_MIN, INT64_MIN, 0x4000000000000000
    t_rr 22, mulh, INT64_MIN, -1, 0
    t_rr 23, mulh, INT64_MAX, INT64_MAX, 0x3fffffffffffffff
    t_rr 24, mulh, -1, 1, -1
    t_rr 25, mulh, INT64_MIN, INT64_MAX, 0xc000000000000000
    t_rr 26, mulh, 0x123456789abcdef0, 0xfedcba9876543210, 0xffeb49923cc09532
    t_rr 27, mulh, 0x100000000, 0x100000000, 1
    t_rr 28, mulh, 0, -1, 0
    // ---- mulhsu ----
    t_rr 30, mulhsu, -1, -1, -1
    t_rr 31, mulhsu, 1, -1, 0
    t_rr 32, mulhsu, INT64_MIN, -1, 0x8000000000000000
    t_rr 33, mulhsu, -2, 3, -1
    t_rr 34, mulhsu, INT64_MAX, -1, 0x7ffffffffffffffe
    t_rr 35, mulhsu, INT64_MIN, INT64_MIN, 0xc000000000000000
    t_rr 36, mulhsu, 0x123456789abcdef0, 0xfedcba9876543210, 0x121fa00ad77d7422
    t_rr 37, mulhsu, -1, 0, 0
    // ---- mulhu ----
    t_rr 40, mulhu, -1, -1, 0xfffffffffffffffe
    t_rr 41, mulhu, INT64_MIN, 2, 1
    t_rr 42, mulhu, 0xffffffff, 0xffffffff, 0
    t_rr 43, mulhu, 0x100000000, 0x100000000, 1
    t_rr 44, mulhu, 0x123456789abcdef0, 0xfedcba9876543210, 0x121fa00ad77d7422
    t_rr 45, mulhu, INT64_MAX, INT64_MAX, 0x3fffffffffffffff
    t_rr 46, mulhu, -1, 0, 0
    // ---- div ----
    t_rr 50, div, 0x14, 6, 3
    t_rr 51, div, -20, 6, -3
    t_rr 52, div, 0x14, -6, -3
    t_rr 53, div, -20, -6, 3
    t_rr 54, div, INT64_MIN, -1, 0x8000000000000000
    t_rr 55, div, 0x3039, 0, -1
    t_rr 56, div, 0, 0, -1
    t_rr 57, div, -1, 0, -1
    t_rr 58, div, INT64_MIN, 1, 0x8000000000000000
    t_rr 59, div, INT64_MIN, 2, 0xc000000000000000
    t_rr 60, div, INT64_MAX, -1, 0x8000000000000001
    t_rr 61, div, 5, 7, 0
    // ---- divu ----
    t_rr 70, divu, 0x14, 6, 3
    t_rr 71, divu, -1, 2, 0x7fffffffffffffff
    t_rr 72, divu, 0x3039, 0, 0xffffffffffffffff
    t_rr 73, divu, INT64_MIN, -1, 0
    t_rr 74, divu, -1, -1, 1
    t_rr 75, divu, -1, 1, 0xffffffffffffffff
    t_rr 76, divu, 0, 0, 0xffffffffffffffff
    // ---- rem ----
    t_rr 80, rem, 0x14, 6, 2
    t_rr 81, rem, -20, 6, -2
    t_rr 82, rem, 0x14, -6, 2
    t_rr 83, rem, -20, -6, -2
    t_rr 84, rem, INT64_MIN, -1, 0
    t_rr 85, rem, 0x3039, 0, 0x3039
    t_rr 86, rem, -5, 0, -5
    t_rr 87, rem, INT64_MIN, 0, 0x8000000000000000
    t_rr 88, rem, INT64_MIN, 3, -2
    t_rr 89, rem, 5, 7, 5
    // ---- remu ----
    t_rr 90, remu, 0x14, 6, 2
    t_rr 91, remu, -1, 0xa, 5
    t_rr 92, remu, 0x3039, 0, 0x3039
    t_rr 93, remu, -1, 0, 0xffffffffffffffff
    t_rr 94, remu, INT64_MIN, -1, 0x8000000000000000
    t_rr 95, remu, 0, 0, 0
    // ---- mulw ----
    t_rr 100, mulw, 0x7fffffff, 2, -2
    t_rr 101, mulw, 0x100000003, 0x200000005, 0xf
    t_rr 102, mulw, 0x80000000, -1, 0xffffffff80000000
    t_rr 103, mulw, 0xffff, 0xffff, 0xfffffffffffe0001
    t_rr 104, mulw, -1, -1, 1
    t_rr 105, mulw, 0x12345678, 0x9abcdef0, 0x242d2080
    t_rr 106, mulw, 0, 0x7fffffff, 0
    // ---- divw ----
    t_rr 110, divw, 0x14, 6, 3
    t_rr 111, divw, -20, 6, -3
    t_rr 112, divw, 0x80000000, -1, 0xffffffff80000000
    t_rr 113, divw, 0x7fffffff80000000, -1, 0xffffffff80000000
    t_rr 114, divw, 0x3039, 0, -1
    t_rr 115, divw, 0xffffffff00000014, 0x100000006, 3
    t_rr 116, divw, 0x80000000, 1, 0xffffffff80000000
    t_rr 117, divw, -20, -6, 3
    t_rr 118, divw, 0x7fffffff, -1, 0xffffffff80000001
    t_rr 119, divw, 0x100000000, 0, -1
    // ---- divuw ----
    t_rr 120, divuw, 0xffffffff, 2, 0x7fffffff
    t_rr 121, divuw, 0x3039, 0, -1
    t_rr 122, divuw, 0x80000000, 1, 0xffffffff80000000
    t_rr 123, divuw, -20, 6, 0x2aaaaaa7
    t_rr 124, divuw, 0x100000000, 0, -1
    t_rr 125, divuw, 0xffffffff, 0xffffffff, 1
    t_rr 126, divuw, 0x1234567800000064, 0x10000000a, 0xa
    // ---- remw ----
    t_rr 130, remw, 0x14, 6, 2
    t_rr 131, remw, -20, 6, -2
    t_rr 132, remw, 0x80000000, -1, 0
    t_rr 133, remw, 0x180000001, 0, 0xffffffff80000001
    t_rr 134, remw, 0x100000005, 0, 5
    t_rr 135, remw, 0xffffffff00000014, 0x100000006, 2
    t_rr 136, remw, -7, 0x100000003, -1
    // ---- remuw ----
    t_rr 140, remuw, 0xffffffff, 0xa, 5
    t_rr 141, remuw, 0x80000000, 0, 0xffffffff80000000
    t_rr 142, remuw, 0xfffffffe, 0xffffffff, -2
    t_rr 143, remuw, 0x500000007, 0x900000003, 1
    t_rr 144, remuw, 0x3039, 0, 0x3039
    t_rr 145, remuw, -1, 0x100000000, -1

    // ---- rd == rs1 == rs2, x0 destination, operands preserved ----
    li a1, 0x80000001
    mul a1, a1, a1
    CHECK_EQ(a1, 0x4000000100000001, 150)
    li a1, -7
    div a1, a1, a1
    CHECK_EQ(a1, 1, 151)
    li a1, 0x180000000
    mulw a1, a1, a1
    CHECK_EQ(a1, 0, 152)
    li a1, 9
    li a2, 0
    divu zero, a1, a2
    rem zero, a1, a2
    CHECK_EQ(zero, 0, 153)
    li a1, INT64_MIN
    li a2, -1
    div a0, a1, a2
    rem a3, a1, a2
    CHECK_EQ(a1, INT64_MIN, 154)
    CHECK_EQ(a2, -1, 155)
    CHECK_EQ(a3, 0, 156)

    PASS
