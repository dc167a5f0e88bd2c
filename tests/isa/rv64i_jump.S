// rv64i_jump.S - jal and jalr: the link register gets the address of the next instruction
// (pc + 4), the target is exact, jalr computes (rs1 + imm) & ~1 (bit 0 cleared), rd == rs1
// uses the old rs1, rd == x0 links nothing; jal offsets that exercise each group of the
// scrambled J-immediate (bits 10:1, 11, 19:12, 20), forward and backward; jalr immediates
// 2047 and -2048. Each case leaves a0 = 1 when it landed on its target; not jumping or
// landing 4 bytes early adds 100, landing late leaves 0. Assembled with .option norvc.
#include "test.h"

// jalr rd, imm(rs) with rs = target + adj (adj + imm, after clearing bit 0, gives target).
.macro t_jalr c_land, c_link, rd, rs, adj, imm
    li a0, 0
    la \rs, .Ltarget\@
    li t5, \adj
    add \rs, \rs, t5
    jalr \rd, \imm(\rs)
.Llink\@:
    addi a0, a0, 100
.Ltarget\@:
    addi a0, a0, 1
    CHECK_EQ(a0, 1, \c_land)
    CHECK_ADDR(\rd, .Llink\@, \c_link)
.endm

// jal a5 forward by exactly `dist` bytes (dist >= 8); the gap is zero-filled (illegal).
.macro t_jal_fwd c_land, c_link, dist
    li a0, 0
.Ljal\@:
    jal a5, .Ltarget\@
.Llink\@:
    addi a0, a0, 100
    .if \dist > 8
    .skip \dist - 8
    .endif
.Ltarget\@:
    addi a0, a0, 1
    CHECK_EQ(a0, 1, \c_land)
    CHECK_ADDR(a5, .Llink\@, \c_link)
.endm

// jal a5 backward by exactly `dist` bytes (dist >= 8).
.macro t_jal_back c_land, c_link, dist
    li a0, 0
    j .Ljal\@
.Ltarget\@:
    addi a0, a0, 1
    j .Ldone\@
    .if \dist > 8
    .skip \dist - 8
    .endif
.Ljal\@:
    jal a5, .Ltarget\@
.Llink\@:
    addi a0, a0, 100
.Ldone\@:
    CHECK_EQ(a0, 1, \c_land)
    CHECK_ADDR(a5, .Llink\@, \c_link)
.endm

TEST_START
    .option norvc

    // ---- jal: link = pc + 4 ----
    li a0, 0
    jal ra, 1f
.Ljal_ra_link:
    addi a0, a0, 100
1:  addi a0, a0, 1
    CHECK_EQ(a0, 1, 1)
    CHECK_ADDR(ra, .Ljal_ra_link, 2)

    // jal x0 (j): nothing is linked
    li a0, 0
    jal zero, 2f
    addi a0, a0, 100
2:  addi a0, a0, 1
    CHECK_EQ(a0, 1, 3)
    CHECK_EQ(zero, 0, 4)

    // offsets exercising every J-immediate field
    t_jal_fwd 10, 11, 8
    t_jal_fwd 12, 13, 0x7fc
    t_jal_fwd 14, 15, 0x800
    t_jal_fwd 16, 17, 0x1000
    t_jal_fwd 18, 19, 0x10000
    t_jal_back 20, 21, 8
    t_jal_back 22, 23, 0x800
    t_jal_back 24, 25, 0x1004
    t_jal_back 26, 27, 0x10000

    // ---- jalr ----
    t_jalr 30, 31, ra, t0, 0, 0
    t_jalr 32, 33, a5, t0, -8, 8
    t_jalr 34, 35, a5, t0, 8, -8
    t_jalr 36, 37, a5, t0, -2047, 2047
    t_jalr 38, 39, a5, t0, 2048, -2048
    // bit 0 of the sum is cleared
    t_jalr 40, 41, a5, t0, 1, 0
    t_jalr 42, 43, a5, t0, 0, 1
    t_jalr 44, 45, a5, t0, -2, 3
    t_jalr 46, 47, a5, t0, -0x7ff, 0x7ff
    // rd == rs1: the target uses the old rs1, then rd gets the link
    t_jalr 48, 49, t0, t0, 0, 0
    t_jalr 50, 51, ra, ra, 4, -4
    t_jalr 52, 53, a4, a4, 1, 0

    // rd == x0
    li a0, 0
    la t0, 3f
    jalr zero, 0(t0)
    addi a0, a0, 100
3:  addi a0, a0, 1
    CHECK_EQ(a0, 1, 60)
    CHECK_EQ(zero, 0, 61)

    // ---- call and return through a subroutine ----
    li a0, 5
    jal ra, .Lsub_double
.Lsub_ret:
    CHECK_EQ(a0, 10, 62)
    CHECK_ADDR(a1, .Lsub_ret, 63)   // the subroutine saw the link in ra
    CHECK_ADDR(ra, .Lsub_ret, 64)

    PASS

.Lsub_double:
    add a0, a0, a0
    mv a1, ra
    jalr zero, 0(ra)
    addi a0, a0, 100                // never
    jalr zero, 0(ra)
