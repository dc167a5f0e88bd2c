// The rounding F/D ops: the host SSE unit where it is exact, the software implementation
// (fpu_soft.cpp) elsewhere. Three tiers, cheapest first:
//
//  1. Fast path: RNE, finite operands, a result far enough from the subnormal range that it
//     cannot underflow. The host computes the result in its default rounding mode and the
//     only flag that can arise, NX, comes from an error-free transformation (TwoSum for
//     add/sub; the exact residual a*b - p, a - q*b or a - r*r through FMA for mul/div/sqrt;
//     a comparison in double for singles, whose products are exact there). When NX is
//     already set in `flags` even that is skipped; the fused multiply-adds, which have no
//     cheap exactness test, take this path only then. No MXCSR access: the STMXCSR/LDMXCSR
//     round trip costs far more than the arithmetic (measured about 30 ns per op on an AMD
//     EPYC host, against 3-8 ns for this path).
//  2. MXCSR path: the four IEEE modes x86 has, any non-NaN operands. MXCSR.RC is set for the
//     op and the host's own sticky flags are read back. SSE arithmetic (and FMA3) is
//     correctly rounded in every RC mode, and with all exceptions masked its flags are
//     IEEE's: IE for invalid (including a signaling NaN operand), ZE, OE (with PE), and UE
//     only for a tiny *and* inexact result with tininess detected after rounding, as RISC-V
//     requires (spec 11.2). A NaN result (only an invalid op makes one here) is replaced by
//     the canonical NaN.
//  3. Software: RMM (x86 has no ties-away mode), NaN operands (x86 propagates payloads, and
//     its FMA need not raise NV for inf*0 + qNaN), FMA on CPUs without FMA3, non-x86 hosts.
//
// Tier 1 relies on the host thread's default MXCSR control bits (round to nearest, no FTZ or
// DAZ), which the x86-64 SysV ABI establishes and treats as callee-saved; rvisor only
// changes them inside MxcsrScope, which restores them. The unit tests check tiers 1 and 2
// against tier 3 on edge and random operands.
#include <bit>
#include <cfloat>
#include <type_traits>

#include "cpu/fpu.hpp"

#if defined(__x86_64__)
#define RVISOR_FPU_HOST 1
#else
#define RVISOR_FPU_HOST 0
#endif

#if RVISOR_FPU_HOST
#if defined(__FAST_MATH__)
#error "fpu.cpp relies on exact IEEE arithmetic; do not build it with -ffast-math"
#endif
static_assert(FLT_EVAL_METHOD == 0, "float and double expressions must evaluate in their own type");
#endif

namespace rvisor::cpu::fpu {

#if RVISOR_FPU_HOST
namespace {

// ---- tier 2: MXCSR ---------------------------------------------------------------------------

// MXCSR layout: flags IE DE ZE OE UE PE in bits 0..5, DAZ bit 6, masks bits 7..12, RC bits
// 13..14 (00 nearest, 01 down, 10 up, 11 toward zero), FTZ bit 15.
constexpr u32 kMxcsrAllMasked = 0x1f80;
constexpr u32 kMxcsrRc[4] = {0x0000 /*RNE*/, 0x6000 /*RTZ*/, 0x2000 /*RDN*/, 0x4000 /*RUP*/};

// Host FP work under a non-default MXCSR is inline asm: the compiler cannot move it across
// the MXCSR accesses (volatile asm statements keep their order) or constant-fold it.
inline u32 mxcsr_read() {
    u32 v;
    asm volatile("stmxcsr %0" : "=m"(v));
    return v;
}
inline void mxcsr_write(u32 v) {
    asm volatile("ldmxcsr %0" : : "m"(v));
}

// Sets MXCSR for one op in rounding mode rm (0..3), all exceptions masked, no FTZ/DAZ, no
// sticky flags; finish() returns the RISC-V flags the op raised and restores MXCSR.
class MxcsrScope {
  public:
    explicit MxcsrScope(unsigned rm) : saved_(mxcsr_read()) {
        const u32 want = kMxcsrAllMasked | kMxcsrRc[rm];
        if (saved_ != want) mxcsr_write(want);
    }
    u32 finish() {
        const u32 now = mxcsr_read();
        if (now != saved_) mxcsr_write(saved_);
        // DE (denormal operand) has no RISC-V counterpart.
        return ((now & 0x01) << 4)     // IE -> NV
               | ((now & 0x04) << 1)   // ZE -> DZ
               | ((now & 0x08) >> 1)   // OE -> OF
               | ((now & 0x10) >> 3)   // UE -> UF
               | ((now & 0x20) >> 5);  // PE -> NX
    }

