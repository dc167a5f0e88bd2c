// rv64c.S - every RV64C instruction, written explicitly with c. mnemonics: c.addi4spn
// c.lw c.ld c.sw c.sd c.nop c.addi c.addiw c.li c.addi16sp c.lui c.srli c.srai c.andi c.sub
// c.xor c.or c.and c.subw c.addw c.j c.beqz c.bnez c.slli c.lwsp c.ldsp c.jr c.mv c.ebreak
// c.jalr c.add c.swsp c.sdsp: immediate extremes (sign extension of 6-bit immediates, max
// scaled load/store offsets, 6-bit shift amounts), 64-bit vs 32-bit (W) semantics, link
// address pc + 2 for c.jalr (also with rs1 == ra), branch/jump reach (+254/-256, +2046/-2048),
// and 4-byte instructions at 2-byte-aligned addresses, including one that straddles a 4 KiB
// page boundary.
#include "test.h"

#define INT64_MIN 0x8000000000000000
#define INT64_MAX 0x7fffffffffffffff

// Hand encodings with a constant byte offset: CB format (c.beqz funct3 6, c.bnez 7; rs1 is
// the register number 8..15) and CJ format (c.j).
.macro enc_cb funct3, rs1, off
    .half (\funct3 << 13) | ((((\off) >> 8) & 1) << 12) | ((((\off) >> 3) & 3) << 10) | (((\rs1) - 8) << 7) | ((((\off) >> 6) & 3) << 5) | ((((\off) >> 1) & 3) << 3) | ((((\off) >> 5) & 1) << 2) | 1
.endm
.macro enc_cj off
    .half (5 << 13) | ((((\off) >> 11) & 1) << 12) | ((((\off) >> 4) & 1) << 11) | ((((\off) >> 8) & 3) << 9) | ((((\off) >> 10) & 1) << 8) | ((((\off) >> 6) & 1) << 7) | ((((\off) >> 7) & 1) << 6) | ((((\off) >> 1) & 7) << 3) | ((((\off) >> 5) & 1) << 2) | 1
.endm

