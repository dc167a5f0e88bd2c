// rv64a_misaligned.S - misaligned atomics trap: every amo*.w at addresses 1/2/3 mod 4 and
// every amo*.d at 1..7 mod 8 raises store/AMO-address-misaligned (mcause 6) with mtval =
// the address and mepc = the instruction; rd is not written and memory is unchanged. A
// misaligned sc.w / sc.d raises mcause 6 too, with or without a reservation.
// (Misaligned lr raises load-address-misaligned, cause 4: checked in rv64a.S.)
//
// qemu: skip -- not QEMU-validated: QEMU 7.2 reports misaligned AMOs as cause 4 (load
// misaligned) and lets a misaligned sc fail silently without trapping; the RISC-V spec and
// rvisor raise cause 6 in both cases.
#include "test.h"

#define CELL_INIT 0x0123456789abcdef

// Misaligned AMO at cell + off: traps with cause 6; rd and memory unchanged.
.macro t_mis c_trap, c_rd, c_mem, op, off
    la a1, cell
    li a2, CELL_INIT
    sd a2, 0(a1)
    sd a2, 8(a1)
    addi a5, a1, \off
    li a0, 0x600d
    li a3, -1
.Lamo\@:
    \op a0, a3, (a5)
    CHECK_TRAP_ADDR(\c_trap, CAUSE_MISALIGNED_STORE, .Lamo\@, cell + \off)
    CHECK_EQ(a0, 0x600d, \c_rd)
    ld a4, 0(a1)
    ld a6, 8(a1)
    xor a4, a4, a6                  // both halves still CELL_INIT <=> xor is 0
    sub a6, a6, a2
    or a4, a4, a6
    CHECK_EQ(a4, 0, \c_mem)
.endm

TEST_START
    TRAP_ARM

    t_mis 1, 2, 3, amoswap.w, 2
    t_mis 4, 5, 6, amoadd.w, 1
    t_mis 7, 8, 9, amoxor.w, 3
    t_mis 10, 11, 12, amoand.w, 2
    t_mis 13, 14, 15, amoor.w, 6
    t_mis 16, 17, 18, amomin.w, 5
    t_mis 19, 20, 21, amomax.w, 7
    t_mis 22, 23, 24, amominu.w, 2
    t_mis 25, 26, 27, amomaxu.w, 1

    t_mis 30, 31, 32, amoswap.d, 4
    t_mis 33, 34, 35, amoadd.d, 1
    t_mis 36, 37, 38, amoxor.d, 2
    t_mis 39, 40, 41, amoand.d, 3
    t_mis 42, 43, 44, amoor.d, 5
    t_mis 45, 46, 47, amomin.d, 6
    t_mis 48, 49, 50, amomax.d, 7
    t_mis 51, 52, 53, amominu.d, 4
    t_mis 54, 55, 56, amomaxu.d, 12

    // ---- misaligned sc, without and with a reservation ----
    la a1, cell
    li a2, CELL_INIT
    sd a2, 0(a1)
    li a0, 0x600d
    li a3, -1
    addi a5, a1, 4
.Lsc_d:
    sc.d a0, a3, (a5)
    CHECK_TRAP_ADDR(60, CAUSE_MISALIGNED_STORE, .Lsc_d, cell + 4)
    CHECK_EQ(a0, 0x600d, 61)
    lr.w a4, (a1)
    addi a5, a1, 2
.Lsc_w:
    sc.w a0, a3, (a5)
    CHECK_TRAP_ADDR(62, CAUSE_MISALIGNED_STORE, .Lsc_w, cell + 2)
    CHECK_EQ(a0, 0x600d, 63)
    ld a4, 0(a1)
    CHECK_EQ(a4, CELL_INIT, 64)

    TRAP_DISARM
    PASS

    .data
    .balign 64
cell:
    .dword 0, 0
