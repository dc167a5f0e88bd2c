// rv64d.S - D extension: result bits and fflags of every double-precision op on IEEE 754-2008
// corner cases as RISC-V specifies them (unprivileged spec chapters "F" and "D"): each
// rounding mode (static and dynamic, RMM ties away from zero) on halfway cases; overflow to
// infinity or the largest finite value by mode; underflow only for tiny *and* inexact results
// with tininess detected after rounding; x + -x = +0 except -0 in RDN; canonical NaN results
// without payload propagation, NV for signaling NaNs (fmin/fmax too), feq quiet and flt/fle
// signaling; fused multiply-add with a single rounding (and NV for inf*0 even with a quiet
// NaN addend, fnmadd = -(a*b) - c); float-to-integer saturation with NV alone, negative
// values to unsigned valid only when they round to 0; fcvt.wu results sign-extended; all ten
// fclass classes; sign injection and moves copy bits; fld/fsd (also compressed) move bits and
// fault like integer accesses. Expected values were derived from the spec's definitions
// (the same cases as tests/cpu/fpu_test.cpp) and validated against QEMU 7.2 (softfloat).
#include "fp_test.h"

#define ONE      0x3ff0000000000000
#define NEG_ONE  0xbff0000000000000
#define TWO      0x4000000000000000
#define HALF     0x3fe0000000000000
#define NEG_HALF 0xbfe0000000000000
#define P2M53    0x3ca0000000000000 /* 2^-53: half an ulp of 1 */
#define ONE_UP   0x3ff0000000000001 /* 1 + 2^-52 */
#define MIN_SUB  0x0000000000000001
#define MAX_SUB  0x000fffffffffffff
#define MIN_NORM 0x0010000000000000
#define MAX      0x7fefffffffffffff
#define NEG_MAX  0xffefffffffffffff
#define INF      0x7ff0000000000000
#define NEG_INF  0xfff0000000000000
#define QNAN     0x7ff8000000000000
#define SNAN     0x7ff0000000000001
#define NEG_ZERO 0x8000000000000000
/* (1 + 2^-27) * 2^-1022 and 1 - 2^-27: their product is (1 - 2^-54) * 2^-1022, halfway
 * between the largest subnormal and the least normal. */
#define TINY_A   0x0010000002000000
#define TINY_B   0x3feffffffc000000