TEST_START
    .option rvc

    // ---- c.li / c.addi / c.addiw ----
    c.li a0, 31
    CHECK_EQ(a0, 31, 1)
    c.li a0, -32
    CHECK_EQ(a0, -32, 2)
    li a5, 77
    c.li a5, 0
    CHECK_EQ(a5, 0, 3)
    li a0, 10
    c.addi a0, -32
    CHECK_EQ(a0, -22, 4)
    c.addi a0, 31
    CHECK_EQ(a0, 9, 5)
    li a0, INT64_MAX
    c.addi a0, 1
    CHECK_EQ(a0, INT64_MIN, 6)
    li a0, 0x7fffffff
    c.addiw a0, 1
    CHECK_EQ(a0, 0xffffffff80000000, 7)
    li a0, 0x123456789
    c.addiw a0, 0
    CHECK_EQ(a0, 0x23456789, 8)
    li a0, 0xffffffff
    c.addiw a0, -32
    CHECK_EQ(a0, -33, 9)
    li s2, 100                      // c.addi / c.li on a register outside x8..x15
    c.addi s2, -1
    CHECK_EQ(s2, 99, 10)

    // ---- c.lui ----
    c.lui a0, 1
    CHECK_EQ(a0, 0x1000, 11)
    c.lui a0, 31
    CHECK_EQ(a0, 0x1f000, 12)
    c.lui a0, 0xfffff
    CHECK_EQ(a0, 0xfffffffffffff000, 13)
    c.lui a0, 0xfffe0
    CHECK_EQ(a0, 0xfffffffffffe0000, 14)

    // ---- c.addi16sp / c.addi4spn ----
    mv a7, sp                       // keep the real stack pointer
    la sp, cbuf
    mv a6, sp
    c.addi16sp sp, -512
    sub a0, a6, sp
    CHECK_EQ(a0, 512, 15)
    c.addi16sp sp, 496
    sub a0, a6, sp
    CHECK_EQ(a0, 16, 16)
    c.addi16sp sp, 16
    CHECK_EQR(sp, a6, 17)
    c.addi4spn a0, sp, 4
    sub a0, a0, sp
    CHECK_EQ(a0, 4, 18)
    c.addi4spn a1, sp, 1020
    sub a1, a1, sp
    CHECK_EQ(a1, 1020, 19)

    // ---- c.slli / c.srli / c.srai / c.andi ----
    li a0, 1
    c.slli a0, 63
    CHECK_EQ(a0, INT64_MIN, 20)
    li a0, 0x12345678
    c.slli a0, 32
    CHECK_EQ(a0, 0x1234567800000000, 21)
    li s3, 0xff                     // c.slli on a register outside x8..x15
    c.slli s3, 1
    CHECK_EQ(s3, 0x1fe, 22)
    li a0, -1
    c.srli a0, 63
    CHECK_EQ(a0, 1, 23)
    li a0, -1
    c.srli a0, 32
    CHECK_EQ(a0, 0xffffffff, 24)
    li a0, INT64_MIN
    c.srli a0, 1
    CHECK_EQ(a0, 0x4000000000000000, 25)
    li a0, INT64_MIN
    c.srai a0, 63
    CHECK_EQ(a0, -1, 26)
    li a0, INT64_MIN
    c.srai a0, 32
    CHECK_EQ(a0, 0xffffffff80000000, 27)
    li a0, 0x4000000000000000
    c.srai a0, 1
    CHECK_EQ(a0, 0x2000000000000000, 28)
    li a0, -1
    c.andi a0, 31
    CHECK_EQ(a0, 31, 29)
    li a0, -1
    c.andi a0, -32
    CHECK_EQ(a0, 0xffffffffffffffe0, 30)
    li a0, 0x123
    c.andi a0, 0
    CHECK_EQ(a0, 0, 31)

    // ---- c.mv / c.add ----
    li a0, 0x0123456789abcdef
    c.mv a6, a0
    CHECK_EQ(a6, 0x0123456789abcdef, 32)
    c.mv s4, a6
    CHECK_EQ(s4, 0x0123456789abcdef, 33)
    li a0, INT64_MAX
    li a1, 1
    c.add a0, a1
    CHECK_EQ(a0, INT64_MIN, 34)
    li s2, 0x100000000
    li s3, -1
    c.add s2, s3
    CHECK_EQ(s2, 0xffffffff, 35)

    // ---- c.sub / c.xor / c.or / c.and / c.subw / c.addw ----
    li a0, 5
    li a1, 7
    c.sub a0, a1
    CHECK_EQ(a0, -2, 36)
    li a2, 0xff00ff00ff00ff00
    li a3, 0x0ff00ff00ff00ff0
    mv a0, a2
    c.xor a0, a3
    CHECK_EQ(a0, 0xf0f0f0f0f0f0f0f0, 37)
    mv a0, a2
    c.or a0, a3
    CHECK_EQ(a0, 0xfff0fff0fff0fff0, 38)
    mv a0, a2
    c.and a0, a3
    CHECK_EQ(a0, 0x0f000f000f000f00, 39)
    li a0, 0x80000000
    li a1, 1
    c.subw a0, a1
    CHECK_EQ(a0, 0x7fffffff, 40)
    li a0, 0x7fffffff
    c.addw a0, a1
    CHECK_EQ(a0, 0xffffffff80000000, 41)
    li s0, 0x100000005
    li s1, 0x200000003
    c.subw s0, s1
    CHECK_EQ(s0, 2, 42)
    li a4, 0xffffffff
    li a5, 0xffffffff
    c.addw a4, a5
    CHECK_EQ(a4, -2, 43)

    // ---- c.lw / c.ld / c.lwsp / c.ldsp, then c.sw / c.sd (base in x8..x15; sp = cbuf) ----
    la a1, cbuf
    c.lw a0, 0(a1)
    CHECK_EQ(a0, 0xffffffff80000001, 44)
    c.lw a0, 124(a1)
    CHECK_EQ(a0, 0x7c7c7c7c, 45)
    c.ld a0, 0(a1)
    CHECK_EQ(a0, 0x1234567880000001, 46)
    c.ld a0, 248(a1)
    CHECK_EQ(a0, 0xfcfcfcfc00000000, 47)
    c.lwsp a0, 0(sp)
    CHECK_EQ(a0, 0xffffffff80000001, 52)
    c.lwsp s5, 252(sp)
    CHECK_EQ(s5, 0xfffffffffcfcfcfc, 53)
    c.ldsp a0, 0(sp)
    CHECK_EQ(a0, 0x1234567880000001, 54)
    c.ldsp s6, 504(sp)
    CHECK_EQ(s6, 0x01f801f801f801f8, 55)
    li a2, 0xaaaaaaaa55555555
    c.sw a2, 4(a1)
    c.ld a0, 0(a1)
    CHECK_EQ(a0, 0x5555555580000001, 48)
    c.sd a2, 8(a1)
    ld a0, 8(a1)
    CHECK_EQ(a0, 0xaaaaaaaa55555555, 49)
    li a2, -2
    c.sw a2, 124(a1)
    lwu a0, 124(a1)
    CHECK_EQ(a0, 0xfffffffe, 50)
    c.sd a2, 248(a1)
    ld a0, 248(a1)
    CHECK_EQ(a0, -2, 51)

    // ---- c.swsp / c.sdsp (sp = cbuf) ----
    li t0, 0x1122334455667788
    c.swsp t0, 16(sp)
    c.swsp t0, 252(sp)
    c.sdsp t0, 24(sp)
    c.sdsp t0, 504(sp)
    ld a0, 16(a1)
    CHECK_EQ(a0, 0x1010101055667788, 56)
    lwu a0, 252(a1)
    CHECK_EQ(a0, 0x55667788, 57)
    ld a0, 24(a1)
    CHECK_EQ(a0, 0x1122334455667788, 58)
    ld a0, 504(a1)
    CHECK_EQ(a0, 0x1122334455667788, 59)
    mv sp, a7                       // real stack back

    // ---- c.nop ----
    li a0, 0x42
    c.nop
    c.nop
    CHECK_EQ(a0, 0x42, 60)

    // ---- c.j forward / backward ----
    li a0, 0
    c.j 1f
    c.addi a0, 16
