// A differential test of the F/D host (SSE) paths against the software implementation
// (src/cpu/fpu_soft.cpp) over edge and random operands: same bits, same fflags, and the host's
// floating-point state left as it was.
#include "cpu/fpu.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cstring>
#include <random>
#include <vector>

#include "fpu_test_support.hpp"

namespace rvisor::cpu::fpu {
namespace {

using namespace test_support;

// ---- host paths vs. the software implementation ------------------------------------------------

// Operands that stress rounding and exceptions: zeros, subnormals, the normal boundary, the
// top of the range, ulp neighbours of 1, infinities and NaNs.
std::vector<u64> edge_doubles() {
    std::vector<u64> v = {0,
                          kDMinSub,
                          2,
                          3,
                          kDMaxSub,
                          kDMaxSub - 1,
                          kDMinNorm,
                          kDMinNorm + 1,
                          0x001fffffffffffff,
                          0x0020000000000000,
                          D(1.0),
                          0x3ff0000000000001,
                          0x3fefffffffffffff,
                          D(1.5),
                          D(2.0),
                          D(3.0),
                          D(0.1),
                          D(1.0 / 3.0),
                          D(0x1p-537),
                          D(0x1p-1000),
                          D(0x1p-60),
                          D(0x1p512),
                          D(0x1.fffffffffffffp511),
                          D(0x1p1000),
                          kDMax,
                          kDMax - 1,
                          0x7fe0000000000000,
                          D(0x1p-53),
                          D(0x1p-54),
                          kDInf,
                          kDQNan,
                          kDSNan};
    const size_t n = v.size();
    for (size_t i = 0; i < n; ++i) v.push_back(v[i] | kDNegZero);
    return v;
}
std::vector<u64> edge_singles() {
    std::vector<u64> v;
    const u32 base[] = {0,          kSMinSub,      2,          3,          kSMaxSub,   kSMaxSub - 1,
                        kSMinNorm,  kSMinNorm + 1, 0x00ffffff, 0x01000000, 0x3f800000, 0x3f800001,
                        0x3f7fffff, 0x3fc00000,    0x40000000, 0x40400000, 0x3dcccccd, 0x3eaaaaab,
                        0x1f800000, 0x0d000000,    0x33800000, 0x33000000, 0x5f800000, 0x5f7fffff,
                        kSMax,      kSMax - 1,     0x7f000000, kSInf,      kSQNan,     kSSNan};
    for (u32 b : base) {
        v.push_back(Sb(b));
        v.push_back(Sb(b | 0x80000000));
    }
    v.push_back(0x3f800000);  // unboxed
    return v;
}

// Random operands: random bit patterns, and values with exponents near the ends of the range
// and near each other (so sums cancel and products land near the subnormal boundary).
class OperandSource {
  public:
    explicit OperandSource(u64 seed) : rng_(seed) {}
    u64 bits() { return rng_(); }
    u64 double_near(int exp) {  // random significand, exponent exp +- 3
        const int e = exp + static_cast<int>(rng_() % 7) - 3;
        const int biased = e + 1023 < 0 ? 0 : (e + 1023 > 2046 ? 2046 : e + 1023);
        return (rng_() & 0x800fffffffffffff) | (static_cast<u64>(biased) << 52);
    }
    u64 single_near(int exp) {
        const int e = exp + static_cast<int>(rng_() % 7) - 3;
        const int biased = e + 127 < 0 ? 0 : (e + 127 > 254 ? 254 : e + 127);
        return Sb((static_cast<u32>(rng_()) & 0x807fffff) | (static_cast<u32>(biased) << 23));
    }
    int pick(int lo, int hi) {
        return lo + static_cast<int>(rng_() % static_cast<u64>(hi - lo + 1));
    }
    // Sparse significands (few 1 bits) make exact and halfway cases common.
    u64 sparse_double(int exp) {
        u64 m = 0;
        for (int i = pick(0, 3); i > 0; --i) m |= 1ull << pick(0, 51);
        const int biased = exp + 1023 < 0 ? 0 : (exp + 1023 > 2046 ? 2046 : exp + 1023);
        return (rng_() & kDNegZero) | (static_cast<u64>(biased) << 52) | m;
    }