TEST_START
    fp_init

    // ---- fadd.d / fsub.d ----
    t_ff 1, fadd.d, rne, ONE, TWO, 0x4008000000000000, 0
    t_ff 2, fadd.d, rne, ONE, P2M53, ONE, NX        // tie to even
    t_ff 3, fadd.d, rmm, ONE, P2M53, ONE_UP, NX     // tie away from zero
    t_ff 4, fadd.d, rtz, ONE, P2M53, ONE, NX
    t_ff 5, fadd.d, rdn, ONE, P2M53, ONE, NX
    t_ff 6, fadd.d, rup, ONE, P2M53, ONE_UP, NX
    t_ff 7, fsub.d, rne, NEG_ONE, P2M53, NEG_ONE, NX
    t_ff 8, fsub.d, rmm, NEG_ONE, P2M53, 0xbff0000000000001, NX
    t_ff 9, fsub.d, rdn, NEG_ONE, P2M53, 0xbff0000000000001, NX
    t_ff 10, fsub.d, rup, NEG_ONE, P2M53, NEG_ONE, NX
    t_ff 11, fadd.d, rne, ONE_UP, P2M53, 0x3ff0000000000002, NX  // odd: tie rounds up
    t_ff 12, fsub.d, rne, 0x3ff8000000000000, 0x3ff8000000000000, 0, 0
    t_ff 13, fsub.d, rdn, 0x3ff8000000000000, 0x3ff8000000000000, NEG_ZERO, 0
    t_ff 14, fadd.d, rne, NEG_ZERO, NEG_ZERO, NEG_ZERO, 0
    t_ff 15, fadd.d, rup, 0, NEG_ZERO, 0, 0
    t_ff 16, fadd.d, rdn, 0, NEG_ZERO, NEG_ZERO, 0
    t_ff 17, fadd.d, rne, MIN_SUB, MIN_SUB, 2, 0    // subnormal sums are exact
    t_ff 18, fsub.d, rne, MIN_NORM, MIN_SUB, MAX_SUB, 0
    t_ff 19, fadd.d, rne, MAX, MAX, INF, OF | NX
    t_ff 20, fadd.d, rtz, MAX, MAX, MAX, OF | NX
    t_ff 21, fadd.d, rdn, MAX, MAX, MAX, OF | NX
    t_ff 22, fadd.d, rup, MAX, MAX, INF, OF | NX
    t_ff 23, fadd.d, rdn, NEG_MAX, NEG_MAX, NEG_INF, OF | NX
    t_ff 24, fadd.d, rup, NEG_MAX, NEG_MAX, NEG_MAX, OF | NX
    t_ff 25, fadd.d, rne, INF, NEG_INF, CNAN_D, NV
    t_ff 26, fadd.d, rne, 0x7ff8000000000123, ONE, CNAN_D, 0  // no payload propagation
    t_ff 27, fadd.d, rne, SNAN, ONE, CNAN_D, NV
    t_ff 28, fadd.d, rne, 0xfff8000000000000, ONE, CNAN_D, 0
    t_ff 29, fadd.d, rne, INF, INF, INF, 0

    // ---- fmul.d: tininess after rounding, exact tiny results, underflow to 0 ----
    t_ff 30, fmul.d, rne, TINY_A, TINY_B, MIN_NORM, NX  // rounds up to 2^-1022: not tiny
    t_ff 31, fmul.d, rtz, TINY_A, TINY_B, MAX_SUB, UF | NX
    t_ff 32, fmul.d, rdn, TINY_A, TINY_B, MAX_SUB, UF | NX
    t_ff 33, fmul.d, rup, TINY_A, TINY_B, MIN_NORM, NX
    t_ff 34, fmul.d, rmm, TINY_A, TINY_B, MIN_NORM, NX
    t_ff 35, fmul.d, rne, MIN_NORM, HALF, 0x0008000000000000, 0  // tiny but exact
    t_ff 36, fmul.d, rne, MIN_SUB, HALF, 0, UF | NX
    t_ff 37, fmul.d, rmm, MIN_SUB, HALF, MIN_SUB, UF | NX
    t_ff 38, fmul.d, rup, MIN_SUB, HALF, MIN_SUB, UF | NX
    t_ff 39, fmul.d, rdn, MIN_SUB, NEG_HALF, 0x8000000000000001, UF | NX
    t_ff 40, fmul.d, rne, INF, 0, CNAN_D, NV
    t_ff 41, fmul.d, rne, NEG_ONE, 0, NEG_ZERO, 0
    t_ff 42, fmul.d, rne, 0x7fe0000000000000, TWO, INF, OF | NX
    t_ff 43, fmul.d, rtz, 0x7fe0000000000000, 0xc000000000000000, NEG_MAX, OF | NX

    // ---- fdiv.d / fsqrt.d ----
    t_ff 44, fdiv.d, rne, ONE, 0x4008000000000000, 0x3fd5555555555555, NX
    t_ff 45, fdiv.d, rup, ONE, 0x4008000000000000, 0x3fd5555555555556, NX
    t_ff 46, fdiv.d, rdn, NEG_ONE, 0x4008000000000000, 0xbfd5555555555556, NX
    t_ff 47, fdiv.d, rmm, NEG_ONE, 0x4008000000000000, 0xbfd5555555555555, NX
    t_ff 48, fdiv.d, rne, ONE, 0, INF, DZ
    t_ff 49, fdiv.d, rne, ONE, NEG_ZERO, NEG_INF, DZ
    t_ff 50, fdiv.d, rne, 0, 0, CNAN_D, NV
    t_ff 51, fdiv.d, rne, INF, NEG_INF, CNAN_D, NV
    t_ff 52, fdiv.d, rne, INF, 0, INF, 0
    t_ff 53, fdiv.d, rne, QNAN, 0, CNAN_D, 0
    t_ff 54, fdiv.d, rne, MIN_NORM, 0x4008000000000000, 0x0005555555555555, UF | NX
    t_f 55, fsqrt.d, rne, 0x4010000000000000, TWO, 0
    t_f 56, fsqrt.d, rne, TWO, 0x3ff6a09e667f3bcd, NX
    t_f 57, fsqrt.d, rtz, TWO, 0x3ff6a09e667f3bcc, NX
    t_f 58, fsqrt.d, rmm, TWO, 0x3ff6a09e667f3bcd, NX
    t_f 59, fsqrt.d, rne, MIN_SUB, 0x1e60000000000000, 0
    t_f 60, fsqrt.d, rne, NEG_ZERO, NEG_ZERO, 0
    t_f 61, fsqrt.d, rne, NEG_ONE, CNAN_D, NV
    t_f 62, fsqrt.d, rne, NEG_INF, CNAN_D, NV
    t_f 63, fsqrt.d, rne, INF, INF, 0
    t_f 64, fsqrt.d, rne, SNAN, CNAN_D, NV

    // ---- fused multiply-add: one rounding ----
    // (1 + 2^-30)(1 - 2^-30) - 1 = -2^-60 exactly; rounding the product first gives 0.
    t_fff 65, fmadd.d, rne, 0x3ff0000000400000, 0x3fefffffff800000, NEG_ONE, 0xbc30000000000000, 0
    t_fff 66, fmsub.d, rne, 0x3ff0000000400000, 0x3fefffffff800000, ONE, 0xbc30000000000000, 0
    t_fff 67, fnmsub.d, rne, 0x3ff0000000400000, 0x3fefffffff800000, ONE, 0x3c30000000000000, 0
    t_fff 68, fnmadd.d, rne, 0x3ff0000000400000, 0x3fefffffff800000, NEG_ONE, 0x3c30000000000000, 0
    t_fff 69, fmadd.d, rne, TWO, 0x4008000000000000, ONE, 0x401c000000000000, 0
    t_fff 70, fmsub.d, rne, TWO, 0x4008000000000000, ONE, 0x4014000000000000, 0
    t_fff 71, fnmsub.d, rne, TWO, 0x4008000000000000, ONE, 0xc014000000000000, 0
    t_fff 72, fnmadd.d, rne, TWO, 0x4008000000000000, ONE, 0xc01c000000000000, 0
    t_fff 73, fnmadd.d, rne, ONE, ONE, NEG_ONE, 0, 0          // -1 + 1 = +0
    t_fff 74, fnmadd.d, rdn, ONE, ONE, NEG_ONE, NEG_ZERO, 0
    t_fff 75, fnmadd.d, rne, 0, ONE, 0, NEG_ZERO, 0           // -0 + -0 = -0
    t_fff 76, fmsub.d, rdn, ONE, ONE, ONE, NEG_ZERO, 0
    t_fff 77, fmadd.d, rne, INF, 0, QNAN, CNAN_D, NV          // inf*0 + qNaN: NV
    t_fff 78, fmadd.d, rne, INF, ONE, NEG_INF, CNAN_D, NV
    t_fff 79, fmadd.d, rne, QNAN, 0, INF, CNAN_D, 0
    t_fff 80, fmadd.d, rne, ONE, ONE, SNAN, CNAN_D, NV
    t_fff 81, fmadd.d, rup, ONE_UP, ONE_UP, 0x3960000000000000, 0x3ff0000000000003, NX
    t_fff 82, fmadd.d, rne, ONE_UP, ONE_UP, 0x3960000000000000, 0x3ff0000000000002, NX
    t_fff 83, fmadd.d, rne, MAX, TWO, NEG_ONE, INF, OF | NX
    t_fff 84, fmadd.d, rne, MAX, TWO, NEG_MAX, MAX, 0         // the product alone overflows
    t_fff 85, fmadd.d, rne, TINY_A, TINY_B, 0x8000000000000001, MAX_SUB, UF | NX
    t_fff 86, fmadd.d, rup, MIN_SUB, HALF, 0, MIN_SUB, UF | NX

    // ---- float to integer: rounding, saturation, NV alone when invalid ----
    t_xf 87, fcvt.w.d, rne, QNAN, 0x7fffffff, NV
    t_xf 88, fcvt.w.d, rne, INF, 0x7fffffff, NV
    t_xf 89, fcvt.w.d, rne, NEG_INF, 0xffffffff80000000, NV
    t_xf 90, fcvt.w.d, rtz, 0x41dfffffffe00000, 0x7fffffff, NX   // 2^31 - 0.5
    t_xf 91, fcvt.w.d, rne, 0x41dfffffffe00000, 0x7fffffff, NV   // rounds to 2^31
    t_xf 92, fcvt.w.d, rne, 0xc1e0000000100000, 0xffffffff80000000, NX  // -2^31 - 0.5
    t_xf 93, fcvt.w.d, rdn, 0xc1e0000000100000, 0xffffffff80000000, NV
    t_xf 94, fcvt.w.d, rmm, 0xc1e0000000100000, 0xffffffff80000000, NV
    t_xf 95, fcvt.w.d, rmm, 0x4004000000000000, 3, NX            // 2.5
    t_xf 96, fcvt.w.d, rne, 0xc004000000000000, -2, NX           // -2.5
    t_xf 97, fcvt.w.d, rup, 0xc004000000000000, -2, NX
    t_xf 98, fcvt.w.d, rdn, 0xc004000000000000, -3, NX
    t_xf 99, fcvt.w.d, rtz, 0xc004000000000000, -2, NX
    t_xf 100, fcvt.w.d, rne, NEG_HALF, 0, NX
    t_xf 101, fcvt.w.d, rdn, NEG_HALF, -1, NX
    t_xf 102, fcvt.wu.d, rne, NEG_HALF, 0, NX   // rounds to -0: valid
    t_xf 103, fcvt.wu.d, rtz, NEG_HALF, 0, NX
    t_xf 104, fcvt.wu.d, rup, NEG_HALF, 0, NX
    t_xf 105, fcvt.wu.d, rdn, NEG_HALF, 0, NV   // rounds to -1: invalid
    t_xf 106, fcvt.wu.d, rmm, NEG_HALF, 0, NV
    t_xf 107, fcvt.wu.d, rne, NEG_ONE, 0, NV
    t_xf 108, fcvt.wu.d, rne, QNAN, -1, NV      // 2^32 - 1 sign-extended
    t_xf 109, fcvt.wu.d, rne, 0x41e65a0bc0000000, 0xffffffffb2d05e00, 0  // 3e9, sign-extended
    t_xf 110, fcvt.wu.d, rne, 0x41f0000000000000, -1, NV                 // 2^32
    t_xf 111, fcvt.wu.d, rne, NEG_ZERO, 0, 0
    t_xf 112, fcvt.l.d, rne, QNAN, 0x7fffffffffffffff, NV
    t_xf 113, fcvt.l.d, rne, 0xc3e0000000000000, 0x8000000000000000, 0   // -2^63
    t_xf 114, fcvt.l.d, rne, 0x43e0000000000000, 0x7fffffffffffffff, NV  // 2^63
    t_xf 115, fcvt.l.d, rne, NEG_INF, 0x8000000000000000, NV
    t_xf 116, fcvt.l.d, rne, 0x43dfffffffffffff, 0x7ffffffffffffc00, 0
    t_xf 117, fcvt.lu.d, rne, 0x43f0000000000000, -1, NV                 // 2^64
    t_xf 118, fcvt.lu.d, rne, 0x43efffffffffffff, 0xfffffffffffff800, 0
    t_xf 119, fcvt.lu.d, rdn, NEG_HALF, 0, NV
    t_xf 120, fcvt.lu.d, rne, NEG_INF, 0, NV
    t_xf 121, fcvt.l.d, rup, 0x01a56e1fc2f8f359, 1, NX                   // 1e-300

    // ---- integer to double ----
    t_fx 122, fcvt.d.l, rne, 0x20000000000001, 0x4340000000000000, NX  // 2^53 + 1
    t_fx 123, fcvt.d.l, rmm, 0x20000000000001, 0x4340000000000001, NX
    t_fx 124, fcvt.d.l, rup, 0x20000000000001, 0x4340000000000001, NX
    t_fx 125, fcvt.d.l, rne, 0x8000000000000000, 0xc3e0000000000000, 0
    t_fx 126, fcvt.d.lu, rne, -1, 0x43f0000000000000, NX
    t_fx 127, fcvt.d.lu, rtz, -1, 0x43efffffffffffff, NX
    t_fxn 128, fcvt.d.w, 0x1234567880000000, 0xc1e0000000000000, 0     // uses bits 31:0
    t_fxn 129, fcvt.d.wu, 0xffffffff, 0x41efffffffe00000, 0
    t_fxn 130, fcvt.d.wu, 0x1234567800000000, 0, 0
    t_fx 131, fcvt.d.l, rne, -3, 0xc008000000000000, 0

    // ---- between formats ----
    t_f 132, fcvt.s.d, rne, 0x3fd5555555555555, B(0x3eaaaaab), NX
    t_f 133, fcvt.s.d, rtz, 0x3fd5555555555555, B(0x3eaaaaaa), NX
    t_f 134, fcvt.s.d, rne, MAX, B(0x7f800000), OF | NX
    t_f 135, fcvt.s.d, rtz, MAX, B(0x7f7fffff), OF | NX
    t_f 136, fcvt.s.d, rne, 0x3690000000000000, B(0), UF | NX           // 2^-150
    t_f 137, fcvt.s.d, rmm, 0x3690000000000000, B(1), UF | NX
    t_f 138, fcvt.s.d, rne, 0x380ffffff0000000, B(0x00800000), NX       // (1 - 2^-25) 2^-126
    t_f 139, fcvt.s.d, rtz, 0x380ffffff0000000, B(0x007fffff), UF | NX
    t_f 140, fcvt.s.d, rne, SNAN, CNAN_S, NV
    t_f 141, fcvt.s.d, rne, 0x36a0000000000000, B(1), 0                 // 2^-149
    t_fn 142, fcvt.d.s, B(0x7f800001), CNAN_D, NV
    t_fn 143, fcvt.d.s, B(1), 0x36a0000000000000, 0
    t_fn 144, fcvt.d.s, ONE, CNAN_D, 0                                  // not NaN-boxed
    t_fn 145, fcvt.d.s, B(0xff800000), NEG_INF, 0

    // ---- fmin.d / fmax.d ----
    t_ffn 146, fmin.d, NEG_ZERO, 0, NEG_ZERO, 0
    t_ffn 147, fmin.d, 0, NEG_ZERO, NEG_ZERO, 0
    t_ffn 148, fmax.d, NEG_ZERO, 0, 0, 0
    t_ffn 149, fmin.d, QNAN, ONE, ONE, 0
    t_ffn 150, fmin.d, SNAN, ONE, ONE, NV
    t_ffn 151, fmax.d, 0x7ff8000000000042, QNAN, CNAN_D, 0
    t_ffn 152, fmax.d, SNAN, QNAN, CNAN_D, NV
    t_ffn 153, fmax.d, NEG_ONE, 0xc000000000000000, NEG_ONE, 0

    // ---- comparisons ----
    t_xff 154, feq.d, QNAN, QNAN, 0, 0       // quiet
    t_xff 155, feq.d, SNAN, ONE, 0, NV
    t_xff 156, flt.d, QNAN, ONE, 0, NV       // signaling
    t_xff 157, fle.d, ONE, QNAN, 0, NV
    t_xff 158, feq.d, 0, NEG_ZERO, 1, 0
    t_xff 159, flt.d, NEG_ZERO, 0, 0, 0
    t_xff 160, fle.d, NEG_ZERO, 0, 1, 0
    t_xff 161, flt.d, 0xc000000000000000, NEG_ONE, 1, 0
    t_xff 162, flt.d, NEG_ONE, 0xc000000000000000, 0, 0
    t_xff 163, fle.d, INF, INF, 1, 0

    // ---- fclass.d: all ten classes ----
    t_xfn 164, fclass.d, NEG_INF, 1 << 0, 0
    t_xfn 165, fclass.d, NEG_ONE, 1 << 1, 0
    t_xfn 166, fclass.d, 0x800fffffffffffff, 1 << 2, 0
    t_xfn 167, fclass.d, NEG_ZERO, 1 << 3, 0
    t_xfn 168, fclass.d, 0, 1 << 4, 0
    t_xfn 169, fclass.d, MIN_SUB, 1 << 5, 0
    t_xfn 170, fclass.d, MIN_NORM, 1 << 6, 0
    t_xfn 171, fclass.d, INF, 1 << 7, 0
    t_xfn 172, fclass.d, SNAN, 1 << 8, 0
    t_xfn 173, fclass.d, QNAN, 1 << 9, 0

    // ---- sign injection and moves: bits only, no flags ----
    t_ffn 174, fsgnj.d, ONE, 0xc000000000000000, NEG_ONE, 0
    t_ffn 175, fsgnjn.d, SNAN, ONE, 0xfff0000000000001, 0
    t_ffn 176, fsgnjx.d, NEG_ONE, 0xc000000000000000, ONE, 0
    t_xfn 177, fmv.x.d, 0x7ff0123456789abc, 0x7ff0123456789abc, 0

    // ---- fld / fsd (and the compressed forms): bits only ----
    la a3, fp_data
    fld fa4, 0(a3)
    fsd fa4, 16(a3)
    ld a0, 16(a3)
    li a1, 0
    fp_check 178, 0x7ff0000000000001, 0       // a signaling NaN passes untouched
    c.fld fa5, 8(a3)
    c.fsd fa5, 24(a3)
    ld a0, 24(a3)
    fp_check 179, 0x0123456789abcdef, 0
    addi sp, sp, -16
    c.fsdsp fa4, 8(sp)
    c.fldsp fa1, 8(sp)
    addi sp, sp, 16
    fmv.x.d a0, fa1
    fp_check 180, 0x7ff0000000000001, 0
    // An access fault leaves the register unchanged.
    TRAP_ARM
    fp_load fa1, ONE
    li a3, UNMAPPED_ADDR
