// F and D arithmetic (unprivileged spec, chapters "F" and "D", with the v2.2 NaN rules),
// bit-exact with IEEE 754-2008 as RISC-V specifies it: tininess is detected after rounding,
// underflow is raised only for a tiny and inexact result, every NaN an arithmetic op produces
// is the canonical NaN (no payload propagation), and out-of-range float-to-integer
// conversions saturate.
//
// Every function is pure: it takes f-register bits (u64) or x-register values, an effective
// rounding mode (0..4; the caller resolves the dynamic mode 7 through frm and rejects 5..7),
// and ORs the exception flags it raises into `flags` (fflags bit layout). `flags` may come in
// holding the guest's current fflags: an op may then skip working out a flag that is already
// set (NX, typically), which never changes its result. Single-precision operands are unboxed
// here (an f register holds a valid single only when its upper 32 bits are all ones,
// otherwise it reads as the canonical NaN, spec 12.2 "NaN Boxing of Narrower Values") and
// single-precision results come back NaN-boxed.
//
// The rounding ops (add, sub, mul, div, sqrt, the fused multiply-adds, fcvt.s.d) use the
// host SSE unit where it is exact: a fast path for RNE with finite operands whose result
// cannot underflow, and an MXCSR path for RNE/RTZ/RDN/RUP that reads the host's IEEE flags;
// RMM, NaN operands and non-x86 hosts use the software implementation in `soft` (fpu.cpp
// explains the tiers). The fast path assumes the calling thread runs with the default MXCSR
// control bits (round to nearest, no FTZ/DAZ), as the x86-64 ABI sets them up and treats them
// as callee-saved; the MXCSR path restores MXCSR after every op. Everything else
// (conversions to and from integers, comparisons, min/max, fclass) is exact integer code.
#pragma once

#include "base/types.hpp"