  private:
    u32 saved_;
};

inline double d(u64 v) {
    return std::bit_cast<double>(v);
}
inline float f(u32 v) {
    return std::bit_cast<float>(v);
}
inline u64 bits(double v) {
    return std::bit_cast<u64>(v);
}
inline u64 bits(float v) {
    return box_s(std::bit_cast<u32>(v));
}

struct HostAdd {
    static double run(double a, double b) {
        asm volatile("addsd %1, %0" : "+x"(a) : "x"(b));
        return a;
    }
    static float run(float a, float b) {
        asm volatile("addss %1, %0" : "+x"(a) : "x"(b));
        return a;
    }
};
struct HostSub {
    static double run(double a, double b) {
        asm volatile("subsd %1, %0" : "+x"(a) : "x"(b));
        return a;
    }
    static float run(float a, float b) {
        asm volatile("subss %1, %0" : "+x"(a) : "x"(b));
        return a;
    }
};
struct HostMul {
    static double run(double a, double b) {
        asm volatile("mulsd %1, %0" : "+x"(a) : "x"(b));
        return a;
    }
    static float run(float a, float b) {
        asm volatile("mulss %1, %0" : "+x"(a) : "x"(b));
        return a;
    }
};
struct HostDiv {
    static double run(double a, double b) {
        asm volatile("divsd %1, %0" : "+x"(a) : "x"(b));
        return a;
    }
    static float run(float a, float b) {
        asm volatile("divss %1, %0" : "+x"(a) : "x"(b));
        return a;
    }
};
inline double host_sqrt(double a) {
    double r;
    asm volatile("sqrtsd %1, %0" : "=x"(r) : "x"(a));
    return r;
}
inline float host_sqrt(float a) {
    float r;
    asm volatile("sqrtss %1, %0" : "=x"(r) : "x"(a));
    return r;
}
// a*b + c with one rounding (FMA3; only called when the CPU has it).
inline double host_fma(double a, double b, double c) {
    asm volatile("vfmadd231sd %2, %1, %0" : "+x"(c) : "x"(a), "x"(b));
    return c;
}
inline float host_fma(float a, float b, float c) {
    asm volatile("vfmadd231ss %2, %1, %0" : "+x"(c) : "x"(a), "x"(b));
    return c;
}
inline float host_cvt_s_d(double a) {
    float r;
    asm volatile("cvtsd2ss %1, %0" : "=x"(r) : "x"(a));
    return r;
}

// The host result as RISC-V bits: a NaN becomes the canonical NaN.
inline u64 result_d(double r) {
    const u64 v = bits(r);
    return is_nan_d(v) ? kCanonicalNanD : v;
}
inline u64 result_s(float r) {
    const u32 v = std::bit_cast<u32>(r);
    return box_s(is_nan_s(v) ? kCanonicalNanS : v);
}

// FMA3 needs the CPU feature and the OS's AVX state support; libgcc checks both.
const bool kHostFma = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("fma") != 0;
}();

template <class Op>
u64 mxcsr_binary_d(u64 a, u64 b, unsigned rm, u32& flags) {
    MxcsrScope scope(rm);
    const double r = Op::run(d(a), d(b));
    flags |= scope.finish();
    return result_d(r);
}
template <class Op>
u64 mxcsr_binary_s(u32 a, u32 b, unsigned rm, u32& flags) {
    MxcsrScope scope(rm);
    const float r = Op::run(f(a), f(b));
    flags |= scope.finish();
    return result_s(r);
}
u64 mxcsr_sqrt_d(u64 a, unsigned rm, u32& flags) {
    MxcsrScope scope(rm);
    const double r = host_sqrt(d(a));
    flags |= scope.finish();
    return result_d(r);
}
u64 mxcsr_sqrt_s(u32 a, unsigned rm, u32& flags) {
    MxcsrScope scope(rm);
    const float r = host_sqrt(f(a));
    flags |= scope.finish();
    return result_s(r);
}
u64 mxcsr_fma_d(u64 a, u64 b, u64 c, unsigned rm, u32& flags) {
    MxcsrScope scope(rm);
    const double r = host_fma(d(a), d(b), d(c));
    flags |= scope.finish();
    return result_d(r);
}
u64 mxcsr_fma_s(u32 a, u32 b, u32 c, unsigned rm, u32& flags) {
    MxcsrScope scope(rm);
    const float r = host_fma(f(a), f(b), f(c));
    flags |= scope.finish();
    return result_s(r);
}

// ---- tier 1 helpers --------------------------------------------------------------------------

// Biased exponent fields.
inline unsigned exp_d(u64 v) {
    return static_cast<unsigned>(v >> 52) & 0x7ff;
}
inline unsigned exp_s(u32 v) {
    return (v >> 23) & 0xff;
}
inline bool finite_d(u64 v) {
    return exp_d(v) != 0x7ff;
}
inline bool finite_s(u32 v) {
    return exp_s(v) != 0xff;
}
inline bool zero_d(u64 v) {
    return (v << 1) == 0;
}
inline bool zero_s(u32 v) {
    return (v << 1) == 0;
}
// A result with biased exponent >= 2 (|r| >= 2 * least normal) cannot be tiny: tininess after
// rounding needs the unbounded-exponent rounding below 2^emin, and a delivered least normal
// may still come from such a value.
constexpr unsigned kNotTinyD = 2, kNotTinyS = 2;
// |x| >= 2^-968 (biased exponent 55): the exact residuals below are then multiples of at
// least 2^-1074 of at most 53 bits, so FMA computes them exactly.
constexpr unsigned kResidualSafeD = 55;

// Knuth's TwoSum: the exact error of s = a + b in round-to-nearest, for operands below 2^1023
// and a finite s (so no intermediate overflows). Exact also when s is subnormal.
template <typename T>
inline T two_sum_error(T a, T b, T s) {
    const T bb = s - a;
    return (a - (s - bb)) + (b - bb);
}

// Operands for the fast add: finite and below 2^1023 / 2^127 in magnitude.
inline bool add_fast_d(u64 a, u64 b) {
    return exp_d(a) < 0x7fe && exp_d(b) < 0x7fe;
}
inline bool add_fast_s(u32 a, u32 b) {
    return exp_s(a) < 0xfe && exp_s(b) < 0xfe;
}

}  // namespace

