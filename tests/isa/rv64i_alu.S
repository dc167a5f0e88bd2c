// rv64i_alu.S - RV64I integer register-register and register-immediate operations:
// add sub sll slt sltu xor srl sra or and, addi slti sltiu xori ori andi slli srli srai,
// lui auipc. Edge values 0, -1, INT64_MIN, INT64_MAX; shift amounts 0/31/32/63 and
// register shift amounts masked to 6 bits; x0 writes discarded; rd == rs1 == rs2.
// Assembled with .option norvc so the 32-bit encodings are the ones under test.
#include "test.h"

#define INT64_MIN 0x8000000000000000
#define INT64_MAX 0x7fffffffffffffff

// a0 = a OP b (register-register), expect exp.
.macro t_rr code, op, a, b, exp
    li a1, \a
    li a2, \b
    \op a0, a1, a2
    CHECK_EQ(a0, \exp, \code)
.endm

// a0 = a OP imm (register-immediate), expect exp.
.macro t_ri code, op, a, imm, exp
    li a1, \a
    \op a0, a1, \imm
    CHECK_EQ(a0, \exp, \code)
.endm

TEST_START
    .option norvc

    // ---- add ----
    t_rr 1, add, 0, 0, 0
    t_rr 2, add, 1, 1, 2
    t_rr 3, add, -1, 1, 0
    t_rr 4, add, INT64_MAX, 1, INT64_MIN
    t_rr 5, add, INT64_MIN, INT64_MIN, 0
    t_rr 6, add, 0xffffffff, 1, 0x100000000
    t_rr 7, add, -1, -1, -2
    t_rr 8, add, 0x7fffffff, 0x7fffffff, 0xfffffffe

    // ---- sub ----
    t_rr 10, sub, 0, 1, -1
    t_rr 11, sub, INT64_MIN, 1, INT64_MAX
    t_rr 12, sub, 5, 7, -2
    t_rr 13, sub, 0, INT64_MIN, INT64_MIN
    t_rr 14, sub, INT64_MAX, -1, INT64_MIN
    t_rr 15, sub, 0x100000000, 1, 0xffffffff

    // ---- sll: shift amount is rs2[5:0] ----
    t_rr 20, sll, 1, 0, 1
    t_rr 21, sll, 1, 31, 0x80000000
    t_rr 22, sll, 1, 32, 0x100000000
    t_rr 23, sll, 1, 63, INT64_MIN
    t_rr 24, sll, 1, 64, 1
    t_rr 25, sll, 1, -1, INT64_MIN
    t_rr 26, sll, 0xff, 60, 0xf000000000000000
    t_rr 27, sll, 0x123456789abcdef0, 0xffffffffffffff04, 0x23456789abcdef00

    // ---- srl ----
    t_rr 30, srl, INT64_MIN, 63, 1
    t_rr 31, srl, -1, 0, -1
    t_rr 32, srl, -1, 1, INT64_MAX
    t_rr 33, srl, -1, 32, 0xffffffff
    t_rr 34, srl, -1, 31, 0x1ffffffff
    t_rr 35, srl, -1, 64, -1
    t_rr 36, srl, INT64_MIN, 0x7f, 1
    t_rr 37, srl, 0x123456789abcdef0, 4, 0x0123456789abcdef

    // ---- sra ----
    t_rr 40, sra, INT64_MIN, 63, -1
    t_rr 41, sra, INT64_MIN, 1, 0xc000000000000000
    t_rr 42, sra, INT64_MAX, 63, 0
    t_rr 43, sra, INT64_MIN, 32, 0xffffffff80000000
    t_rr 44, sra, INT64_MIN, 31, 0xffffffff00000000
    t_rr 45, sra, -16, 67, -2
    t_rr 46, sra, 0x80000000, 31, 1
    t_rr 47, sra, INT64_MIN, 0, INT64_MIN
    t_rr 48, sra, 0x7000000000000000, 64, 0x7000000000000000

    // ---- slt / sltu ----
    t_rr 50, slt, -1, 0, 1
    t_rr 51, slt, 0, -1, 0
    t_rr 52, slt, INT64_MIN, INT64_MAX, 1
    t_rr 53, slt, INT64_MAX, INT64_MIN, 0
    t_rr 54, slt, 5, 5, 0
    t_rr 55, slt, INT64_MIN, -1, 1
    t_rr 56, sltu, -1, 0, 0
    t_rr 57, sltu, 0, -1, 1
    t_rr 58, sltu, INT64_MIN, INT64_MAX, 0
    t_rr 59, sltu, INT64_MAX, INT64_MIN, 1
    t_rr 60, sltu, 7, 7, 0
    li a1, 7
    sltu a0, zero, a1               // snez
    CHECK_EQ(a0, 1, 61)
    sltu a0, zero, zero
    CHECK_EQ(a0, 0, 62)

    // ---- xor / or / and ----
    t_rr 65, xor, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xf0f0f0f0f0f0f0f0
    t_rr 66, or,  0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xfff0fff0fff0fff0
    t_rr 67, and, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0x0f000f000f000f00
    t_rr 68, xor, -1, INT64_MIN, INT64_MAX
    t_rr 69, or, 0, 0, 0
    t_rr 70, and, -1, 0x123456789abcdef0, 0x123456789abcdef0
    t_rr 71, xor, 0x5555555555555555, 0x5555555555555555, 0

    // ---- addi (12-bit signed immediate) ----
    t_ri 75, addi, 0, 0, 0
    t_ri 76, addi, 1, -1, 0
    t_ri 77, addi, 0, 2047, 2047
    t_ri 78, addi, 0, -2048, -2048
    t_ri 79, addi, INT64_MAX, 1, INT64_MIN
    t_ri 80, addi, 0xffffffff, 1, 0x100000000
    t_ri 81, addi, INT64_MIN, -1, INT64_MAX

    // ---- slti / sltiu (immediate sign-extended, then compared) ----
    t_ri 85, slti, -1, 0, 1
    t_ri 86, slti, 0, -1, 0
    t_ri 87, slti, INT64_MIN, -2048, 1
    t_ri 88, slti, 2047, 2047, 0
    t_ri 89, slti, -2049, -2048, 1
    t_ri 90, sltiu, 0, -1, 1
    t_ri 91, sltiu, -1, -1, 0
    t_ri 92, sltiu, INT64_MAX, -2048, 1
    t_ri 93, sltiu, 0, 1, 1
    t_ri 94, sltiu, 5, 1, 0
    t_ri 95, sltiu, 0xfffffffffffff800, -2048, 0

    // ---- xori / ori / andi ----
    t_ri 100, xori, 0x00ff00ff00ff00ff, -1, 0xff00ff00ff00ff00
    t_ri 101, xori, 0x123, 0x7ff, 0x6dc
    t_ri 102, xori, 0x0123456789abcdef, -2048, 0xfedcba98765435ef
    t_ri 103, ori, 0, -2048, 0xfffffffffffff800
    t_ri 104, ori, INT64_MIN, 1, 0x8000000000000001
    t_ri 105, ori, 0x100, 0x0ff, 0x1ff
    t_ri 106, andi, -1, 0x7ff, 0x7ff
    t_ri 107, andi, -1, -2048, 0xfffffffffffff800
    t_ri 108, andi, 0x123456789abcdef0, -1, 0x123456789abcdef0
    t_ri 109, andi, 0x123456789abcdef0, 0x0f0, 0x0f0

    // ---- slli / srli / srai (6-bit shift amount) ----
    t_ri 110, slli, 1, 0, 1
    t_ri 111, slli, 1, 31, 0x80000000
    t_ri 112, slli, 1, 32, 0x100000000
    t_ri 113, slli, 1, 63, INT64_MIN
    t_ri 114, slli, -1, 63, INT64_MIN
    t_ri 115, slli, 0xfedcba9876543210, 36, 0x6543210000000000
    t_ri 116, srli, -1, 0, -1
    t_ri 117, srli, -1, 31, 0x1ffffffff
    t_ri 118, srli, -1, 32, 0xffffffff
    t_ri 119, srli, -1, 63, 1
    t_ri 120, srli, 0xfedcba9876543210, 36, 0xfedcba9
    t_ri 121, srai, INT64_MIN, 0, INT64_MIN
    t_ri 122, srai, INT64_MIN, 31, 0xffffffff00000000
    t_ri 123, srai, INT64_MIN, 32, 0xffffffff80000000
    t_ri 124, srai, INT64_MIN, 63, -1
    t_ri 125, srai, 0x4000000000000000, 62, 1
    t_ri 126, srai, 0xfedcba9876543210, 36, 0xffffffffffedcba9

    // ---- x0: writes are discarded, reads are zero ----
    li a1, 0x1234
    li a2, 0x5678
    add zero, a1, a2
    CHECK_EQ(zero, 0, 130)
    addi x0, x0, 5
    CHECK_EQ(x0, 0, 131)
    lui zero, 0x12345
    mv a0, zero
    CHECK_EQ(a0, 0, 132)
    li a0, -1
    add a0, zero, zero
    CHECK_EQ(a0, 0, 133)
    auipc zero, 1
    CHECK_EQ(zero, 0, 134)

    // ---- rd == rs1 == rs2 ----
    li a1, 0x4000000000000000
    add a1, a1, a1
    CHECK_EQ(a1, INT64_MIN, 135)
    li a1, 0x7766554433221100
    sub a1, a1, a1
    CHECK_EQ(a1, 0, 136)
    li a1, 3
    sll a1, a1, a1
    CHECK_EQ(a1, 24, 137)
    li a1, 0x8000000000000003
    srl a1, a1, a1
    CHECK_EQ(a1, 0x1000000000000000, 138)
    li a1, 0x8000000000000003
    sra a1, a1, a1
    CHECK_EQ(a1, 0xf000000000000000, 139)
    li a1, 0x7ff
    addi a1, a1, 1
    CHECK_EQ(a1, 0x800, 140)

    // ---- lui (20-bit immediate << 12, sign-extended from bit 31) ----
    lui a0, 0
    CHECK_EQ(a0, 0, 145)
    lui a0, 0x12345
    CHECK_EQ(a0, 0x12345000, 146)
    lui a0, 0x80000
    CHECK_EQ(a0, 0xffffffff80000000, 147)
    lui a0, 0xfffff
    CHECK_EQ(a0, 0xfffffffffffff000, 148)
    lui a0, 0x7ffff
    CHECK_EQ(a0, 0x7ffff000, 149)

    // ---- auipc (pc + sext(imm << 12)) ----
.Lauipc0:
    auipc a0, 0
    CHECK_ADDR(a0, .Lauipc0, 150)
.Lauipc1:
    auipc a0, 1
    la a1, .Lauipc1
    sub a0, a0, a1
    CHECK_EQ(a0, 0x1000, 151)
.Lauipc2:
    auipc a0, 0xfffff
    la a1, .Lauipc2
    sub a0, a0, a1
    CHECK_EQ(a0, -0x1000, 152)
.Lauipc3:
    auipc a0, 0x80000
    la a1, .Lauipc3
    sub a0, a0, a1
    CHECK_EQ(a0, 0xffffffff80000000, 153)
.Lauipc4:
    auipc a0, 0x7ffff
    la a1, .Lauipc4
    sub a0, a0, a1
    CHECK_EQ(a0, 0x7ffff000, 154)

    PASS
