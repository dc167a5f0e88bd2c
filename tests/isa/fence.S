// fence.S - fence, fence.i and self-modifying code. After a store to instruction memory
// and a fence.i, the next fetch must see the new bytes: this catches stale decoded-code /
// translation caches. Covered: code in a separate RAM buffer (run many times so it is
// "hot", then rewritten with sw, sb, sd, and with two compressed instructions replacing
// one 4-byte instruction); an instruction in the same basic block as the store that
// patches it (patched repeatedly in a loop); a routine in the same 4 KiB page as the
// running code. Also: fence variants execute without trapping and keep program order.
#include "test.h"

#define ADDI_A0(imm)  (((imm) << 20) | 0x513)   /* addi a0, zero, imm */
#define RET           0x00008067                /* jalr zero, 0(ra) */
#define C_LI_A0_5     0x4515                    /* c.li a0, 5 */
#define C_JR_RA       0x8082                    /* c.jr ra */

TEST_START
    // ---- fences: no trap, memory order preserved ----
    la a1, data_word
    li a2, 0x1234
    sd a2, 0(a1)
    fence
    fence rw, rw
    fence r, r
    fence w, w
    fence iorw, iorw
    fence.tso
    fence.i
    ld a0, 0(a1)
    CHECK_EQ(a0, 0x1234, 1)

    // ---- code buffer in RAM, away from the running code ----
    la s0, code_buf
    li a2, ADDI_A0(1)
    sw a2, 0(s0)
    li a2, RET
    sw a2, 4(s0)
    fence.i
    jalr ra, 0(s0)
    CHECK_EQ(a0, 1, 2)
    li s1, 50                       // make it hot
    li s2, 0
1:  jalr ra, 0(s0)
    add s2, s2, a0
    addi s1, s1, -1
    bnez s1, 1b
    CHECK_EQ(s2, 50, 3)

    li a2, ADDI_A0(2)               // rewrite the first instruction
    sw a2, 0(s0)
    fence.i
    jalr ra, 0(s0)
    CHECK_EQ(a0, 2, 4)
    li a2, ADDI_A0(3)               // and again: the NEW value must show
    sw a2, 0(s0)
    fence.i
    jalr ra, 0(s0)
    CHECK_EQ(a0, 3, 5)

    // one 4-byte instruction replaced by two 2-byte ones (c.li a0, 5; c.jr ra)
    li a2, (C_JR_RA << 16) | C_LI_A0_5
    sw a2, 0(s0)
    fence.i
    jalr ra, 0(s0)
    CHECK_EQ(a0, 5, 6)
    // and back to 4-byte instructions, written with one doubleword store
    li a2, (RET << 32) | ADDI_A0(6)
    sd a2, 0(s0)
    fence.i
    jalr ra, 0(s0)
    CHECK_EQ(a0, 6, 7)
    // a single byte store changes the immediate: addi a0, zero, 6 -> addi a0, zero, 7
    li a2, 0x70
    sb a2, 2(s0)                    // bits 23:16 of 0x00600513 -> 0x00700513
    fence.i
    jalr ra, 0(s0)
    CHECK_EQ(a0, 7, 8)
    // a halfword store rewrites the upper half: imm = 0x7ff
    li a2, 0x7ff0
    sh a2, 2(s0)                    // 0x7ff00513 = addi a0, zero, 2047
    fence.i
    jalr ra, 0(s0)
    CHECK_EQ(a0, 2047, 9)

    // ---- patch an instruction in the same basic block as the store ----
    li s2, 0
    li s1, 1
2:  slli a2, s1, 20
    ori a2, a2, 0x513               // a2 = addi a0, zero, s1
    la a3, .Lpatch_site
    sw a2, 0(a3)
    fence.i
    .option push
    .option norvc
    .balign 4
.Lpatch_site:
    addi a0, zero, 100              // replaced before it first runs
    .option pop
    add s2, s2, a0
    addi s1, s1, 1
    li a4, 6
    bne s1, a4, 2b
    CHECK_EQ(s2, 1 + 2 + 3 + 4 + 5, 10)

    // ---- patch a routine in the same 4 KiB page as the running code ----
    la a3, .Lsame_page_fn
    srli a4, a3, 12
    la a5, .Lhere
.Lhere:
    srli a5, a5, 12
    CHECK_EQR(a4, a5, 11)           // really the same page
    jalr ra, 0(a3)
    CHECK_EQ(a0, 10, 12)
    li a2, ADDI_A0(11)
    sw a2, 0(a3)
    fence.i
    jalr ra, 0(a3)
    CHECK_EQ(a0, 11, 13)
    li a2, ADDI_A0(12)
    sw a2, 0(a3)
    fence.i
    jalr ra, 0(a3)
    CHECK_EQ(a0, 12, 14)

    PASS

    .option push
    .option norvc
    .balign 4
.Lsame_page_fn:
    addi a0, zero, 10
    ret
    .option pop

    .data
    .balign 8
data_word:
    .dword 0
    .balign 4096                    // its own page, far from the code
code_buf:
    .skip 64