bool host_arithmetic_available() {
    return true;
}
bool host_fma_available() {
    return kHostFma;
}
#else
bool host_arithmetic_available() {
    return false;
}
bool host_fma_available() {
    return false;
}
#endif

// ---- double ----------------------------------------------------------------------------------

namespace {
// a + b for add and sub (b already negated for sub).
#if RVISOR_FPU_HOST
template <class Op>
inline u64 add_sub_d(u64 a, u64 b, unsigned rm, u32& flags) {
    if (RVISOR_LIKELY(rm == kRne && add_fast_d(a, b))) {
        const double x = d(a), y = std::is_same_v<Op, HostSub> ? -d(b) : d(b);
        const double s = x + y;
        if (RVISOR_LIKELY(finite_d(bits(s)))) {
            // A sum is exact when it is subnormal, so UF cannot arise; only NX.
            if (!(flags & kNX) && two_sum_error(x, y, s) != 0) flags |= kNX;
            return bits(s);
        }
    }
    if (rm != kRmm && !is_nan_d(a) && !is_nan_d(b)) return mxcsr_binary_d<Op>(a, b, rm, flags);
    return std::is_same_v<Op, HostSub> ? soft::sub_d(a, b, rm, flags)
                                       : soft::add_d(a, b, rm, flags);
}
#endif
}  // namespace

