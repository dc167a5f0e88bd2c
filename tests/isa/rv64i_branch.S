// rv64i_branch.S - beq bne blt bge bltu bgeu, taken and not taken, forward and backward,
// with signed/unsigned edge values (0, -1, INT64_MIN, INT64_MAX, 32-bit boundaries), x0
// operands, a counted loop, and the extreme offsets +4092 and -4096.
// Each case leaves a0 = 2 when taken, 1 when not taken; a branch landing 4 bytes early
// adds 100, one landing 4 bytes late leaves 0. Assembled with .option norvc.
#include "test.h"

#define INT64_MIN 0x8000000000000000
#define INT64_MAX 0x7fffffffffffffff
#define TAKEN     2
#define NOT_TAKEN 1

// Forward branch: a0 = 2 if "op a, b" is taken, 1 if not.
.macro fwd code, op, a, b, exp
    li a1, \a
    li a2, \b
    li a0, 0
    \op a1, a2, .Ltarget\@
    addi a0, a0, 1
    j .Ldone\@
    addi a0, a0, 100
.Ltarget\@:
    addi a0, a0, 2
.Ldone\@:
    CHECK_EQ(a0, \exp, \code)
.endm

// Backward branch: same results, target placed before the branch.
.macro bwd code, op, a, b, exp
    li a1, \a
    li a2, \b
    li a0, 0
    j .Lbranch\@
    addi a0, a0, 100
.Ltarget\@:
    addi a0, a0, 2
    j .Ldone\@
.Lbranch\@:
    \op a1, a2, .Ltarget\@
    addi a0, a0, 1
.Ldone\@:
    CHECK_EQ(a0, \exp, \code)
.endm

TEST_START
    .option norvc

    // ---- beq ----
    fwd 1, beq, 0, 0, TAKEN
    fwd 2, beq, 1, 0, NOT_TAKEN
    fwd 3, beq, -1, -1, TAKEN
    fwd 4, beq, INT64_MIN, 0, NOT_TAKEN
    fwd 5, beq, 0x100000000, 0, NOT_TAKEN
    fwd 6, beq, 0xffffffff, -1, NOT_TAKEN
    bwd 7, beq, INT64_MIN, INT64_MIN, TAKEN
    bwd 8, beq, 1, 2, NOT_TAKEN

    // ---- bne ----
    fwd 10, bne, 0, 0, NOT_TAKEN
    fwd 11, bne, 1, 0, TAKEN
    fwd 12, bne, -1, -1, NOT_TAKEN
    fwd 13, bne, INT64_MIN, 0, TAKEN
    fwd 14, bne, 0x100000000, 0, TAKEN
    fwd 15, bne, 0xffffffff, -1, TAKEN
    bwd 16, bne, INT64_MAX, INT64_MIN, TAKEN
    bwd 17, bne, 7, 7, NOT_TAKEN

    // ---- blt (signed) ----
    fwd 20, blt, -1, 0, TAKEN
    fwd 21, blt, 0, -1, NOT_TAKEN
    fwd 22, blt, INT64_MIN, INT64_MAX, TAKEN
    fwd 23, blt, INT64_MAX, INT64_MIN, NOT_TAKEN
    fwd 24, blt, 5, 5, NOT_TAKEN
    fwd 25, blt, INT64_MIN, -1, TAKEN
    fwd 26, blt, -2, -1, TAKEN
    fwd 27, blt, 0x7fffffff, 0x80000000, TAKEN
    bwd 28, blt, INT64_MIN, 0, TAKEN
    bwd 29, blt, 0, INT64_MIN, NOT_TAKEN

    // ---- bge (signed) ----
    fwd 30, bge, 0, -1, TAKEN
    fwd 31, bge, -1, 0, NOT_TAKEN
    fwd 32, bge, 5, 5, TAKEN
    fwd 33, bge, INT64_MAX, INT64_MIN, TAKEN
    fwd 34, bge, INT64_MIN, INT64_MAX, NOT_TAKEN
    fwd 35, bge, INT64_MIN, INT64_MIN, TAKEN
    fwd 36, bge, -1, -2, TAKEN
    bwd 37, bge, -1, -1, TAKEN
    bwd 38, bge, -1, 1, NOT_TAKEN

    // ---- bltu (unsigned) ----
    fwd 40, bltu, 0, -1, TAKEN
    fwd 41, bltu, -1, 0, NOT_TAKEN
    fwd 42, bltu, INT64_MAX, INT64_MIN, TAKEN
    fwd 43, bltu, INT64_MIN, INT64_MAX, NOT_TAKEN
    fwd 44, bltu, 5, 5, NOT_TAKEN
    fwd 45, bltu, 0x7fffffff, 0x80000000, TAKEN
    fwd 46, bltu, 0xffffffff, 0x100000000, TAKEN
    bwd 47, bltu, 1, -1, TAKEN
    bwd 48, bltu, -1, 1, NOT_TAKEN

    // ---- bgeu (unsigned) ----
    fwd 50, bgeu, -1, 0, TAKEN
    fwd 51, bgeu, 0, -1, NOT_TAKEN
    fwd 52, bgeu, INT64_MIN, INT64_MAX, TAKEN
    fwd 53, bgeu, 5, 5, TAKEN
    fwd 54, bgeu, 0, 0, TAKEN
    fwd 55, bgeu, 0xffffffff, 0x100000000, NOT_TAKEN
    fwd 56, bgeu, INT64_MAX, INT64_MIN, NOT_TAKEN
    bwd 57, bgeu, INT64_MIN, 1, TAKEN
    bwd 58, bgeu, 0, 1, NOT_TAKEN

    // ---- x0 operands (beqz bnez bltz bgez via the pseudo-instructions) ----
    li a1, -5
    li a0, 0
    bltz a1, 1f
    addi a0, a0, 1
1:  bgez a1, 2f
    addi a0, a0, 4
2:  beqz a1, 3f
    addi a0, a0, 8
3:  bnez a1, 4f
    addi a0, a0, 16
4:  bgtz a1, 5f
    addi a0, a0, 32
5:  blez a1, 6f
    addi a0, a0, 64
6:  // taken: bltz, bnez, blez; not taken: bgez (+4), beqz (+8), bgtz (+32)
    CHECK_EQ(a0, 44, 61)
    li a0, 0
    bne zero, zero, 7f
    addi a0, a0, 1
7:  bltu zero, zero, 8f
    addi a0, a0, 2
8:  bgeu zero, zero, 9f
    addi a0, a0, 4
9:  CHECK_EQ(a0, 3, 62)

    // ---- a counted backward loop ----
    li a0, 0
    li a1, 10
1:  addi a0, a0, 3
    addi a1, a1, -1
    bnez a1, 1b
    CHECK_EQ(a0, 30, 63)
    CHECK_EQ(a1, 0, 64)

    // ---- extreme offsets: +4092 forward, -4096 backward ----
    li a0, 0
    beq zero, zero, .Lfar_fwd          // offset 4 + 1022 * 4 = +4092
    .rept 1022
    addi a0, a0, 100
    .endr
.Lfar_fwd:
    addi a0, a0, 2
    CHECK_EQ(a0, 2, 65)

    li a0, 0
    j .Lfar_back_branch
.Lfar_back_target:
    addi a0, a0, 2
    j .Lfar_back_done
    .rept 1022
    addi a0, a0, 100
    .endr
.Lfar_back_branch:                       // .Lfar_back_target is 4 + 4 + 1022 * 4 = 4096 back
    beq zero, zero, .Lfar_back_target
    addi a0, a0, 1
.Lfar_back_done:
    CHECK_EQ(a0, 2, 66)

    PASS
