// Software floating point for F and D: one generic rounding routine (round_pack) and exact
// integer algorithms for every op, parameterised over the format. Used for RMM (which x86
// does not have), for NaN operands, for all conversions, comparisons and min/max, and as the
// reference the host paths are tested against. See fpu.hpp for the conventions.
//
// Representation: a finite nonzero value is (-1)^sign * sig * 2^exp with an integer `sig`.
// unpack() normalises sig to [2^kMant, 2^(kMant+1)); intermediate results are exact or carry
// a "sticky" 1 in a bit far below the rounding position, which is all IEEE rounding needs.
#include <bit>
#include <utility>

#include "cpu/fpu.hpp"

namespace rvisor::cpu::fpu {

namespace {

template <int kMantBits, int kExpBits, typename Bits>
struct Format {
    using T = Bits;
    static constexpr int kMant = kMantBits;                  // stored fraction bits
    static constexpr int kBias = (1 << (kExpBits - 1)) - 1;  // 127 / 1023
    static constexpr int kEmin = 1 - kBias;                  // exponent of the least normal
    static constexpr T kExpField = T((1 << kExpBits) - 1) << kMant;
    static constexpr T kSign = T(1) << (kMant + kExpBits);
    static constexpr T kMantMask = (T(1) << kMant) - 1;
    static constexpr T kInf = kExpField;
    static constexpr T kQuiet = T(1) << (kMant - 1);
    static constexpr T kDefaultNan = kInf | kQuiet;  // the canonical NaN
    static constexpr T kMaxFinite = kInf - 1;
};
using F32 = Format<23, 8, u32>;
using F64 = Format<52, 11, u64>;

template <class F>
constexpr bool is_nan(typename F::T x) {
    return (x & ~F::kSign) > F::kInf;
}
template <class F>
constexpr bool is_snan(typename F::T x) {
    return is_nan<F>(x) && (x & F::kQuiet) == 0;
}
template <class F>
constexpr bool is_inf(typename F::T x) {
    return (x & ~F::kSign) == F::kInf;
}
template <class F>
constexpr bool is_zero(typename F::T x) {
    return (x & ~F::kSign) == 0;
}
template <class F>
constexpr bool sign_of(typename F::T x) {
    return (x & F::kSign) != 0;
}
template <class F>
constexpr typename F::T signed_zero(bool sign) {
    return sign ? F::kSign : 0;
}

struct Unpacked {
    bool sign;
    int exp;  // weight of sig's bit 0
    u64 sig;  // in [2^kMant, 2^(kMant+1))
};

// Finite nonzero values only; subnormals are normalised.
template <class F>
Unpacked unpack(typename F::T x) {
    const int biased = static_cast<int>((x & F::kExpField) >> F::kMant);
    u64 m = x & F::kMantMask;
    if (biased == 0) {
        const int shift = std::countl_zero(m) - (63 - F::kMant);
        return {sign_of<F>(x), F::kEmin - F::kMant - shift, m << shift};
    }
    return {sign_of<F>(x), biased - F::kBias - F::kMant, m | (u64(1) << F::kMant)};
}

// x >> n with every shifted-out 1 ORed into bit 0 ("jamming"), for any n >= 0.
inline u64 shift_right_jam(u64 x, int n) {
    if (n == 0) return x;
    if (n >= 64) return x != 0;
    return (x >> n) | ((x << (64 - n)) != 0);
}
inline u128 shift_right_jam(u128 x, int n) {
    if (n == 0) return x;
    if (n >= 128) return x != 0;
    return (x >> n) | ((x << (128 - n)) != 0);
}
inline int msb_index(u128 x) {
    const u64 hi = static_cast<u64>(x >> 64);
    return hi ? 127 - std::countl_zero(hi) : 63 - std::countl_zero(static_cast<u64>(x));
}

// Whether to add one unit in the last place, given the discarded part `rem` and half a unit
// `half` (spec 11.2, table "Rounding mode encoding").
template <typename U>
constexpr bool round_increment(unsigned rm, bool sign, bool lsb, U rem, U half) {
    switch (rm) {
        case kRne: return rem > half || (rem == half && lsb);
        case kRtz: return false;
        case kRdn: return sign && rem != 0;
        case kRup: return !sign && rem != 0;
        default: return rem >= half;  // kRmm
    }
}

// The overflowed result: infinity, or the largest finite value when the mode rounds toward
// zero for this sign (IEEE 754-2008 7.4).
template <class F>
typename F::T overflow_result(bool sign, unsigned rm) {
    const bool to_inf = rm == kRne || rm == kRmm || (rm == kRdn && sign) || (rm == kRup && !sign);
    return signed_zero<F>(sign) | (to_inf ? F::kInf : F::kMaxFinite);
}

// Rounds (-1)^sign * sig * 2^exp (sig != 0, exact or with a sticky low bit) to the format,
// raising NX, UF (tiny after rounding and inexact) and OF as IEEE 754-2008 7.4-7.6 specify
// with RISC-V's choice of detecting tininess after rounding (spec 11.2).
template <class F>
typename F::T round_pack(bool sign, int exp, u128 sig, unsigned rm, u32& flags) {
    using T = typename F::T;
    // Normalise to a 63-bit significand with the leading 1 at bit 62; e is its exponent.
    const int msb = msb_index(sig);
    int e = exp + msb;
    const u64 s = msb > 62 ? static_cast<u64>(shift_right_jam(sig, msb - 62))
                           : static_cast<u64>(sig) << (62 - msb);
    constexpr int kDrop = 62 - F::kMant;  // bits below the last place
    constexpr u64 kRemMask = (u64(1) << kDrop) - 1;
    constexpr u64 kHalf = u64(1) << (kDrop - 1);
    const T sign_bit = signed_zero<F>(sign);

    if (e < F::kEmin) {
        // Tiny after rounding: the value rounded to full precision with an unbounded exponent
        // is below 2^emin. Only a value in [2^(emin-1), 2^emin) can round up out of that.
        bool tiny = true;
        if (e == F::kEmin - 1) {
            const u64 q = s >> kDrop;
            tiny = q + round_increment(rm, sign, q & 1, s & kRemMask, kHalf) !=
                   (u64(1) << (F::kMant + 1));
        }
        const u64 d = shift_right_jam(s, F::kEmin - e);
        const u64 q =
            (d >> kDrop) + round_increment(rm, sign, (d >> kDrop) & 1, d & kRemMask, kHalf);
        if (d & kRemMask) flags |= kNX | (tiny ? kUF : 0);
        // q == 2^kMant is the least normal: the carry lands in the exponent field.
        return sign_bit | static_cast<T>(q);
    }
    u64 q = (s >> kDrop) + round_increment(rm, sign, (s >> kDrop) & 1, s & kRemMask, kHalf);
    if (q >> (F::kMant + 1)) {  // rounding carried into a new binade
        q >>= 1;
        ++e;
    }
    if (e > F::kBias) {
        flags |= kOF | kNX;
        return overflow_result<F>(sign, rm);
    }
    if (s & kRemMask) flags |= kNX;
    return sign_bit | (static_cast<T>(e + F::kBias) << F::kMant) |
           (static_cast<T>(q) & F::kMantMask);
}

// Canonical NaN for an op with a NaN operand; NV when one of them is signaling.
template <class F>
typename F::T propagate_nan(typename F::T a, typename F::T b, u32& flags) {
    if (is_snan<F>(a) || is_snan<F>(b)) flags |= kNV;
    return F::kDefaultNan;
}

template <class F>
typename F::T invalid(u32& flags) {
    flags |= kNV;
    return F::kDefaultNan;
}

// The exact sum of two equal-weight significands with signs, rounded. An exact zero sum of
// opposite-signed operands is +0, or -0 when rounding down (IEEE 754-2008 6.3).
template <class F>
typename F::T add_aligned(bool sa, u128 ma, bool sb, u128 mb, int exp, unsigned rm, u32& flags) {
    if (sa == sb) return round_pack<F>(sa, exp, ma + mb, rm, flags);
    if (ma == mb) return signed_zero<F>(rm == kRdn);
    return ma > mb ? round_pack<F>(sa, exp, ma - mb, rm, flags)
                   : round_pack<F>(sb, exp, mb - ma, rm, flags);
}

// Both significands are placed with their leading 1 at bit 125 of a u128 (room for a carry)
// and the smaller operand is shifted right with jamming. Bits are only lost when the
// exponents differ by more than 125 - kMant (73 for doubles), and then the difference cancels
// at most one leading bit, so the sticky bit stays far below the rounding position.
constexpr int kTop = 125;

template <class F>
typename F::T add(typename F::T a, typename F::T b, unsigned rm, u32& flags) {
    if (is_nan<F>(a) || is_nan<F>(b)) return propagate_nan<F>(a, b, flags);
    const bool sa = sign_of<F>(a), sb = sign_of<F>(b);
    if (is_inf<F>(a)) return is_inf<F>(b) && sa != sb ? invalid<F>(flags) : a;
    if (is_inf<F>(b)) return b;
    if (is_zero<F>(a) && is_zero<F>(b)) return sa == sb ? a : signed_zero<F>(rm == kRdn);
    if (is_zero<F>(a)) return b;
    if (is_zero<F>(b)) return a;
    Unpacked x = unpack<F>(a), y = unpack<F>(b);
    if (x.exp < y.exp) std::swap(x, y);
    const u128 mx = static_cast<u128>(x.sig) << (kTop - F::kMant);
    const u128 my = shift_right_jam(static_cast<u128>(y.sig) << (kTop - F::kMant), x.exp - y.exp);
    return add_aligned<F>(x.sign, mx, y.sign, my, x.exp - (kTop - F::kMant), rm, flags);
}

template <class F>
typename F::T mul(typename F::T a, typename F::T b, unsigned rm, u32& flags) {
    if (is_nan<F>(a) || is_nan<F>(b)) return propagate_nan<F>(a, b, flags);
    const bool sign = sign_of<F>(a) != sign_of<F>(b);
    if (is_inf<F>(a) || is_inf<F>(b)) {
        if (is_zero<F>(a) || is_zero<F>(b)) return invalid<F>(flags);  // inf * 0
        return signed_zero<F>(sign) | F::kInf;
    }
    if (is_zero<F>(a) || is_zero<F>(b)) return signed_zero<F>(sign);
    const Unpacked x = unpack<F>(a), y = unpack<F>(b);
    return round_pack<F>(sign, x.exp + y.exp, static_cast<u128>(x.sig) * y.sig, rm, flags);
}

template <class F>
typename F::T div(typename F::T a, typename F::T b, unsigned rm, u32& flags) {
    if (is_nan<F>(a) || is_nan<F>(b)) return propagate_nan<F>(a, b, flags);
    const bool sign = sign_of<F>(a) != sign_of<F>(b);
    if (is_inf<F>(a)) return is_inf<F>(b) ? invalid<F>(flags) : signed_zero<F>(sign) | F::kInf;
    if (is_inf<F>(b)) return signed_zero<F>(sign);
    if (is_zero<F>(b)) {
        if (is_zero<F>(a)) return invalid<F>(flags);  // 0 / 0
        flags |= kDZ;
        return signed_zero<F>(sign) | F::kInf;
    }
    if (is_zero<F>(a)) return signed_zero<F>(sign);
    const Unpacked x = unpack<F>(a), y = unpack<F>(b);
    // A quotient of at least 73 bits, plus a sticky bit for a nonzero remainder.
    const u128 num = static_cast<u128>(x.sig) << 74;
    u128 q = num / y.sig;
    if (num % y.sig != 0) q |= 1;
    return round_pack<F>(sign, x.exp - y.exp - 74, q, rm, flags);
}

// floor(sqrt(n)) by the binary digit-by-digit method; `exact` tells whether n is a square.
inline u64 isqrt(u128 n, bool& exact) {
    u128 root = 0;
    u128 bit = static_cast<u128>(1) << 126;
    while (bit > n) bit >>= 2;
    while (bit != 0) {
        if (n >= root + bit) {
            n -= root + bit;
            root = (root >> 1) + bit;
        } else {
            root >>= 1;
        }
        bit >>= 2;
    }
    exact = n == 0;
    return static_cast<u64>(root);
}

template <class F>
typename F::T sqrt(typename F::T a, unsigned rm, u32& flags) {
    if (is_nan<F>(a)) return propagate_nan<F>(a, a, flags);
    if (is_zero<F>(a)) return a;                  // sqrt(-0) = -0
    if (sign_of<F>(a)) return invalid<F>(flags);  // negative, including -inf
    if (is_inf<F>(a)) return a;
    Unpacked x = unpack<F>(a);
    if (x.exp & 1) {  // make the exponent even so it halves exactly
        x.sig <<= 1;
        x.exp -= 1;
    }
    // sig < 2^54, so the radicand stays below 2^126 and the root has at least 47 bits.
    bool exact;
    const u64 root = isqrt(static_cast<u128>(x.sig) << 72, exact);
    return round_pack<F>(false, (x.exp - 72) / 2, root | (exact ? 0 : 1), rm, flags);
}

// a*b + c with a single rounding (IEEE 754-2008 5.4.1 fusedMultiplyAdd). The negated forms
// flip operand signs before calling, as the spec defines them (FNMADD = -(a*b) - c).
template <class F>
typename F::T fma(typename F::T a, typename F::T b, typename F::T c, unsigned rm, u32& flags) {
    const bool inf_times_zero = (is_inf<F>(a) && is_zero<F>(b)) || (is_zero<F>(a) && is_inf<F>(b));
    if (is_nan<F>(a) || is_nan<F>(b) || is_nan<F>(c)) {
        // RISC-V raises NV for inf * 0 even when the addend is a quiet NaN (spec 11.6).
        if (is_snan<F>(a) || is_snan<F>(b) || is_snan<F>(c) || inf_times_zero) flags |= kNV;
        return F::kDefaultNan;
    }
    if (inf_times_zero) return invalid<F>(flags);
    const bool sp = sign_of<F>(a) != sign_of<F>(b);
    const bool sc = sign_of<F>(c);
    if (is_inf<F>(a) || is_inf<F>(b)) {
        if (is_inf<F>(c) && sc != sp) return invalid<F>(flags);  // inf - inf
        return signed_zero<F>(sp) | F::kInf;
    }
    if (is_inf<F>(c)) return c;
    if (is_zero<F>(a) || is_zero<F>(b)) {
        if (is_zero<F>(c)) return sp == sc ? c : signed_zero<F>(rm == kRdn);
        return c;
    }
    const Unpacked x = unpack<F>(a), y = unpack<F>(b);
    u128 prod = static_cast<u128>(x.sig) * y.sig;  // exact, at most 2*kMant+2 bits
    int ep = x.exp + y.exp;
    if (is_zero<F>(c)) return round_pack<F>(sp, ep, prod, rm, flags);
    // Align as in add(): both leading 1s at bit kTop, which leaves at least 20 zero bits below
    // a double product and 73 below a double addend before any jamming shift.
    const int shift = kTop - msb_index(prod);
    prod <<= shift;
    ep -= shift;
    const Unpacked z = unpack<F>(c);
    u128 mc = static_cast<u128>(z.sig) << (kTop - F::kMant);
    const int ec = z.exp - (kTop - F::kMant);
    if (ep >= ec) {
        mc = shift_right_jam(mc, ep - ec);
        return add_aligned<F>(sp, prod, sc, mc, ep, rm, flags);
    }
    prod = shift_right_jam(prod, ec - ep);
    return add_aligned<F>(sp, prod, sc, mc, ec, rm, flags);
}

// Between formats (widening is exact, narrowing rounds). NaNs become canonical.
template <class To, class From>
typename To::T convert(typename From::T a, unsigned rm, u32& flags) {
    if (is_nan<From>(a)) {
        if (is_snan<From>(a)) flags |= kNV;
        return To::kDefaultNan;
    }
    const bool sign = sign_of<From>(a);
    if (is_inf<From>(a)) return signed_zero<To>(sign) | To::kInf;
    if (is_zero<From>(a)) return signed_zero<To>(sign);
    const Unpacked x = unpack<From>(a);
    return round_pack<To>(sign, x.exp, x.sig, rm, flags);
}

template <class F>
typename F::T from_int(bool negative, u64 magnitude, unsigned rm, u32& flags) {
    if (magnitude == 0) return 0;
    return round_pack<F>(negative, 0, magnitude, rm, flags);
}

// Float to an integer of `width` bits (spec 11.7, table "Domains of float-to-integer
// conversions"): NaN -> max, +inf / too large -> max, -inf / too small -> min (0 for
// unsigned), NV alone for those; otherwise rounded per rm, NX when inexact. Whether the value
// is in range is judged after rounding, so -0.3 -> 0 for an unsigned type is only inexact.
// Returns the two's-complement result as a 64-bit value (sign-extended for signed types).
template <class F>
u64 to_int(typename F::T a, unsigned rm, u32& flags, bool is_signed, int width) {
    const u64 max = is_signed ? (u64(1) << (width - 1)) - 1 : ~u64(0) >> (64 - width);
    const u64 min = is_signed ? ~u64(0) << (width - 1) : 0;
    if (is_nan<F>(a)) {
        flags |= kNV;
        return max;
    }
    const bool sign = sign_of<F>(a);
    if (is_inf<F>(a)) {
        flags |= kNV;
        return sign ? min : max;
    }
    if (is_zero<F>(a)) return 0;
    const Unpacked x = unpack<F>(a);
    u64 magnitude;
    bool inexact = false;
    if (x.exp >= 0) {
        if (x.exp + F::kMant >= 64) {  // at least 2^64
            flags |= kNV;
            return sign ? min : max;
        }
        magnitude = x.sig << x.exp;
    } else {
        // Clamp the shift: for -exp > 100 the value is below 2^-47, and a shift of 100 still
        // gives what rounding needs (q = 0, a nonzero remainder below half).
        const int n = -x.exp > 100 ? 100 : -x.exp;
        const u128 s = x.sig;
        const u128 q = s >> n;
        const u128 rem = s & ((static_cast<u128>(1) << n) - 1);
        const u128 half = static_cast<u128>(1) << (n - 1);
        magnitude = static_cast<u64>(q) + round_increment(rm, sign, (q & 1) != 0, rem, half);
        inexact = rem != 0;
    }
    bool in_range;
    if (is_signed) {
        in_range = magnitude <= (sign ? u64(1) << (width - 1) : max);
    } else {
        in_range = sign ? magnitude == 0 : magnitude <= max;
    }
    if (!in_range) {
        flags |= kNV;
        return sign ? min : max;
    }
    if (inexact) flags |= kNX;
    return sign ? ~magnitude + 1 : magnitude;
}

// Ordering of non-NaN values with -0 < +0 (what FMIN/FMAX need; comparisons treat the two
// zeros as equal separately).
template <class F>
bool less_total(typename F::T a, typename F::T b) {
    const bool sa = sign_of<F>(a), sb = sign_of<F>(b);
    if (sa != sb) return sa;
    return sa ? a > b : a < b;
}

template <class F>
typename F::T min_max(typename F::T a, typename F::T b, bool is_max, u32& flags) {
    if (is_snan<F>(a) || is_snan<F>(b)) flags |= kNV;
    const bool na = is_nan<F>(a), nb = is_nan<F>(b);
    if (na && nb) return F::kDefaultNan;
    if (na) return b;
    if (nb) return a;
    return less_total<F>(a, b) != is_max ? a : b;
}

template <class F>
u64 eq(typename F::T a, typename F::T b, u32& flags) {
    if (is_nan<F>(a) || is_nan<F>(b)) {
        if (is_snan<F>(a) || is_snan<F>(b)) flags |= kNV;
        return 0;
    }
    return a == b || (is_zero<F>(a) && is_zero<F>(b));
}

template <class F>
u64 lt(typename F::T a, typename F::T b, u32& flags) {
    if (is_nan<F>(a) || is_nan<F>(b)) {
        flags |= kNV;
        return 0;
    }
    if (is_zero<F>(a) && is_zero<F>(b)) return 0;
    return less_total<F>(a, b);
}

template <class F>
u64 le(typename F::T a, typename F::T b, u32& flags) {
    if (is_nan<F>(a) || is_nan<F>(b)) {
        flags |= kNV;
        return 0;
    }
    if (is_zero<F>(a) && is_zero<F>(b)) return 1;
    return a == b || less_total<F>(a, b);
}

template <class F>
u64 classify(typename F::T a) {
    const bool sign = sign_of<F>(a);
    if (is_nan<F>(a)) return (a & F::kQuiet) ? 1u << 9 : 1u << 8;
    if (is_inf<F>(a)) return sign ? 1u << 0 : 1u << 7;
    if (is_zero<F>(a)) return sign ? 1u << 3 : 1u << 4;
    if ((a & F::kExpField) == 0) return sign ? 1u << 2 : 1u << 5;  // subnormal
    return sign ? 1u << 1 : 1u << 6;
}

inline u32 s(u64 reg) {
    return unbox_s(reg);
}

}  // namespace

// ---- software arithmetic (also the RMM path of the public ops) -----------------------------
namespace soft {
u64 add_s(u64 a, u64 b, unsigned rm, u32& flags) {
    return box_s(add<F32>(s(a), s(b), rm, flags));
}
u64 sub_s(u64 a, u64 b, unsigned rm, u32& flags) {
    return box_s(add<F32>(s(a), s(b) ^ F32::kSign, rm, flags));
}
u64 mul_s(u64 a, u64 b, unsigned rm, u32& flags) {
    return box_s(mul<F32>(s(a), s(b), rm, flags));
}
u64 div_s(u64 a, u64 b, unsigned rm, u32& flags) {
    return box_s(div<F32>(s(a), s(b), rm, flags));
}
u64 sqrt_s(u64 a, unsigned rm, u32& flags) {
    return box_s(sqrt<F32>(s(a), rm, flags));
}
u64 madd_s(u64 a, u64 b, u64 c, unsigned rm, u32& flags) {
    return box_s(fma<F32>(s(a), s(b), s(c), rm, flags));
}
u64 add_d(u64 a, u64 b, unsigned rm, u32& flags) {
    return add<F64>(a, b, rm, flags);
}
u64 sub_d(u64 a, u64 b, unsigned rm, u32& flags) {
    return add<F64>(a, b ^ F64::kSign, rm, flags);
}
u64 mul_d(u64 a, u64 b, unsigned rm, u32& flags) {
    return mul<F64>(a, b, rm, flags);
}
u64 div_d(u64 a, u64 b, unsigned rm, u32& flags) {
    return div<F64>(a, b, rm, flags);
}
u64 sqrt_d(u64 a, unsigned rm, u32& flags) {
    return sqrt<F64>(a, rm, flags);
}
u64 madd_d(u64 a, u64 b, u64 c, unsigned rm, u32& flags) {
    return fma<F64>(a, b, c, rm, flags);
}
u64 cvt_s_d(u64 a, unsigned rm, u32& flags) {
    return box_s(convert<F32, F64>(a, rm, flags));
}
}  // namespace soft

// ---- ops that are software only ------------------------------------------------------------
u64 min_s(u64 a, u64 b, u32& flags) {
    return box_s(min_max<F32>(s(a), s(b), false, flags));
}
u64 max_s(u64 a, u64 b, u32& flags) {
    return box_s(min_max<F32>(s(a), s(b), true, flags));
}
u64 min_d(u64 a, u64 b, u32& flags) {
    return min_max<F64>(a, b, false, flags);
}
u64 max_d(u64 a, u64 b, u32& flags) {
    return min_max<F64>(a, b, true, flags);
}
u64 eq_s(u64 a, u64 b, u32& flags) {
    return eq<F32>(s(a), s(b), flags);
}
u64 lt_s(u64 a, u64 b, u32& flags) {
    return lt<F32>(s(a), s(b), flags);
}
u64 le_s(u64 a, u64 b, u32& flags) {
    return le<F32>(s(a), s(b), flags);
}
u64 eq_d(u64 a, u64 b, u32& flags) {
    return eq<F64>(a, b, flags);
}
u64 lt_d(u64 a, u64 b, u32& flags) {
    return lt<F64>(a, b, flags);
}
u64 le_d(u64 a, u64 b, u32& flags) {
    return le<F64>(a, b, flags);
}
u64 classify_s(u64 a) {
    return classify<F32>(s(a));
}
u64 classify_d(u64 a) {
    return classify<F64>(a);
}

namespace {
inline u64 sx32(u64 v) {
    return static_cast<u64>(static_cast<i64>(static_cast<i32>(v)));
}
inline u64 abs64(i64 v) {
    return v < 0 ? ~static_cast<u64>(v) + 1 : static_cast<u64>(v);
}
}  // namespace

u64 cvt_w_s(u64 a, unsigned rm, u32& flags) {
    return sx32(to_int<F32>(s(a), rm, flags, true, 32));
}
u64 cvt_wu_s(u64 a, unsigned rm, u32& flags) {
    return sx32(to_int<F32>(s(a), rm, flags, false, 32));
}
u64 cvt_l_s(u64 a, unsigned rm, u32& flags) {
    return to_int<F32>(s(a), rm, flags, true, 64);
}
u64 cvt_lu_s(u64 a, unsigned rm, u32& flags) {
    return to_int<F32>(s(a), rm, flags, false, 64);
}
u64 cvt_w_d(u64 a, unsigned rm, u32& flags) {
    return sx32(to_int<F64>(a, rm, flags, true, 32));
}
u64 cvt_wu_d(u64 a, unsigned rm, u32& flags) {
    return sx32(to_int<F64>(a, rm, flags, false, 32));
}
u64 cvt_l_d(u64 a, unsigned rm, u32& flags) {
    return to_int<F64>(a, rm, flags, true, 64);
}
u64 cvt_lu_d(u64 a, unsigned rm, u32& flags) {
    return to_int<F64>(a, rm, flags, false, 64);
}

u64 cvt_s_w(u64 x, unsigned rm, u32& flags) {
    const i32 v = static_cast<i32>(x);
    return box_s(from_int<F32>(v < 0, abs64(v), rm, flags));
}
u64 cvt_s_wu(u64 x, unsigned rm, u32& flags) {
    return box_s(from_int<F32>(false, static_cast<u32>(x), rm, flags));
}
u64 cvt_s_l(u64 x, unsigned rm, u32& flags) {
    const i64 v = static_cast<i64>(x);
    return box_s(from_int<F32>(v < 0, abs64(v), rm, flags));
}
u64 cvt_s_lu(u64 x, unsigned rm, u32& flags) {
    return box_s(from_int<F32>(false, x, rm, flags));
}
u64 cvt_d_w(u64 x, unsigned rm, u32& flags) {
    const i32 v = static_cast<i32>(x);
    return from_int<F64>(v < 0, abs64(v), rm, flags);
}
u64 cvt_d_wu(u64 x, unsigned rm, u32& flags) {
    return from_int<F64>(false, static_cast<u32>(x), rm, flags);
}
u64 cvt_d_l(u64 x, unsigned rm, u32& flags) {
    const i64 v = static_cast<i64>(x);
    return from_int<F64>(v < 0, abs64(v), rm, flags);
}
u64 cvt_d_lu(u64 x, unsigned rm, u32& flags) {
    return from_int<F64>(false, x, rm, flags);
}
u64 cvt_d_s(u64 a, u32& flags) {
    return convert<F64, F32>(s(a), kRne, flags);  // exact: rm is irrelevant
}

}  // namespace rvisor::cpu::fpu