u64 add_d(u64 a, u64 b, unsigned rm, u32& flags) {
#if RVISOR_FPU_HOST
    return add_sub_d<HostAdd>(a, b, rm, flags);
#else
    return soft::add_d(a, b, rm, flags);
#endif
}
u64 sub_d(u64 a, u64 b, unsigned rm, u32& flags) {
#if RVISOR_FPU_HOST
    return add_sub_d<HostSub>(a, b, rm, flags);
#else
    return soft::sub_d(a, b, rm, flags);
#endif
}

u64 mul_d(u64 a, u64 b, unsigned rm, u32& flags) {
#if RVISOR_FPU_HOST
    if (RVISOR_LIKELY(rm == kRne && finite_d(a) && finite_d(b))) {
        const double x = d(a), y = d(b), p = x * y;
        const unsigned e = exp_d(bits(p));
        if (RVISOR_LIKELY(e >= kResidualSafeD && e < 0x7ff)) {
            if (flags & kNX) return bits(p);
            if (kHostFma) {
                if (host_fma(x, y, -p) != 0) flags |= kNX;
                return bits(p);
            }
        } else if (zero_d(a) || zero_d(b)) {
            return bits(p);  // an exact signed zero
        }
    }
    if (rm != kRmm && !is_nan_d(a) && !is_nan_d(b)) return mxcsr_binary_d<HostMul>(a, b, rm, flags);
#endif
    return soft::mul_d(a, b, rm, flags);
}

u64 div_d(u64 a, u64 b, unsigned rm, u32& flags) {
#if RVISOR_FPU_HOST
    if (RVISOR_LIKELY(rm == kRne && finite_d(a) && finite_d(b) && !zero_d(b))) {
        const double x = d(a), y = d(b), q = x / y;
        const unsigned e = exp_d(bits(q));
        if (RVISOR_LIKELY(exp_d(a) >= kResidualSafeD && e >= kNotTinyD && e < 0x7ff)) {
            if (flags & kNX) return bits(q);
            if (kHostFma) {
                if (host_fma(-q, y, x) != 0) flags |= kNX;  // the remainder a - q*b
                return bits(q);
            }
        } else if (zero_d(a)) {
            return bits(q);  // 0 / finite nonzero: an exact signed zero
        }
    }
    if (rm != kRmm && !is_nan_d(a) && !is_nan_d(b)) return mxcsr_binary_d<HostDiv>(a, b, rm, flags);
#endif
    return soft::div_d(a, b, rm, flags);
}

u64 sqrt_d(u64 a, unsigned rm, u32& flags) {
#if RVISOR_FPU_HOST
    if (RVISOR_LIKELY(rm == kRne)) {
        if (RVISOR_LIKELY(exp_d(a) >= kResidualSafeD && a < 0x7ff0000000000000ull)) {
            const double x = d(a), r = host_sqrt(x);
            if (flags & kNX) return bits(r);
            if (kHostFma) {
                if (host_fma(-r, r, x) != 0) flags |= kNX;
                return bits(r);
            }
        } else if (zero_d(a)) {
            return a;  // sqrt(+-0) = +-0
        }
    }
    if (rm != kRmm && !is_nan_d(a)) return mxcsr_sqrt_d(a, rm, flags);
#endif
    return soft::sqrt_d(a, rm, flags);
}

