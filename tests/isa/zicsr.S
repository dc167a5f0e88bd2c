// zicsr.S - csrrw csrrs csrrc csrrwi csrrsi csrrci (on mscratch): the old value is returned,
// write / set / clear semantics, zimm is a zero-extended 5-bit value, rd == rs1, rd == x0
// still writes; csrrs/csrrc with rs1 = x0 and csrrsi/csrrci with zimm = 0 do not write (so
// they may read the read-only mhartid without trapping), whereas csrrw/csrrwi and a nonzero
// csrrsi on a read-only CSR raise illegal instruction (mtval = the instruction bits, rd not
// written). mhartid = 0, misa = RV64 (MXL = 2) with I, M, A, C; M-mode CSRs mstatus.MIE,
// mtvec, mepc, mcause, mtval hold what is written.
#include "test.h"

#define MISA_A (1 << 0)
#define MISA_C (1 << 2)
#define MISA_I (1 << 8)
#define MISA_M (1 << 12)

TEST_START
    // ---- csrrw / csrrs / csrrc ----
    li a1, 0x0123456789abcdef
    csrw mscratch, a1
    csrr a0, mscratch
    CHECK_EQ(a0, 0x0123456789abcdef, 1)
    li a2, 0xfedcba9876543210
    csrrw a0, mscratch, a2
    CHECK_EQ(a0, 0x0123456789abcdef, 2)
    csrr a0, mscratch
    CHECK_EQ(a0, 0xfedcba9876543210, 3)
    li a3, 0x800000000000000f
    csrrs a0, mscratch, a3
    CHECK_EQ(a0, 0xfedcba9876543210, 4)
    csrr a0, mscratch
    CHECK_EQ(a0, 0xfedcba987654321f, 5)
    li a4, 0xff000000000000f0
    csrrc a0, mscratch, a4
    CHECK_EQ(a0, 0xfedcba987654321f, 6)
    csrr a0, mscratch
    CHECK_EQ(a0, 0x00dcba987654320f, 7)

    // ---- immediate forms: zimm is 5 bits, zero-extended ----
    csrrwi a0, mscratch, 31
    CHECK_EQ(a0, 0x00dcba987654320f, 8)
    csrr a0, mscratch
    CHECK_EQ(a0, 31, 9)
    csrrwi a0, mscratch, 5
    csrrsi a0, mscratch, 0x18
    CHECK_EQ(a0, 5, 10)
    csrr a0, mscratch
    CHECK_EQ(a0, 0x1d, 11)
    li a1, -1
    csrw mscratch, a1
    csrrci a0, mscratch, 0x11
    CHECK_EQ(a0, -1, 12)
    csrr a0, mscratch
    CHECK_EQ(a0, 0xffffffffffffffee, 13)
    csrrci a0, mscratch, 31
    csrr a0, mscratch
    CHECK_EQ(a0, 0xffffffffffffffe0, 14)

    // ---- rs1 = x0 / zimm = 0: read only, value unchanged ----
    li a1, 0x5a5a5a5a5a5a5a5a
    csrw mscratch, a1
    csrrs a0, mscratch, zero
    CHECK_EQ(a0, 0x5a5a5a5a5a5a5a5a, 15)
    csrrc a0, mscratch, zero
    csrrsi a0, mscratch, 0
    csrrci a0, mscratch, 0
    CHECK_EQ(a0, 0x5a5a5a5a5a5a5a5a, 16)
    csrr a0, mscratch
    CHECK_EQ(a0, 0x5a5a5a5a5a5a5a5a, 17)

    // ---- rd == rs1 (swap), rd == x0 still writes ----
    li a0, 0x1111
    csrrw a0, mscratch, a0
    CHECK_EQ(a0, 0x5a5a5a5a5a5a5a5a, 18)
    csrr a0, mscratch
    CHECK_EQ(a0, 0x1111, 19)
    li a1, 0x100
    csrrs zero, mscratch, a1
    csrr a0, mscratch
    CHECK_EQ(a0, 0x1111 | 0x100, 20)
    li a1, 0x1001
    csrrc zero, mscratch, a1
    csrr a0, mscratch
    CHECK_EQ(a0, 0x0110, 21)
    csrrwi zero, mscratch, 7
    csrr a0, mscratch
    CHECK_EQ(a0, 7, 22)

    // ---- mhartid, misa ----
    csrr a0, mhartid
    CHECK_EQ(a0, 0, 23)
    csrr a0, misa
    srli a1, a0, 62
    CHECK_EQ(a1, 2, 24)
    li a2, MISA_I | MISA_M | MISA_A | MISA_C
    and a1, a0, a2
    CHECK_EQ(a1, MISA_I | MISA_M | MISA_A | MISA_C, 25)

    // ---- read-only CSRs: reads never trap, writes do ----
    TRAP_ARM
    li a0, 0x77
    csrrs a0, mhartid, zero
    csrrc a0, mhartid, zero
    csrrsi a0, mhartid, 0
    csrrci a0, mhartid, 0
    csrrs a0, mvendorid, zero
    csrrs a0, marchid, zero
    csrrs a0, mimpid, zero
    csrrs a0, mhartid, zero
    CHECK_NO_TRAP(26)
    CHECK_EQ(a0, 0, 27)
    li a1, 0
    li a0, 0x77
.Lwrite_mhartid:
    csrrw zero, mhartid, a1         // 0xf1459073
    CHECK_TRAP(28, CAUSE_ILLEGAL_INSN, .Lwrite_mhartid, 0xf1459073)
.Lwritei_mhartid:
    csrrwi zero, mhartid, 0         // 0xf1405073
    CHECK_TRAP(29, CAUSE_ILLEGAL_INSN, .Lwritei_mhartid, 0xf1405073)
.Lseti_mhartid:
    csrrsi a0, mhartid, 1           // 0xf140e573
    CHECK_TRAP(30, CAUSE_ILLEGAL_INSN, .Lseti_mhartid, 0xf140e573)
    CHECK_EQ(a0, 0x77, 31)          // rd is not written by a trapping instruction
.Lwrite_cycle:
    csrrw zero, cycle, zero         // "unimp", 0xc0001073
    CHECK_TRAP(32, CAUSE_ILLEGAL_INSN, .Lwrite_cycle, 0xc0001073)
    TRAP_DISARM

    // ---- M-mode trap CSRs hold what is written ----
    csrw mie, zero
    csrsi mstatus, MSTATUS_MIE
    csrr a0, mstatus
    andi a0, a0, MSTATUS_MIE
    CHECK_EQ(a0, MSTATUS_MIE, 33)
    csrci mstatus, MSTATUS_MIE
    csrr a0, mstatus
    andi a0, a0, MSTATUS_MIE
    CHECK_EQ(a0, 0, 34)
    csrr a1, mtvec                  // keep the default handler
    la a2, .Lsome_handler
    csrw mtvec, a2
    csrr a0, mtvec
    CHECK_ADDR(a0, .Lsome_handler, 35)
    csrw mtvec, a1
    li a2, 0x80001234
    csrw mepc, a2
    csrr a0, mepc
    CHECK_EQ(a0, 0x80001234, 36)
    li a2, 2
    csrw mcause, a2
    csrr a0, mcause
    CHECK_EQ(a0, 2, 37)
    li a2, 0x80005678
    csrw mtval, a2
    csrr a0, mtval
    CHECK_EQ(a0, 0x80005678, 38)

    PASS

    .balign 256
.Lsome_handler:
    FAIL(99)
