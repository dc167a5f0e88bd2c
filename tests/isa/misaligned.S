// misaligned.S - misaligned (non-atomic) loads and stores: lh lhu lw lwu ld sh sw sd (and
// c.lw c.ld c.sw c.sd with an odd base) at every kind of misaligned offset, including
// accesses that straddle a 4 KiB page boundary; exact little-endian values, sign/zero
// extension, stores touching exactly their bytes.
//
// rvisor performs misaligned accesses in hardware (the spec permits it), so these must
// complete without trapping. Against QEMU: QEMU 7.2's TCG also performs misaligned scalar
// accesses in M-mode rather than trapping, so this program passes there too and is
// QEMU-validated (checked with tests/isa/run-under-qemu). If a future QEMU traps them, add
// the skip marker (see run-under-qemu) to this header.
#include "test.h"

TEST_START
    // B = 16 bytes before a page boundary. Bytes B+0..B+31:
    //   00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff | 01 23 45 67 89 ab cd ef fe dc ba 98 76 54 32 10
    la s0, ld_page
    li t0, 4096 - 16
    add s0, s0, t0

    // ---- halfwords ----
    lh a0, 1(s0)
    CHECK_EQ(a0, 0x2211, 1)
    lh a0, 9(s0)
    CHECK_EQ(a0, 0xffffffffffffaa99, 2)
    lhu a0, 9(s0)
    CHECK_EQ(a0, 0xaa99, 3)
    lh a0, 7(s0)
    CHECK_EQ(a0, 0xffffffffffff8877, 4)
    lh a0, 15(s0)                   // straddles the page boundary
    CHECK_EQ(a0, 0x01ff, 5)
    lhu a0, 15(s0)
    CHECK_EQ(a0, 0x01ff, 6)

    // ---- words ----
    lw a0, 1(s0)
    CHECK_EQ(a0, 0x44332211, 7)
    lw a0, 2(s0)
    CHECK_EQ(a0, 0x55443322, 8)
    lw a0, 11(s0)
    CHECK_EQ(a0, 0xffffffffeeddccbb, 9)
    lwu a0, 11(s0)
    CHECK_EQ(a0, 0xeeddccbb, 10)
    lw a0, 13(s0)                   // straddles
    CHECK_EQ(a0, 0x01ffeedd, 11)
    lw a0, 14(s0)                   // straddles
    CHECK_EQ(a0, 0x2301ffee, 12)
    lw a0, 15(s0)                   // straddles
    CHECK_EQ(a0, 0x452301ff, 13)
    lwu a0, 17(s0)
    CHECK_EQ(a0, 0x89674523, 14)

    // ---- doublewords ----
    ld a0, 1(s0)
    CHECK_EQ(a0, 0x8877665544332211, 15)
    ld a0, 3(s0)
    CHECK_EQ(a0, 0xaa99887766554433, 16)
    ld a0, 4(s0)
    CHECK_EQ(a0, 0xbbaa998877665544, 17)
    ld a0, 9(s0)                    // straddles
    CHECK_EQ(a0, 0x01ffeeddccbbaa99, 18)
    ld a0, 12(s0)                   // straddles
    CHECK_EQ(a0, 0x67452301ffeeddcc, 19)
    ld a0, 15(s0)                   // straddles
    CHECK_EQ(a0, 0xcdab8967452301ff, 20)
    ld a0, 17(s0)
    CHECK_EQ(a0, 0xfeefcdab89674523, 21)

    // ---- compressed loads with an odd base register ----
    addi a1, s0, 1
    c.lw a0, 0(a1)
    CHECK_EQ(a0, 0x44332211, 22)
    c.ld a0, 8(a1)
    CHECK_EQ(a0, 0x01ffeeddccbbaa99, 23)

    // ---- stores: S = 16 bytes before a page boundary, refilled with 0xff bytes ----
    la s1, st_page
    li t0, 4096 - 16
    add s1, s1, t0
    li s2, -1

    sd s2, 8(s1)
    sd s2, 16(s1)
    li a2, 0xabcd
    sh a2, 15(s1)                   // straddles
    ld a0, 8(s1)
    CHECK_EQ(a0, 0xcdffffffffffffff, 30)
    ld a0, 16(s1)
    CHECK_EQ(a0, 0xffffffffffffffab, 31)

    sd s2, 8(s1)
    sd s2, 16(s1)
    li a2, 0x12345678
    sw a2, 13(s1)                   // straddles
    ld a0, 8(s1)
    CHECK_EQ(a0, 0x345678ffffffffff, 32)
    ld a0, 16(s1)
    CHECK_EQ(a0, 0xffffffffffffff12, 33)

    sd s2, 8(s1)
    sd s2, 16(s1)
    li a2, 0x0123456789abcdef
    sd a2, 11(s1)                   // straddles
    ld a0, 8(s1)
    CHECK_EQ(a0, 0x6789abcdefffffff, 34)
    ld a0, 16(s1)
    CHECK_EQ(a0, 0xffffffffff012345, 35)
    ld a0, 11(s1)                   // read back at the same misaligned address
    CHECK_EQ(a0, 0x0123456789abcdef, 36)

    sd s2, 0(s1)
    sd s2, 8(s1)
    li a2, 0x1122334455667788
    sd a2, 1(s1)
    ld a0, 0(s1)
    CHECK_EQ(a0, 0x22334455667788ff, 37)
    ld a0, 8(s1)
    CHECK_EQ(a0, 0xffffffffffffff11, 38)
    li a2, 0xa5a5
    sh a2, 5(s1)
    lhu a0, 5(s1)
    CHECK_EQ(a0, 0xa5a5, 39)
    ld a0, 0(s1)
    CHECK_EQ(a0, 0x22a5a555667788ff, 40)

    // ---- compressed stores with an odd base register ----
    sd s2, 0(s1)
    sd s2, 8(s1)
    addi a1, s1, 3
    li a2, 0x89abcdef
    c.sw a2, 0(a1)                  // bytes 3..6
    ld a0, 0(s1)
    CHECK_EQ(a0, 0xff89abcdefffffff, 41)
    li a2, 0x0011223344556677
    c.sd a2, 8(a1)                  // bytes 11..18, straddles
    ld a0, 8(s1)
    CHECK_EQ(a0, 0x3344556677ffffff, 42)
    ld a0, 16(s1)
    CHECK_EQ(a0, 0xffffffffff001122, 43)

    PASS

    .data
    .balign 4096
ld_page:
    .skip 4096 - 16
    .byte 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77
    .byte 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff
    .byte 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef     // next page starts here
    .byte 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10
    .balign 4096
st_page:
    .skip 4096 + 32