namespace rvisor::cpu::fpu {

// fflags bits (spec 11.2, "Floating-Point Control and Status Register").
inline constexpr u32 kNX = 1u << 0;  // inexact
inline constexpr u32 kUF = 1u << 1;  // underflow
inline constexpr u32 kOF = 1u << 2;  // overflow
inline constexpr u32 kDZ = 1u << 3;  // divide by zero
inline constexpr u32 kNV = 1u << 4;  // invalid operation
inline constexpr u32 kAllFlags = 0x1f;

// Rounding modes (the rm field and frm; 5 and 6 are reserved, 7 selects frm).
inline constexpr unsigned kRne = 0;  // to nearest, ties to even
inline constexpr unsigned kRtz = 1;  // toward zero
inline constexpr unsigned kRdn = 2;  // down (toward -inf)
inline constexpr unsigned kRup = 3;  // up (toward +inf)
inline constexpr unsigned kRmm = 4;  // to nearest, ties away from zero

inline constexpr u32 kCanonicalNanS = 0x7fc00000u;
inline constexpr u64 kCanonicalNanD = 0x7ff8000000000000ull;
inline constexpr u64 kBoxHigh = 0xffffffff00000000ull;

// NaN boxing (spec 12.2).
constexpr u64 box_s(u32 v) {
    return kBoxHigh | v;
}
constexpr u32 unbox_s(u64 r) {
    return (r >> 32) == 0xffffffffu ? static_cast<u32>(r) : kCanonicalNanS;
}

constexpr bool is_nan_s(u32 v) {
    return (v & 0x7fffffffu) > 0x7f800000u;
}
constexpr bool is_nan_d(u64 v) {
    return (v & 0x7fffffffffffffffull) > 0x7ff0000000000000ull;
}

// ---- rounding arithmetic ---------------------------------------------------------------
u64 add_s(u64 a, u64 b, unsigned rm, u32& flags);
u64 sub_s(u64 a, u64 b, unsigned rm, u32& flags);
u64 mul_s(u64 a, u64 b, unsigned rm, u32& flags);
u64 div_s(u64 a, u64 b, unsigned rm, u32& flags);
u64 sqrt_s(u64 a, unsigned rm, u32& flags);
// Fused, one rounding: madd = a*b+c, msub = a*b-c, nmsub = -(a*b)+c, nmadd = -(a*b)-c.
u64 madd_s(u64 a, u64 b, u64 c, unsigned rm, u32& flags);
u64 msub_s(u64 a, u64 b, u64 c, unsigned rm, u32& flags);
u64 nmsub_s(u64 a, u64 b, u64 c, unsigned rm, u32& flags);
u64 nmadd_s(u64 a, u64 b, u64 c, unsigned rm, u32& flags);

u64 add_d(u64 a, u64 b, unsigned rm, u32& flags);
u64 sub_d(u64 a, u64 b, unsigned rm, u32& flags);
u64 mul_d(u64 a, u64 b, unsigned rm, u32& flags);
u64 div_d(u64 a, u64 b, unsigned rm, u32& flags);
u64 sqrt_d(u64 a, unsigned rm, u32& flags);
u64 madd_d(u64 a, u64 b, u64 c, unsigned rm, u32& flags);
u64 msub_d(u64 a, u64 b, u64 c, unsigned rm, u32& flags);
u64 nmsub_d(u64 a, u64 b, u64 c, unsigned rm, u32& flags);
u64 nmadd_d(u64 a, u64 b, u64 c, unsigned rm, u32& flags);

// ---- min/max, comparisons, classification (spec 11.6, 11.8, 11.9) -----------------------
// minimumNumber/maximumNumber: one NaN operand gives the other operand, two give the
// canonical NaN, -0.0 < +0.0; a signaling NaN operand raises NV.
u64 min_s(u64 a, u64 b, u32& flags);
u64 max_s(u64 a, u64 b, u32& flags);
u64 min_d(u64 a, u64 b, u32& flags);
u64 max_d(u64 a, u64 b, u32& flags);
// 1 or 0. eq is a quiet comparison (NV only for signaling NaNs); lt and le are signaling
// (NV for any NaN).
u64 eq_s(u64 a, u64 b, u32& flags);
u64 lt_s(u64 a, u64 b, u32& flags);
u64 le_s(u64 a, u64 b, u32& flags);
u64 eq_d(u64 a, u64 b, u32& flags);
u64 lt_d(u64 a, u64 b, u32& flags);
u64 le_d(u64 a, u64 b, u32& flags);
// FCLASS: one of bits 0..9 (-inf, -normal, -subnormal, -0, +0, +subnormal, +normal, +inf,
// signaling NaN, quiet NaN).
u64 classify_s(u64 a);
u64 classify_d(u64 a);

// ---- conversions (spec 11.7, 12.5) -------------------------------------------------------
// Float to integer: rounded per rm; NaN and too-large values give the maximum, too-small
// values the minimum, both with NV only. The W and WU results are sign-extended from bit 31.
u64 cvt_w_s(u64 a, unsigned rm, u32& flags);
u64 cvt_wu_s(u64 a, unsigned rm, u32& flags);
u64 cvt_l_s(u64 a, unsigned rm, u32& flags);
u64 cvt_lu_s(u64 a, unsigned rm, u32& flags);
u64 cvt_w_d(u64 a, unsigned rm, u32& flags);
u64 cvt_wu_d(u64 a, unsigned rm, u32& flags);
u64 cvt_l_d(u64 a, unsigned rm, u32& flags);
u64 cvt_lu_d(u64 a, unsigned rm, u32& flags);
// Integer (an x-register value; W forms use bits 31:0) to float.
u64 cvt_s_w(u64 x, unsigned rm, u32& flags);
u64 cvt_s_wu(u64 x, unsigned rm, u32& flags);
u64 cvt_s_l(u64 x, unsigned rm, u32& flags);
u64 cvt_s_lu(u64 x, unsigned rm, u32& flags);
u64 cvt_d_w(u64 x, unsigned rm, u32& flags);
u64 cvt_d_wu(u64 x, unsigned rm, u32& flags);
u64 cvt_d_l(u64 x, unsigned rm, u32& flags);
u64 cvt_d_lu(u64 x, unsigned rm, u32& flags);
// Between formats. Widening is exact (no rm).
u64 cvt_s_d(u64 a, unsigned rm, u32& flags);
u64 cvt_d_s(u64 a, u32& flags);

// ---- bit moves: no flags, no canonicalisation (spec 11.6, 11.7, 12.5) -------------------
// Sign injection works on the unboxed single, so a non-boxed input is the canonical NaN.
constexpr u64 sgnj_s(u64 a, u64 b) {
    return box_s((unbox_s(a) & 0x7fffffffu) | (unbox_s(b) & 0x80000000u));
}
constexpr u64 sgnjn_s(u64 a, u64 b) {
    return box_s((unbox_s(a) & 0x7fffffffu) | (~unbox_s(b) & 0x80000000u));
}
constexpr u64 sgnjx_s(u64 a, u64 b) {
    return box_s(unbox_s(a) ^ (unbox_s(b) & 0x80000000u));
}
constexpr u64 kSignD = 1ull << 63;
constexpr u64 sgnj_d(u64 a, u64 b) {
    return (a & ~kSignD) | (b & kSignD);
}
constexpr u64 sgnjn_d(u64 a, u64 b) {
    return (a & ~kSignD) | (~b & kSignD);
}
constexpr u64 sgnjx_d(u64 a, u64 b) {
    return a ^ (b & kSignD);
}
// FMV.X.W copies bits 31:0 sign-extended without checking the boxing; FMV.W.X boxes.
constexpr u64 mv_x_w(u64 f) {
    return static_cast<u64>(static_cast<i64>(static_cast<i32>(static_cast<u32>(f))));
}
constexpr u64 mv_w_x(u64 x) {
    return box_s(static_cast<u32>(x));
}

// The software implementation of every op that rounds, exact for all five rounding modes
// and all operands. The functions above use it where the host cannot be exact; unit tests
// compare the host paths against it. Same conventions as above.
namespace soft {
u64 add_s(u64 a, u64 b, unsigned rm, u32& flags);
u64 sub_s(u64 a, u64 b, unsigned rm, u32& flags);
u64 mul_s(u64 a, u64 b, unsigned rm, u32& flags);
u64 div_s(u64 a, u64 b, unsigned rm, u32& flags);
u64 sqrt_s(u64 a, unsigned rm, u32& flags);
u64 madd_s(u64 a, u64 b, u64 c, unsigned rm, u32& flags);
u64 add_d(u64 a, u64 b, unsigned rm, u32& flags);
u64 sub_d(u64 a, u64 b, unsigned rm, u32& flags);
u64 mul_d(u64 a, u64 b, unsigned rm, u32& flags);
u64 div_d(u64 a, u64 b, unsigned rm, u32& flags);
u64 sqrt_d(u64 a, unsigned rm, u32& flags);
u64 madd_d(u64 a, u64 b, u64 c, unsigned rm, u32& flags);
u64 cvt_s_d(u64 a, unsigned rm, u32& flags);
}  // namespace soft

// Whether the rounding ops use the host FPU (x86-64 SSE) and its FMA3 unit. Without FMA3
// the fused ops are software and mul/div/sqrt take the MXCSR path to learn NX.
bool host_arithmetic_available();
bool host_fma_available();

}  // namespace rvisor::cpu::fpu