  private:
    std::mt19937_64 rng_;
};

struct Mismatch {
    int count = 0;
    void check(const char* op, unsigned rm, u64 a, u64 b, u64 c, u64 host, u32 hf, u64 soft,
               u32 sf) {
        if (host == soft && hf == sf) return;
        if (++count <= 10) {
            ADD_FAILURE() << op << " rm=" << rm << std::hex << " a=" << a << " b=" << b
                          << " c=" << c << ": host " << host << "/" << hf << ", soft " << soft
                          << "/" << sf;
        }
    }
};

// Each op runs three ways: the software implementation, the public function with no flags
// set, and the public function with NX already set (which may skip the exactness test but
// must not change the result or the other flags). Operand expressions are evaluated once
// (they may draw random numbers).
#define DIFF_RUN(op, rm, A, B, C, ...)                        \
    do {                                                      \
        u32 sf = 0, hf = 0, nf = kNX;                         \
        const u64 s = soft::op(__VA_ARGS__, rm, sf);          \
        const u64 h = op(__VA_ARGS__, rm, hf);                \
        const u64 n = op(__VA_ARGS__, rm, nf);                \
        mm.check(#op, rm, A, B, C, h, hf, s, sf);             \
        mm.check(#op "+NX", rm, A, B, C, n, nf, s, sf | kNX); \
    } while (0)
#define DIFF1(op, a, rm)                \
    do {                                \
        const u64 x_ = (a);             \
        DIFF_RUN(op, rm, x_, 0, 0, x_); \
    } while (0)
#define DIFF2(op, a, b, rm)                  \
    do {                                     \
        const u64 x_ = (a), y_ = (b);        \
        DIFF_RUN(op, rm, x_, y_, 0, x_, y_); \
    } while (0)
#define DIFF3(op, a, b, c, rm)                    \
    do {                                          \
        const u64 x_ = (a), y_ = (b), z_ = (c);   \
        DIFF_RUN(op, rm, x_, y_, z_, x_, y_, z_); \
    } while (0)

TEST(FpuHostVsSoft, EdgeOperandsAllPairs) {
    if (!host_arithmetic_available()) GTEST_SKIP() << "no host FP path on this machine";
    Mismatch mm;
    const auto dv = edge_doubles();
    const auto sv = edge_singles();
    for (unsigned rm = 0; rm < 4; ++rm) {
        for (u64 a : dv) {
            DIFF1(sqrt_d, a, rm);
            DIFF1(cvt_s_d, a, rm);
            for (u64 b : dv) {
                DIFF2(add_d, a, b, rm);
                DIFF2(sub_d, a, b, rm);
                DIFF2(mul_d, a, b, rm);
                DIFF2(div_d, a, b, rm);
                for (u64 c : {u64{0}, kDNegZero, kDMinSub, D(-1.0), kDMax, kDInf, kDQNan, a})
                    DIFF3(madd_d, a, b, c, rm);
            }
        }
        for (u64 a : sv) {
            DIFF1(sqrt_s, a, rm);
            for (u64 b : sv) {
                DIFF2(add_s, a, b, rm);
                DIFF2(sub_s, a, b, rm);
                DIFF2(mul_s, a, b, rm);
                DIFF2(div_s, a, b, rm);
                for (u64 c : {Sb(0), Sb(0x80000000), Sb(1), S(-1.0f), Sb(kSMax), Sb(kSInf), a})
                    DIFF3(madd_s, a, b, c, rm);
            }
        }
    }
    EXPECT_EQ(mm.count, 0);
}

TEST(FpuHostVsSoft, RandomOperands) {
    if (!host_arithmetic_available()) GTEST_SKIP() << "no host FP path on this machine";
    Mismatch mm;
    OperandSource src(0x5eed'f00d);
    for (int i = 0; i < 40000; ++i) {
        const unsigned rm = static_cast<unsigned>(i & 3);
        // Anywhere in the range, and clustered at the bottom and the top.
        const int centre = (i % 3 == 0) ? src.pick(-1074, 1023) : (i % 3 == 1 ? -1022 : 1000);
        const u64 a = src.double_near(centre), b = src.double_near(centre - src.pick(-2, 60));
        const u64 ra = src.bits(), rb = src.bits();
        DIFF2(add_d, a, b, rm);
        DIFF2(sub_d, a, b, rm);
        DIFF2(add_d, ra, rb, rm);
        // Products and quotients near the subnormal boundary and near overflow.
        const u64 m1 = src.double_near(-511 - src.pick(0, 30)), m2 = src.double_near(-511);
        DIFF2(mul_d, m1, m2, rm);
        DIFF2(mul_d, ra, rb, rm);
        DIFF2(div_d, m1, src.double_near(src.pick(-60, 60)), rm);
        DIFF2(div_d, ra, rb, rm);
        DIFF1(sqrt_d, ra, rm);
        DIFF1(sqrt_d, a & ~kDNegZero, rm);
        DIFF1(cvt_s_d, src.double_near(src.pick(-160, 130)), rm);
        DIFF1(cvt_s_d, ra, rm);
        // FMA with c close to -(a*b): heavy cancellation, and sparse operands: ties.
        u32 ignore = 0;
        const u64 p = mul_d(a, b, kRne, ignore);
        DIFF3(madd_d, a, b, p ^ kDNegZero, rm);
        DIFF3(madd_d, a, b, (p ^ kDNegZero) + src.pick(-3, 3), rm);
        DIFF3(madd_d, m1, m2, src.double_near(src.pick(-1074, -1000)), rm);
        DIFF3(madd_d, ra, rb, src.bits(), rm);
        const int e = src.pick(-1074, 1000);
        DIFF3(madd_d, src.sparse_double(e / 2), src.sparse_double(e / 2),
              src.sparse_double(e + src.pick(-60, 2)), rm);

        const int cs = (i % 3 == 0) ? src.pick(-149, 127) : (i % 3 == 1 ? -126 : 120);
        const u64 sa = src.single_near(cs), sb = src.single_near(cs - src.pick(-2, 30));
        const u64 rsa = Sb(static_cast<u32>(src.bits())), rsb = Sb(static_cast<u32>(src.bits()));
        DIFF2(add_s, sa, sb, rm);
        DIFF2(sub_s, rsa, rsb, rm);
        const u64 sm1 = src.single_near(-63 - src.pick(0, 30)), sm2 = src.single_near(-63);
        DIFF2(mul_s, sm1, sm2, rm);
        DIFF2(mul_s, rsa, rsb, rm);
        DIFF2(div_s, rsa, rsb, rm);
        DIFF2(div_s, sm1, src.single_near(src.pick(-30, 30)), rm);
        DIFF1(sqrt_s, rsa, rm);
        const u64 sp = mul_s(sa, sb, kRne, ignore);
        DIFF3(madd_s, sa, sb, Sb(unbox_s(sp) ^ 0x80000000u), rm);
        DIFF3(madd_s, sm1, sm2, src.single_near(src.pick(-149, -120)), rm);
        DIFF3(madd_s, rsa, rsb, Sb(static_cast<u32>(src.bits())), rm);
    }
    EXPECT_EQ(mm.count, 0);
}

TEST(FpuHostVsSoft, HostStateIsRestored) {
    if (!host_arithmetic_available()) GTEST_SKIP() << "no host FP path on this machine";
    // Whatever the guest does, the host's control bits (rounding mode, masks, FTZ/DAZ) come
    // back as they were. The sticky status bits (5:0) may be left set by the fast path, which
    // never reads them; they affect no later computation.
    u32 before;
    asm volatile("stmxcsr %0" : "=m"(before));
    u32 fl = 0;
    for (unsigned rm = 0; rm < 5; ++rm) {
        (void)div_d(D(1.0), D(3.0), rm, fl);
        (void)mul_d(kDMax, kDMax, rm, fl);
        (void)madd_s(S(1.0f), S(3.0f), S(0x1p-30f), rm, fl);
        (void)cvt_s_d(kDMinSub, rm, fl);
    }
    u32 after;
    asm volatile("stmxcsr %0" : "=m"(after));
    constexpr u32 kControlBits = ~0x3fu;
    EXPECT_EQ(after & kControlBits, before & kControlBits);
    EXPECT_EQ(fl, kNX | kUF | kOF);
}

}  // namespace
}  // namespace rvisor::cpu::fpu