1:  c.addi a0, 1
    CHECK_EQ(a0, 1, 61)
    li a0, 0
    c.j 3f
2:  c.addi a0, 1
    c.j 4f
3:  c.j 2b
    c.addi a0, 16
4:  CHECK_EQ(a0, 1, 62)

    // ---- c.beqz / c.bnez (full 64-bit compare against zero) ----
    li a0, 0
    li a1, 0
    c.beqz a1, 5f
    c.addi a0, 16
5:  li a1, 0x100000000
    c.beqz a1, 6f
    c.addi a0, 1
6:  c.bnez a1, 7f
    c.addi a0, 16
7:  li a1, 0
    c.bnez a1, 8f
    c.addi a0, 2
8:  CHECK_EQ(a0, 3, 63)
    li a0, 0                        // backward taken
    li a1, 3
9:  c.addi a0, 5
    c.addi a1, -1
    c.bnez a1, 9b
    CHECK_EQ(a0, 15, 64)

    // Reach tests. GAS widens an explicit c.beqz/c.bnez/c.j whose label is far away into a
    // 4-byte branch, so these are hand-encoded (enc_cb / enc_cj) with numeric offsets over
    // runs of 2-byte c.addi.
    // c.beqz +254
    li a0, 0
    li a1, 0
    enc_cb 6, 11, 254               // c.beqz a1, .+254 (= 2 + 126 * 2)
    .rept 126
    c.addi a0, 1
    .endr
    CHECK_EQ(a0, 0, 65)
    // c.bnez -256
    li a0, 0
    li a1, 1
    j .Lbnez_far_branch
.Lbnez_far_target:                  // 2 + 4 + 125 * 2 = 256 bytes before the c.bnez
    c.addi a0, 2
    .option push
    .option norvc
    jal zero, .Lbnez_far_done       // exactly 4 bytes
    .option pop
    .rept 125
    c.addi a0, 16
    .endr
