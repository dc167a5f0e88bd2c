// rv64f.S - F extension: result bits and fflags of every single-precision op on IEEE 754-2008
// corner cases as RISC-V specifies them (unprivileged spec chapter "F"), and NaN boxing in a
// 64-bit f register (spec 12.2): every single result is boxed (upper 32 bits ones, checked
// here on all 64 bits); an operand whose upper 32 bits are not all ones reads as the
// canonical NaN (arithmetic, conversions, compares, fclass, fmin/fmax and sign injection);
// flw boxes; fsw and fmv.x.w take bits 31:0 unchecked (fmv.x.w sign-extends); fmv.w.x
// boxes. Rounding in every mode on halfway cases, overflow by mode, underflow with tininess
// after rounding, canonical NaNs, NV for signaling NaNs, fused multiply-add, conversion
// saturation and sign extension as in rv64d.S. Expected values were derived from the spec's
// definitions (the same cases as tests/cpu/fpu_test.cpp) and validated against QEMU 7.2.
#include "fp_test.h"

#define ONE      B(0x3f800000)
#define NEG_ONE  B(0xbf800000)
#define TWO      B(0x40000000)
#define THREE    B(0x40400000)
#define HALF     B(0x3f000000)
#define NEG_HALF B(0xbf000000)
#define P2M24    B(0x33800000) /* 2^-24: half an ulp of 1 */
#define ONE_UP   B(0x3f800001)
#define MIN_SUB  B(0x00000001)
#define MAX_SUB  B(0x007fffff)
#define MIN_NORM B(0x00800000)
#define MAX      B(0x7f7fffff)
#define NEG_MAX  B(0xff7fffff)
#define INF      B(0x7f800000)
#define NEG_INF  B(0xff800000)
#define QNAN     B(0x7fc00000)
#define SNAN     B(0x7f800001)
#define ZERO     B(0)
#define NEG_ZERO B(0x80000000)
/* Not NaN-boxed: 1.0f with the upper half zero, and a double. */
#define UNBOXED  0x000000003f800000
#define DOUBLE   0x3ff0000000000000