.Lfld_fault:
    fld fa1, 0(a3)
    CHECK_TRAP(181, CAUSE_LOAD_ACCESS, .Lfld_fault, UNMAPPED_ADDR)
    fmv.x.d a0, fa1
    CHECK_EQ(a0, ONE, 182)
.Lfsd_fault:
    fsd fa1, 8(a3)
    CHECK_TRAP(183, CAUSE_STORE_ACCESS, .Lfsd_fault, UNMAPPED_ADDR + 8)
    TRAP_DISARM

    // ---- dynamic rounding mode (frm), and sticky flags ----
    li a3, 3                                  // RUP
    fsrm a3
    t_ff 184, fadd.d, dyn, ONE, P2M53, ONE_UP, NX
    fsrmi 4                                   // RMM
    t_xf 185, fcvt.w.d, dyn, 0x4004000000000000, 3, NX
    fsrmi 2                                   // RDN
    t_ff 186, fdiv.d, dyn, NEG_ONE, 0x4008000000000000, 0xbfd5555555555556, NX
    fsrmi 1                                   // RTZ
    t_f 187, fsqrt.d, dyn, TWO, 0x3ff6a09e667f3bcc, NX
    frrm a0
    CHECK_EQ(a0, 1, 188)
    // Flags accumulate: NX then DZ, fcsr = frm << 5 | fflags.
    fsflags zero
    fp_load fa1, ONE
    fp_load fa2, 0x4008000000000000
    fdiv.d fa0, fa1, fa2
    fmv.d.x fa2, zero
    fdiv.d fa0, fa1, fa2
    frcsr a0
    CHECK_EQ(a0, (1 << 5) | DZ | NX, 189)
    fsrmi 0
    PASS

    .data
    .balign 8
fp_data:
    .dword 0x7ff0000000000001, 0x0123456789abcdef, 0, 0