.Lbnez_far_branch:
    enc_cb 7, 11, -256              // c.bnez a1, .-256
    c.addi a0, 1
.Lbnez_far_done:
    CHECK_EQ(a0, 2, 66)

    // c.j +2046
    li a0, 0
    enc_cj 2046                     // 2 + 1022 * 2
    .rept 1022
    c.addi a0, 1
    .endr
    CHECK_EQ(a0, 0, 67)
    // c.j -2048
    li a0, 0
    j .Lcj_far_branch
.Lcj_far_target:                    // 2 + 4 + 1021 * 2 = 2048 bytes before the c.j
    c.addi a0, 2
    .option push
    .option norvc
    jal zero, .Lcj_far_done         // exactly 4 bytes
    .option pop
    .rept 1021
    c.addi a0, 16
    .endr
.Lcj_far_branch:
    enc_cj -2048                    // c.j .-2048
    c.addi a0, 1
.Lcj_far_done:
    CHECK_EQ(a0, 2, 68)

    // ---- c.jr / c.jalr ----
    li a0, 0
    la a1, 10f
    c.jr a1
    c.addi a0, 16
10: c.addi a0, 1
    CHECK_EQ(a0, 1, 69)
    li a0, 0
    la a1, 11f
    c.jalr a1
.Ljalr_link:
    c.addi a0, 16
11: c.addi a0, 1
    CHECK_EQ(a0, 1, 70)
    CHECK_ADDR(ra, .Ljalr_link, 71)
    // c.jalr ra: jumps to the old ra, links ra = pc + 2
    li a0, 0
    la ra, 12f
    c.jalr ra
.Ljalr_ra_link:
    c.addi a0, 16
12: c.addi a0, 1
    CHECK_EQ(a0, 1, 72)
    CHECK_ADDR(ra, .Ljalr_ra_link, 73)

    // ---- c.ebreak: breakpoint, mepc = its address, resumes after its 2 bytes ----
    TRAP_ARM
    li a0, 0
.Lc_ebreak:
    c.ebreak
    c.addi a0, 1
    CHECK_TRAP_ANY_TVAL(74, CAUSE_BREAKPOINT, .Lc_ebreak)
    CHECK_EQ(a0, 1, 75)
    TRAP_DISARM

    // ---- 4-byte instructions at 2-byte-aligned addresses ----
    .balign 4
    c.nop
.Lodd_insn:                         // address = 2 mod 4
    .option push
    .option norvc
    li a1, 0x5a0
    xori a0, a1, 0x7ff
    addi a0, a0, -0x10
    .option pop
    CHECK_EQ(a0, 0x24f, 76)
    la a1, .Lodd_insn
    andi a1, a1, 3
    CHECK_EQ(a1, 2, 77)

    // one that straddles a 4 KiB page boundary
    c.j .Lstraddle_start
    .balign 4096
    .skip 4096 - 6
.Lstraddle_start:                   // page end - 6
    c.li a0, 3
    c.addi a0, 4                    // page end - 4
    .option push
    .option norvc
.Lstraddle:                         // page end - 2: bytes 2 + 2 across the boundary
    xori a0, a0, 0x7f0
    .option pop
    c.addi a0, 1
    CHECK_EQ(a0, 0x7f8, 78)
    la a1, .Lstraddle
    li a2, 0xfff
    and a1, a1, a2
    CHECK_EQ(a1, 0xffe, 79)

    PASS

    .data
    .balign 16
cbuf:
    .dword 0x1234567880000001
    .dword 0x0808080808080808
    .dword 0x1010101010101010
    .rept 12
    .dword 0
    .endr
    .dword 0x7c7c7c7c00000000       // offset 120: word at 124 = 0x7c7c7c7c
    .rept 15
    .dword 0
    .endr
    .dword 0xfcfcfcfc00000000       // offset 248: word at 252 = 0xfcfcfcfc (c.ld 248 reads it)
    .rept 31
    .dword 0
    .endr
    .dword 0x01f801f801f801f8       // offset 504
    .dword 0