u64 madd_d(u64 a, u64 b, u64 c, unsigned rm, u32& flags) {
#if RVISOR_FPU_HOST
    if (kHostFma) {
        // No cheap exactness test exists for a fused result, so the fast path only serves
        // code whose NX is already set (the usual state of a running program).
        if (RVISOR_LIKELY(rm == kRne && (flags & kNX) && finite_d(a) && finite_d(b) &&
                          finite_d(c))) {
            const double r = host_fma(d(a), d(b), d(c));
            const unsigned e = exp_d(bits(r));
            if (RVISOR_LIKELY(e >= kNotTinyD && e < 0x7ff)) return bits(r);
        }
        if (rm != kRmm && !is_nan_d(a) && !is_nan_d(b) && !is_nan_d(c))
            return mxcsr_fma_d(a, b, c, rm, flags);
    }
#endif
    return soft::madd_d(a, b, c, rm, flags);
}
// The negated forms flip operand signs, which is exact and also right for NaNs (their
// result is canonical whatever the sign) and for zero sums (spec: FNMADD is -(a*b) - c).
u64 msub_d(u64 a, u64 b, u64 c, unsigned rm, u32& flags) {
    return madd_d(a, b, c ^ kSignD, rm, flags);
}
u64 nmsub_d(u64 a, u64 b, u64 c, unsigned rm, u32& flags) {
    return madd_d(a ^ kSignD, b, c, rm, flags);
}
u64 nmadd_d(u64 a, u64 b, u64 c, unsigned rm, u32& flags) {
    return madd_d(a ^ kSignD, b, c ^ kSignD, rm, flags);
}

u64 cvt_s_d(u64 a, unsigned rm, u32& flags) {
#if RVISOR_FPU_HOST
    if (RVISOR_LIKELY(rm == kRne && finite_d(a))) {
        const float r = static_cast<float>(d(a));
        const unsigned e = exp_s(std::bit_cast<u32>(r));
        if (RVISOR_LIKELY(e >= kNotTinyS && e < 0xff)) {
            if (static_cast<double>(r) != d(a)) flags |= kNX;
            return bits(r);
        }
        if (zero_d(a)) return bits(r);
    }
    if (rm != kRmm && !is_nan_d(a)) {
        MxcsrScope scope(rm);
        const float r = host_cvt_s_d(d(a));
        flags |= scope.finish();
        return result_s(r);
    }
#endif
    return soft::cvt_s_d(a, rm, flags);
}

// ---- single (operands unboxed first: a non-boxed register reads as the canonical NaN) -------

namespace {
#if RVISOR_FPU_HOST
template <class Op>
inline u64 add_sub_s(u64 ra, u64 rb, unsigned rm, u32& flags) {
    const u32 a = unbox_s(ra), b = unbox_s(rb);
    if (RVISOR_LIKELY(rm == kRne && add_fast_s(a, b))) {
        const float x = f(a), y = std::is_same_v<Op, HostSub> ? -f(b) : f(b);
        const float s = x + y;
        if (RVISOR_LIKELY(finite_s(std::bit_cast<u32>(s)))) {
            if (!(flags & kNX) && two_sum_error(x, y, s) != 0) flags |= kNX;
            return bits(s);
        }
    }
    if (rm != kRmm && !is_nan_s(a) && !is_nan_s(b)) return mxcsr_binary_s<Op>(a, b, rm, flags);
    return std::is_same_v<Op, HostSub> ? soft::sub_s(ra, rb, rm, flags)
                                       : soft::add_s(ra, rb, rm, flags);
}
#endif
}  // namespace

u64 add_s(u64 a, u64 b, unsigned rm, u32& flags) {
#if RVISOR_FPU_HOST
    return add_sub_s<HostAdd>(a, b, rm, flags);
#else
    return soft::add_s(a, b, rm, flags);
#endif
}
u64 sub_s(u64 a, u64 b, unsigned rm, u32& flags) {
#if RVISOR_FPU_HOST
    return add_sub_s<HostSub>(a, b, rm, flags);
#else
    return soft::sub_s(a, b, rm, flags);
#endif
}

// For singles the fast paths check exactness in double, where the product of two singles
// (48 bits) and the residuals below are exact.
u64 mul_s(u64 ra, u64 rb, unsigned rm, u32& flags) {
#if RVISOR_FPU_HOST
    const u32 a = unbox_s(ra), b = unbox_s(rb);
    if (RVISOR_LIKELY(rm == kRne && finite_s(a) && finite_s(b))) {
        const double exact = static_cast<double>(f(a)) * static_cast<double>(f(b));
        const float p = static_cast<float>(exact);  // the only rounding
        const unsigned e = exp_s(std::bit_cast<u32>(p));
        if (RVISOR_LIKELY(e >= kNotTinyS && e < 0xff)) {
            if (static_cast<double>(p) != exact) flags |= kNX;
            return bits(p);
        }
        if (zero_s(a) || zero_s(b)) return bits(p);
    }
    if (rm != kRmm && !is_nan_s(a) && !is_nan_s(b)) return mxcsr_binary_s<HostMul>(a, b, rm, flags);
#endif
    return soft::mul_s(ra, rb, rm, flags);
}