TEST_START
    fp_init

    // ---- fadd.s / fsub.s ----
    t_ff 1, fadd.s, rne, ONE, TWO, THREE, 0
    t_ff 2, fadd.s, rne, ONE, P2M24, ONE, NX          // tie to even
    t_ff 3, fadd.s, rmm, ONE, P2M24, ONE_UP, NX       // tie away from zero
    t_ff 4, fadd.s, rtz, ONE, P2M24, ONE, NX
    t_ff 5, fadd.s, rup, ONE, P2M24, ONE_UP, NX
    t_ff 6, fsub.s, rdn, NEG_ONE, P2M24, B(0xbf800001), NX
    t_ff 7, fsub.s, rup, NEG_ONE, P2M24, NEG_ONE, NX
    t_ff 8, fsub.s, rdn, B(0x3fc00000), B(0x3fc00000), NEG_ZERO, 0
    t_ff 9, fsub.s, rne, B(0x3fc00000), B(0x3fc00000), ZERO, 0
    t_ff 10, fadd.s, rne, MIN_SUB, MIN_SUB, B(2), 0
    t_ff 11, fadd.s, rne, MAX, MAX, INF, OF | NX
    t_ff 12, fadd.s, rtz, MAX, MAX, MAX, OF | NX
    t_ff 13, fadd.s, rdn, NEG_MAX, NEG_MAX, NEG_INF, OF | NX
    t_ff 14, fadd.s, rup, NEG_MAX, NEG_MAX, NEG_MAX, OF | NX
    t_ff 15, fadd.s, rne, INF, NEG_INF, CNAN_S, NV
    t_ff 16, fadd.s, rne, B(0x7fc12345), ONE, CNAN_S, 0   // no payload propagation
    t_ff 17, fadd.s, rne, SNAN, ONE, CNAN_S, NV

    // ---- fmul.s ----
    // 31 * 2^-131 times 1082401 * 2^-20 = (1 - 2^-25) * 2^-126: halfway below 2^-126.
    t_ff 18, fmul.s, rne, B(0x007c0000), B(0x3f842108), MIN_NORM, NX  // not tiny after rounding
    t_ff 19, fmul.s, rtz, B(0x007c0000), B(0x3f842108), MAX_SUB, UF | NX
    t_ff 20, fmul.s, rmm, B(0x007c0000), B(0x3f842108), MIN_NORM, NX
    t_ff 21, fmul.s, rne, MIN_NORM, HALF, B(0x00400000), 0               // tiny but exact
    t_ff 22, fmul.s, rne, MIN_SUB, HALF, ZERO, UF | NX
    t_ff 23, fmul.s, rup, MIN_SUB, HALF, MIN_SUB, UF | NX
    t_ff 24, fmul.s, rne, MIN_SUB, B(0x3f400000), MIN_SUB, UF | NX       // * 0.75
    t_ff 25, fmul.s, rne, INF, ZERO, CNAN_S, NV
    t_ff 26, fmul.s, rne, B(0x7f000000), TWO, INF, OF | NX

    // ---- fdiv.s / fsqrt.s ----
    t_ff 27, fdiv.s, rne, ONE, THREE, B(0x3eaaaaab), NX
    t_ff 28, fdiv.s, rtz, ONE, THREE, B(0x3eaaaaaa), NX
    t_ff 29, fdiv.s, rne, ONE, ZERO, INF, DZ
    t_ff 30, fdiv.s, rne, B(0xc0400000), ZERO, NEG_INF, DZ
    t_ff 31, fdiv.s, rne, ZERO, ZERO, CNAN_S, NV
    t_ff 32, fdiv.s, rne, MIN_NORM, THREE, B(0x002aaaab), UF | NX
    t_f 33, fsqrt.s, rne, B(0x40800000), TWO, 0
    t_f 34, fsqrt.s, rne, TWO, B(0x3fb504f3), NX
    t_f 35, fsqrt.s, rup, TWO, B(0x3fb504f4), NX
    t_f 36, fsqrt.s, rne, NEG_ZERO, NEG_ZERO, 0
    t_f 37, fsqrt.s, rne, NEG_ONE, CNAN_S, NV
    t_f 38, fsqrt.s, rne, MIN_SUB, B(0x1a3504f3), NX

    // ---- fused multiply-add ----
    // (1 + 2^-12)(1 - 2^-12) - 1 = -2^-24 exactly; rounding the product first gives 0.
    t_fff 39, fmadd.s, rne, B(0x3f800800), B(0x3f7ff000), NEG_ONE, B(0xb3800000), 0
    t_fff 40, fnmadd.s, rne, B(0x3f800800), B(0x3f7ff000), NEG_ONE, B(0x33800000), 0
    t_fff 41, fmadd.s, rne, TWO, THREE, ONE, B(0x40e00000), 0
    t_fff 42, fmsub.s, rne, TWO, THREE, ONE, B(0x40a00000), 0
    t_fff 43, fnmsub.s, rne, TWO, THREE, ONE, B(0xc0a00000), 0
    t_fff 44, fnmadd.s, rne, TWO, THREE, ONE, B(0xc0e00000), 0
    t_fff 45, fnmadd.s, rne, ONE, ONE, NEG_ONE, ZERO, 0
    t_fff 46, fnmadd.s, rdn, ONE, ONE, NEG_ONE, NEG_ZERO, 0
    t_fff 47, fmadd.s, rne, INF, ZERO, QNAN, CNAN_S, NV
    t_fff 48, fmadd.s, rne, ONE, ONE, SNAN, CNAN_S, NV
    t_fff 49, fmadd.s, rne, ONE, ONE, UNBOXED, CNAN_S, 0

    // ---- float to integer ----
    t_xf 50, fcvt.w.s, rne, QNAN, 0x7fffffff, NV
    t_xf 51, fcvt.w.s, rne, NEG_INF, 0xffffffff80000000, NV
    t_xf 52, fcvt.w.s, rne, B(0x4f000000), 0x7fffffff, NV           // 2^31
    t_xf 53, fcvt.w.s, rne, B(0xcf000000), 0xffffffff80000000, 0    // -2^31
    t_xf 54, fcvt.w.s, rne, B(0x40200000), 2, NX                    // 2.5
    t_xf 55, fcvt.w.s, rmm, B(0x40200000), 3, NX
    t_xf 56, fcvt.w.s, rdn, B(0xc0200000), -3, NX                   // -2.5
    t_xf 57, fcvt.w.s, rup, B(0xc0200000), -2, NX
    t_xf 58, fcvt.wu.s, rne, NEG_HALF, 0, NX
    t_xf 59, fcvt.wu.s, rdn, NEG_HALF, 0, NV
    t_xf 60, fcvt.wu.s, rmm, NEG_HALF, 0, NV
    t_xf 61, fcvt.wu.s, rup, NEG_HALF, 0, NX
    t_xf 62, fcvt.wu.s, rne, B(0x4f32d05e), 0xffffffffb2d05e00, 0   // 3e9, sign-extended
    t_xf 63, fcvt.wu.s, rne, B(0x4f800000), -1, NV                  // 2^32
    t_xf 64, fcvt.wu.s, rne, QNAN, -1, NV
    t_xf 65, fcvt.l.s, rne, QNAN, 0x7fffffffffffffff, NV
    t_xf 66, fcvt.l.s, rne, B(0xdf000000), 0x8000000000000000, 0    // -2^63
    t_xf 67, fcvt.l.s, rne, B(0x5f000000), 0x7fffffffffffffff, NV   // 2^63
    t_xf 68, fcvt.lu.s, rne, B(0x5f7fffff), 0xffffff0000000000, 0
    t_xf 69, fcvt.lu.s, rne, B(0x5f800000), -1, NV                  // 2^64
    t_xf 70, fcvt.lu.s, rne, NEG_ONE, 0, NV
    t_xf 71, fcvt.l.s, rup, MIN_SUB, 1, NX
    t_xf 72, fcvt.w.s, rne, UNBOXED, 0x7fffffff, NV                 // canonical NaN

    // ---- integer to float ----
    t_fx 73, fcvt.s.w, rne, 16777217, B(0x4b800000), NX             // 2^24 + 1
    t_fx 74, fcvt.s.w, rmm, 16777217, B(0x4b800001), NX
    t_fx 75, fcvt.s.w, rup, 16777217, B(0x4b800001), NX
    t_fx 76, fcvt.s.w, rtz, 16777217, B(0x4b800000), NX
    t_fx 77, fcvt.s.w, rmm, -16777217, B(0xcb800001), NX
    t_fx 78, fcvt.s.w, rup, -16777217, B(0xcb800000), NX
    t_fx 79, fcvt.s.w, rne, 0x100000001, ONE, 0                     // uses bits 31:0
    t_fx 80, fcvt.s.w, rne, 0x80000000, B(0xcf000000), 0
    t_fx 81, fcvt.s.wu, rne, 0x80000000, B(0x4f000000), 0
    t_fx 82, fcvt.s.wu, rne, 0xffffffff, B(0x4f800000), NX
    t_fx 83, fcvt.s.wu, rtz, 0xffffffff, B(0x4f7fffff), NX
    t_fx 84, fcvt.s.l, rne, 0x8000000000000000, B(0xdf000000), 0
    t_fx 85, fcvt.s.lu, rne, -1, B(0x5f800000), NX
    t_fx 86, fcvt.s.lu, rtz, -1, B(0x5f7fffff), NX
    t_fx 87, fcvt.s.w, rdn, 0, ZERO, 0

    // ---- fmin.s / fmax.s ----
    t_ffn 88, fmin.s, NEG_ZERO, ZERO, NEG_ZERO, 0
    t_ffn 89, fmax.s, NEG_ZERO, ZERO, ZERO, 0
    t_ffn 90, fmin.s, SNAN, B(0x40a00000), B(0x40a00000), NV
    t_ffn 91, fmax.s, QNAN, SNAN, CNAN_S, NV
    t_ffn 92, fmin.s, QNAN, ONE, ONE, 0
    t_ffn 93, fmin.s, UNBOXED, B(0x40a00000), B(0x40a00000), 0
    t_ffn 94, fmax.s, UNBOXED, DOUBLE, CNAN_S, 0

    // ---- comparisons ----
    t_xff 95, feq.s, ONE, ONE, 1, 0
    t_xff 96, feq.s, QNAN, ONE, 0, 0
    t_xff 97, feq.s, SNAN, ONE, 0, NV
    t_xff 98, flt.s, QNAN, TWO, 0, NV
    t_xff 99, fle.s, TWO, ONE, 0, 0
    t_xff 100, flt.s, ONE, TWO, 1, 0
    t_xff 101, feq.s, UNBOXED, UNBOXED, 0, 0
    t_xff 102, fle.s, UNBOXED, ONE, 0, NV
    t_xff 103, fle.s, NEG_ZERO, ZERO, 1, 0

    // ---- fclass.s ----
    t_xfn 104, fclass.s, NEG_INF, 1 << 0, 0
    t_xfn 105, fclass.s, NEG_MAX, 1 << 1, 0
    t_xfn 106, fclass.s, B(0x80000001), 1 << 2, 0
    t_xfn 107, fclass.s, NEG_ZERO, 1 << 3, 0
    t_xfn 108, fclass.s, ZERO, 1 << 4, 0
    t_xfn 109, fclass.s, MAX_SUB, 1 << 5, 0
    t_xfn 110, fclass.s, MAX, 1 << 6, 0
    t_xfn 111, fclass.s, INF, 1 << 7, 0
    t_xfn 112, fclass.s, SNAN, 1 << 8, 0
    t_xfn 113, fclass.s, QNAN, 1 << 9, 0
    t_xfn 114, fclass.s, 0x00000000ff800000, 1 << 9, 0              // unboxed -inf: a NaN

    // ---- sign injection: bits only, but on the unboxed value ----
    t_ffn 115, fsgnj.s, ONE, B(0xc0000000), NEG_ONE, 0
    t_ffn 116, fsgnjn.s, NEG_ONE, B(0xc0000000), ONE, 0
    t_ffn 117, fsgnjx.s, NEG_ONE, B(0xc0000000), ONE, 0
    t_ffn 118, fsgnj.s, SNAN, NEG_ONE, B(0xff800001), 0             // payload kept, no NV
    t_ffn 119, fsgnj.s, UNBOXED, NEG_ONE, B(0xffc00000), 0
    t_ffn 120, fsgnjn.s, UNBOXED, ONE, B(0xffc00000), 0
    t_ffn 121, fsgnjx.s, TWO, 0x00000000bf800000, TWO, 0            // b is +canonical NaN

    // ---- moves ----
    t_xfn 122, fmv.x.w, NEG_ZERO, 0xffffffff80000000, 0
    t_xfn 123, fmv.x.w, UNBOXED, 0x3f800000, 0                      // no boxing check
    t_xfn 124, fmv.x.w, 0x1234567887654321, 0xffffffff87654321, 0
    t_fxn 125, fmv.w.x, 0x123456789abcdef0, B(0x9abcdef0), 0

    // ---- flw boxes; fsw stores bits 31:0 without checking the boxing ----
    la a3, fp_data
    flw fa4, 0(a3)
    fmv.x.d a0, fa4
    li a1, 0
    fp_check 126, B(0x7f800001), 0
    fp_load fa4, 0x123456789abcdef0
    fsw fa4, 8(a3)
    ld a0, 8(a3)
    fp_check 127, 0x555555559abcdef0, 0     // the upper word is untouched
    TRAP_ARM
    fp_load fa1, ONE
    li a3, UNMAPPED_ADDR
.Lflw_fault:
    flw fa1, 0(a3)
    CHECK_TRAP(128, CAUSE_LOAD_ACCESS, .Lflw_fault, UNMAPPED_ADDR)
    fmv.x.d a0, fa1
    CHECK_EQ(a0, ONE, 129)
.Lfsw_fault:
    fsw fa1, 4(a3)
    CHECK_TRAP(130, CAUSE_STORE_ACCESS, .Lfsw_fault, UNMAPPED_ADDR + 4)
    TRAP_DISARM

    // ---- dynamic rounding mode ----
    fsrmi 4                                   // RMM
    t_ff 131, fadd.s, dyn, ONE, P2M24, ONE_UP, NX
    t_xf 132, fcvt.w.s, dyn, B(0x40200000), 3, NX
    fsrmi 2                                   // RDN
    t_fx 133, fcvt.s.w, dyn, -16777217, B(0xcb800001), NX
    fsrmi 0
    PASS

    .data
    .balign 8
fp_data:
    .word 0x7f800001, 0
    .dword 0x5555555555555555