u64 div_s(u64 ra, u64 rb, unsigned rm, u32& flags) {
#if RVISOR_FPU_HOST
    const u32 a = unbox_s(ra), b = unbox_s(rb);
    if (RVISOR_LIKELY(rm == kRne && finite_s(a) && finite_s(b) && !zero_s(b))) {
        const float q = HostDiv::run(f(a), f(b));
        const unsigned e = exp_s(std::bit_cast<u32>(q));
        if (RVISOR_LIKELY(e >= kNotTinyS && e < 0xff)) {
            // a - q*b in double: q*b is exact (48 bits) and so is the difference, a multiple
            // of ulp(q)*ulp(b) below 2^25 of them.
            const double qb = static_cast<double>(q) * static_cast<double>(f(b));
            if (static_cast<double>(f(a)) != qb) flags |= kNX;
            return bits(q);
        }
        if (zero_s(a)) return bits(q);
    }
    if (rm != kRmm && !is_nan_s(a) && !is_nan_s(b)) return mxcsr_binary_s<HostDiv>(a, b, rm, flags);
#endif
    return soft::div_s(ra, rb, rm, flags);
}

u64 sqrt_s(u64 ra, unsigned rm, u32& flags) {
#if RVISOR_FPU_HOST
    const u32 a = unbox_s(ra);
    if (RVISOR_LIKELY(rm == kRne && a < 0x7f800000u)) {  // +0 .. largest finite
        const float r = host_sqrt(f(a));
        const double rr = static_cast<double>(r) * static_cast<double>(r);  // exact
        if (rr != static_cast<double>(f(a))) flags |= kNX;
        return bits(r);
    }
    if (rm != kRmm && !is_nan_s(a)) return mxcsr_sqrt_s(a, rm, flags);
#endif
    return soft::sqrt_s(ra, rm, flags);
}

u64 madd_s(u64 ra, u64 rb, u64 rc, unsigned rm, u32& flags) {
#if RVISOR_FPU_HOST
    const u32 a = unbox_s(ra), b = unbox_s(rb), c = unbox_s(rc);
    if (kHostFma) {
        if (RVISOR_LIKELY(rm == kRne && (flags & kNX) && finite_s(a) && finite_s(b) &&
                          finite_s(c))) {
            const float r = host_fma(f(a), f(b), f(c));
            const unsigned e = exp_s(std::bit_cast<u32>(r));
            if (RVISOR_LIKELY(e >= kNotTinyS && e < 0xff)) return bits(r);
        }
        if (rm != kRmm && !is_nan_s(a) && !is_nan_s(b) && !is_nan_s(c))
            return mxcsr_fma_s(a, b, c, rm, flags);
    }
#endif
    return soft::madd_s(ra, rb, rc, rm, flags);
}
// Sign flips on the unboxed value, re-boxed so that the unboxing inside madd_s sees it.
namespace {
inline u64 neg_s(u64 reg) {
    return box_s(unbox_s(reg) ^ 0x80000000u);
}
}  // namespace
u64 msub_s(u64 a, u64 b, u64 c, unsigned rm, u32& flags) {
    return madd_s(a, b, neg_s(c), rm, flags);
}
u64 nmsub_s(u64 a, u64 b, u64 c, unsigned rm, u32& flags) {
    return madd_s(neg_s(a), b, c, rm, flags);
}
u64 nmadd_s(u64 a, u64 b, u64 c, unsigned rm, u32& flags) {
    return madd_s(neg_s(a), b, neg_s(c), rm, flags);
}

}  // namespace rvisor::cpu::fpu
