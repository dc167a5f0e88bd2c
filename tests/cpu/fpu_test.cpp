// Unit tests of the F/D arithmetic (src/cpu/fpu.*): exact result bits and exact fflags for
// the corner cases of IEEE 754-2008 as RISC-V specifies them. Expected values were derived by
// hand from the spec's definitions (noted per case) and cross-checked against QEMU 7.2
// (softfloat) through tests/isa/rv64f.S and rv64d.S. The host-vs-software differential test is
// in fpu_host_vs_soft_test.cpp.
#include "cpu/fpu.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cstring>
#include <initializer_list>
#include <vector>

#include "cpu/hart.hpp"
#include "encode.hpp"
#include "fpu_test_support.hpp"

namespace rvisor::cpu::fpu {
namespace {

using namespace test_support;

// ---- addition and subtraction ---------------------------------------------------------------

TEST(FpuAdd, ExactSumsRaiseNothing) {
    EXPECT_BOTH(add_d, (D(1.0), D(2.0), kRne, fl), D(3.0), 0);
    EXPECT_BOTH(sub_d, (D(1.0), D(0.25), kRtz, fl), D(0.75), 0);
    EXPECT_BOTH(add_s, (S(1.5f), S(2.25f), kRmm, fl), S(3.75f), 0);
    // Subnormal operands and results: sums on the subnormal grid are exact, so no underflow.
    EXPECT_BOTH(add_d, (kDMinSub, kDMinSub, kRne, fl), 2, 0);
    EXPECT_BOTH(sub_d, (kDMinNorm, kDMinSub, kRne, fl), kDMaxSub, 0);
    EXPECT_BOTH(add_d, (kDMaxSub, kDMinSub, kRne, fl), kDMinNorm, 0);
    EXPECT_BOTH(sub_s, (Sb(kSMinNorm), Sb(kSMinSub), kRne, fl), Sb(kSMaxSub), 0);
}

TEST(FpuAdd, ZeroSignFollowsIeee) {
    // x + (-x) is +0 in every mode but RDN, where it is -0 (IEEE 754-2008 6.3).
    for (unsigned rm : kModes) {
        const u64 zero = rm == kRdn ? kDNegZero : 0;
        EXPECT_BOTH(add_d, (D(1.5), D(-1.5), rm, fl), zero, 0);
        EXPECT_BOTH(sub_d, (D(7.0), D(7.0), rm, fl), zero, 0);
        EXPECT_BOTH(add_s, (S(2.0f), S(-2.0f), rm, fl), rm == kRdn ? Sb(0x80000000) : Sb(0), 0);
        EXPECT_BOTH(add_d, (0, kDNegZero, rm, fl), zero, 0);
        // Same-signed zeros keep their sign.
        EXPECT_BOTH(add_d, (kDNegZero, kDNegZero, rm, fl), kDNegZero, 0);
        EXPECT_BOTH(sub_d, (kDNegZero, 0, rm, fl), kDNegZero, 0);
    }
    // x + 0 is x exactly.
    EXPECT_BOTH(add_d, (kDMinSub, kDNegZero, kRne, fl), kDMinSub, 0);
}

TEST(FpuAdd, EveryModeOnAHalfwayCase) {
    // 1 + 2^-53 lies exactly halfway between 1 and 1 + 2^-52 (even and odd last bit).
    const u64 a = D(1.0), b = D(0x1p-53), up = 0x3ff0000000000001;
    EXPECT_BOTH(add_d, (a, b, kRne, fl), a, kNX);   // tie to even
    EXPECT_BOTH(add_d, (a, b, kRmm, fl), up, kNX);  // tie away from zero
    EXPECT_BOTH(add_d, (a, b, kRtz, fl), a, kNX);
    EXPECT_BOTH(add_d, (a, b, kRdn, fl), a, kNX);
    EXPECT_BOTH(add_d, (a, b, kRup, fl), up, kNX);
    // Negative: -(1 + 2^-53).
    const u64 na = D(-1.0), nup = 0xbff0000000000001;
    EXPECT_BOTH(sub_d, (na, b, kRne, fl), na, kNX);
    EXPECT_BOTH(sub_d, (na, b, kRmm, fl), nup, kNX);
    EXPECT_BOTH(sub_d, (na, b, kRtz, fl), na, kNX);
    EXPECT_BOTH(sub_d, (na, b, kRdn, fl), nup, kNX);
    EXPECT_BOTH(sub_d, (na, b, kRup, fl), na, kNX);
    // Tie with an odd last bit: RNE and RMM both round up.
    EXPECT_BOTH(add_d, (up, b, kRne, fl), 0x3ff0000000000002, kNX);
    EXPECT_BOTH(add_d, (up, b, kRmm, fl), 0x3ff0000000000002, kNX);
    // Single: 1 + 2^-24.
    EXPECT_BOTH(add_s, (S(1.0f), S(0x1p-24f), kRne, fl), S(1.0f), kNX);
    EXPECT_BOTH(add_s, (S(1.0f), S(0x1p-24f), kRmm, fl), Sb(0x3f800001), kNX);
    // Below and above half: RMM agrees with RNE.
    EXPECT_BOTH(add_d, (a, D(0x1.8p-54), kRmm, fl), a, kNX);
    EXPECT_BOTH(add_d, (a, D(0x1.8p-53), kRmm, fl), up, kNX);
}

TEST(FpuAdd, OverflowGivesInfinityOrMaxFiniteByMode) {
    // IEEE 754-2008 7.4: RNE/RMM -> inf; RTZ -> max; RDN -> +max / -inf; RUP -> +inf / -max.
    EXPECT_BOTH(add_d, (kDMax, kDMax, kRne, fl), kDInf, kOF | kNX);
    EXPECT_BOTH(add_d, (kDMax, kDMax, kRmm, fl), kDInf, kOF | kNX);
    EXPECT_BOTH(add_d, (kDMax, kDMax, kRtz, fl), kDMax, kOF | kNX);
    EXPECT_BOTH(add_d, (kDMax, kDMax, kRdn, fl), kDMax, kOF | kNX);
    EXPECT_BOTH(add_d, (kDMax, kDMax, kRup, fl), kDInf, kOF | kNX);
    const u64 nmax = kDMax | kDNegZero;
    EXPECT_BOTH(add_d, (nmax, nmax, kRne, fl), kDNegInf, kOF | kNX);
    EXPECT_BOTH(add_d, (nmax, nmax, kRtz, fl), nmax, kOF | kNX);
    EXPECT_BOTH(add_d, (nmax, nmax, kRdn, fl), kDNegInf, kOF | kNX);
    EXPECT_BOTH(add_d, (nmax, nmax, kRup, fl), nmax, kOF | kNX);
    EXPECT_BOTH(add_s, (Sb(kSMax), Sb(kSMax), kRne, fl), Sb(kSInf), kOF | kNX);
    EXPECT_BOTH(add_s, (Sb(kSMax), Sb(kSMax), kRtz, fl), Sb(kSMax), kOF | kNX);
    // max + half an ulp rounds to even = inf in RNE; max + less than half stays max.
    EXPECT_BOTH(add_d, (kDMax, D(0x1p970), kRne, fl), kDInf, kOF | kNX);
    EXPECT_BOTH(add_d, (kDMax, D(0x1p969), kRne, fl), kDMax, kNX);
    EXPECT_BOTH(add_d, (kDMax, D(0x1p969), kRup, fl), kDInf, kOF | kNX);
}

TEST(FpuAdd, InfinitiesAndNans) {
    EXPECT_BOTH(add_d, (kDInf, kDNegInf, kRne, fl), kCanonicalNanD, kNV);
    EXPECT_BOTH(sub_d, (kDInf, kDInf, kRne, fl), kCanonicalNanD, kNV);
    EXPECT_BOTH(add_d, (kDInf, kDInf, kRne, fl), kDInf, 0);
    EXPECT_BOTH(add_d, (kDNegInf, kDMax, kRne, fl), kDNegInf, 0);
    // NaN results are canonical: no payload or sign propagation; NV only for sNaN.
    EXPECT_BOTH(add_d, (0x7ff8000000000123, D(1.0), kRne, fl), kCanonicalNanD, 0);
    EXPECT_BOTH(add_d, (D(1.0), 0xfff8000000000000, kRne, fl), kCanonicalNanD, 0);
    EXPECT_BOTH(add_d, (kDSNan, D(1.0), kRne, fl), kCanonicalNanD, kNV);
    EXPECT_BOTH(add_d, (kDQNan, kDSNan | kDNegZero, kRmm, fl), kCanonicalNanD, kNV);
    EXPECT_BOTH(add_d, (kDSNan, kDInf, kRne, fl), kCanonicalNanD, kNV);
    EXPECT_BOTH(add_s, (Sb(0xffc12345), S(1.0f), kRne, fl), kSCanon, 0);
    EXPECT_BOTH(add_s, (Sb(kSSNan), S(1.0f), kRne, fl), kSCanon, kNV);
}

TEST(FpuAdd, UnboxedSingleOperandIsTheCanonicalNan) {
    // Spec 12.2: only a register whose upper 32 bits are all ones holds a valid single.
    EXPECT_BOTH(add_s, (0x000000003f800000, S(1.0f), kRne, fl), kSCanon, 0);
    EXPECT_BOTH(add_s, (S(1.0f), 0xfffffffe3f800000, kRne, fl), kSCanon, 0);
    // A double in the register reads as the canonical (quiet) NaN: no NV even if the double
    // would be a signaling NaN as a single's bit pattern.
    EXPECT_BOTH(mul_s, (0x7ff0000000000001, S(2.0f), kRne, fl), kSCanon, 0);
    // Results are boxed.
    EXPECT_BOTH(add_s, (S(1.0f), S(1.0f), kRne, fl), 0xffffffff40000000, 0);
}

// ---- multiplication, underflow ---------------------------------------------------------------

TEST(FpuMul, TininessIsDetectedAfterRounding) {
    // (1 + 2^-27)(1 - 2^-27) * 2^-1022 = (1 - 2^-54) * 2^-1022, just below the least normal.
    // With an unbounded exponent, RNE and RMM round it up to 2^-1022: not tiny, so only NX
    // (a before-rounding implementation would raise UF). RTZ/RDN give the largest subnormal,
    // tiny and inexact: UF | NX.
    const u64 a = 0x0010000002000000, b = 0x3feffffffc000000;
    EXPECT_BOTH(mul_d, (a, b, kRne, fl), kDMinNorm, kNX);
    EXPECT_BOTH(mul_d, (a, b, kRmm, fl), kDMinNorm, kNX);
    EXPECT_BOTH(mul_d, (a, b, kRup, fl), kDMinNorm, kNX);
    EXPECT_BOTH(mul_d, (a, b, kRtz, fl), kDMaxSub, kUF | kNX);
    EXPECT_BOTH(mul_d, (a, b, kRdn, fl), kDMaxSub, kUF | kNX);
    // Single: (31 * 2^-131) * (1082401 * 2^-20) = (2^25 - 1) * 2^-151 = (1 - 2^-25) * 2^-126
    // (2^25 - 1 = 31 * 1082401), 25 significant bits: the same halfway case.
    const u64 sa = Sb(0x007c0000), sb = Sb(0x3f842108);
    EXPECT_BOTH(mul_s, (sa, sb, kRne, fl), Sb(kSMinNorm), kNX);
    EXPECT_BOTH(mul_s, (sa, sb, kRtz, fl), Sb(kSMaxSub), kUF | kNX);
}

TEST(FpuMul, ExactTinyResultsDoNotUnderflow) {
    // 2^-1022 * 0.5 = 2^-1023, a subnormal, exact: no flags at all.
    EXPECT_BOTH(mul_d, (kDMinNorm, D(0.5), kRne, fl), 0x0008000000000000, 0);
    EXPECT_BOTH(mul_d, (kDMinSub, D(1.0), kRne, fl), kDMinSub, 0);
    EXPECT_BOTH(mul_s, (Sb(kSMinNorm), S(0.25f), kRne, fl), Sb(0x00200000), 0);
}

TEST(FpuMul, UnderflowToZeroAndToTheLeastSubnormal) {
    // 2^-1074 * 0.5 = 2^-1075: halfway between 0 and 2^-1074.
    EXPECT_BOTH(mul_d, (kDMinSub, D(0.5), kRne, fl), 0, kUF | kNX);  // tie to even: 0
    EXPECT_BOTH(mul_d, (kDMinSub, D(0.5), kRmm, fl), kDMinSub, kUF | kNX);
    EXPECT_BOTH(mul_d, (kDMinSub, D(0.5), kRtz, fl), 0, kUF | kNX);
    EXPECT_BOTH(mul_d, (kDMinSub, D(0.5), kRup, fl), kDMinSub, kUF | kNX);
    EXPECT_BOTH(mul_d, (kDMinSub, D(-0.5), kRdn, fl), kDMinSub | kDNegZero, kUF | kNX);
    EXPECT_BOTH(mul_d, (kDMinSub, D(-0.5), kRne, fl), kDNegZero, kUF | kNX);
    // Far below: RUP still gives the least subnormal.
    EXPECT_BOTH(mul_d, (kDMinSub, kDMinSub, kRup, fl), kDMinSub, kUF | kNX);
    EXPECT_BOTH(mul_d, (kDMinSub, kDMinSub, kRne, fl), 0, kUF | kNX);
    EXPECT_BOTH(mul_s, (Sb(kSMinSub), S(0.75f), kRne, fl), Sb(kSMinSub), kUF | kNX);
    EXPECT_BOTH(mul_s, (Sb(kSMinSub), S(0.75f), kRtz, fl), Sb(0), kUF | kNX);
}

TEST(FpuMul, SpecialOperands) {
    EXPECT_BOTH(mul_d, (kDInf, 0, kRne, fl), kCanonicalNanD, kNV);
    EXPECT_BOTH(mul_d, (kDNegZero, kDInf, kRne, fl), kCanonicalNanD, kNV);
    EXPECT_BOTH(mul_d, (kDInf, D(-2.0), kRne, fl), kDNegInf, 0);
    EXPECT_BOTH(mul_d, (D(-1.0), 0, kRne, fl), kDNegZero, 0);
    EXPECT_BOTH(mul_d, (D(0x1p1023), D(2.0), kRne, fl), kDInf, kOF | kNX);
    EXPECT_BOTH(mul_d, (D(0x1p1023), D(-2.0), kRtz, fl), kDMax | kDNegZero, kOF | kNX);
    EXPECT_BOTH(mul_s, (Sb(kSQNan), Sb(0), kRne, fl), kSCanon, 0);
}

// ---- division and square root ----------------------------------------------------------------

TEST(FpuDiv, RoundingAndSpecialCases) {
    EXPECT_BOTH(div_d, (D(1.0), D(3.0), kRne, fl), 0x3fd5555555555555, kNX);
    EXPECT_BOTH(div_d, (D(1.0), D(3.0), kRup, fl), 0x3fd5555555555556, kNX);
    EXPECT_BOTH(div_d, (D(-1.0), D(3.0), kRdn, fl), 0xbfd5555555555556, kNX);
    EXPECT_BOTH(div_d, (D(-1.0), D(3.0), kRmm, fl), 0xbfd5555555555555, kNX);
    EXPECT_BOTH(div_s, (S(1.0f), S(3.0f), kRne, fl), Sb(0x3eaaaaab), kNX);
    EXPECT_BOTH(div_s, (S(1.0f), S(3.0f), kRtz, fl), Sb(0x3eaaaaaa), kNX);
    EXPECT_BOTH(div_d, (D(6.0), D(-3.0), kRne, fl), D(-2.0), 0);
    // Division by zero: DZ and a signed infinity; 0/0 and inf/inf are invalid.
    EXPECT_BOTH(div_d, (D(1.0), 0, kRne, fl), kDInf, kDZ);
    EXPECT_BOTH(div_d, (D(1.0), kDNegZero, kRne, fl), kDNegInf, kDZ);
    EXPECT_BOTH(div_d, (kDMinSub | kDNegZero, kDNegZero, kRne, fl), kDInf, kDZ);
    EXPECT_BOTH(div_s, (S(-3.0f), Sb(0), kRne, fl), Sb(0xff800000), kDZ);
    EXPECT_BOTH(div_d, (0, 0, kRne, fl), kCanonicalNanD, kNV);
    EXPECT_BOTH(div_d, (kDInf, kDNegInf, kRne, fl), kCanonicalNanD, kNV);
    EXPECT_BOTH(div_d, (kDInf, 0, kRne, fl), kDInf, 0);  // inf / 0 is exact inf
    EXPECT_BOTH(div_d, (D(1.0), kDNegInf, kRne, fl), kDNegZero, 0);
    EXPECT_BOTH(div_d, (kDQNan, 0, kRne, fl), kCanonicalNanD, 0);  // NaN wins, no DZ
    // Subnormal quotient, inexact: UF.
    EXPECT_BOTH(div_d, (kDMinNorm, D(3.0), kRne, fl), 0x0005555555555555, kUF | kNX);
    EXPECT_BOTH(div_d, (kDMax, D(0.5), kRne, fl), kDInf, kOF | kNX);
}

TEST(FpuSqrt, RoundingAndSpecialCases) {
    EXPECT_BOTH(sqrt_d, (D(4.0), kRne, fl), D(2.0), 0);
    EXPECT_BOTH(sqrt_d, (D(2.0), kRne, fl), 0x3ff6a09e667f3bcd, kNX);
    EXPECT_BOTH(sqrt_d, (D(2.0), kRmm, fl), 0x3ff6a09e667f3bcd, kNX);
    EXPECT_BOTH(sqrt_d, (D(2.0), kRtz, fl), 0x3ff6a09e667f3bcc, kNX);
    EXPECT_BOTH(sqrt_d, (D(2.0), kRup, fl), 0x3ff6a09e667f3bcd, kNX);
    EXPECT_BOTH(sqrt_s, (S(2.0f), kRne, fl), Sb(0x3fb504f3), kNX);
    EXPECT_BOTH(sqrt_s, (S(2.0f), kRup, fl), Sb(0x3fb504f4), kNX);
    EXPECT_BOTH(sqrt_d, (kDMinSub, kRne, fl), D(0x1p-537), 0);  // subnormal input, exact
    EXPECT_BOTH(sqrt_d, (kDNegZero, kRne, fl), kDNegZero, 0);   // sqrt(-0) = -0
    EXPECT_BOTH(sqrt_d, (D(-1.0), kRne, fl), kCanonicalNanD, kNV);
    EXPECT_BOTH(sqrt_d, (kDNegInf, kRne, fl), kCanonicalNanD, kNV);
    EXPECT_BOTH(sqrt_d, (kDMinSub | kDNegZero, kRne, fl), kCanonicalNanD, kNV);
    EXPECT_BOTH(sqrt_d, (kDInf, kRne, fl), kDInf, 0);
    EXPECT_BOTH(sqrt_d, (kDSNan, kRne, fl), kCanonicalNanD, kNV);
    EXPECT_BOTH(sqrt_s, (Sb(0xffc00001), kRne, fl), kSCanon, 0);
    EXPECT_BOTH(sqrt_s, (Sb(0x80000000), kRne, fl), Sb(0x80000000), 0);
}

// ---- fused multiply-add ----------------------------------------------------------------------

TEST(FpuFma, SingleRoundingNotDoubleRounding) {
    // (1 + 2^-30)(1 - 2^-30) - 1 = -2^-60 exactly; a*b rounded first would be 1, giving 0.
    const u64 a = 0x3ff0000000400000, b = 0x3fefffffff800000;
    EXPECT_BOTH(madd_d, (a, b, D(-1.0), kRne, fl), D(-0x1p-60), 0);
    EXPECT_FP(msub_d(a, b, D(1.0), kRne, fl), D(-0x1p-60), 0);
    EXPECT_FP(nmsub_d(a, b, D(1.0), kRne, fl), D(0x1p-60), 0);
    EXPECT_FP(nmadd_d(a, b, D(-1.0), kRne, fl), D(0x1p-60), 0);
    // (1 + 2^-27)^2 - 1 = 2^-26 + 2^-54: exact fused, 2^-26 with a rounded product.
    EXPECT_BOTH(madd_d, (D(1 + 0x1p-27), D(1 + 0x1p-27), D(-1.0), kRne, fl), D(0x1p-26 + 0x1p-54),
                0);
    // Inexact: (1 + 2^-52)^2 + 2^-105 = 1 + 2^-51 + 2^-104 + 2^-105, rounded once.
    const u64 u = 0x3ff0000000000001;
    EXPECT_BOTH(madd_d, (u, u, D(0x1p-105), kRup, fl), 0x3ff0000000000003, kNX);
    EXPECT_BOTH(madd_d, (u, u, D(0x1p-105), kRne, fl), 0x3ff0000000000002, kNX);
    // Single: (1 + 2^-12)(1 - 2^-12) - 1 = -2^-24.
    EXPECT_BOTH(madd_s, (Sb(0x3f800800), Sb(0x3f7ff000), S(-1.0f), kRne, fl), S(-0x1p-24f), 0);
}

TEST(FpuFma, NegatedFormsAndZeroSigns) {
    EXPECT_FP(madd_d(D(2.0), D(3.0), D(1.0), kRne, fl), D(7.0), 0);
    EXPECT_FP(msub_d(D(2.0), D(3.0), D(1.0), kRne, fl), D(5.0), 0);
    EXPECT_FP(nmsub_d(D(2.0), D(3.0), D(1.0), kRne, fl), D(-5.0), 0);  // -(a*b) + c
    EXPECT_FP(nmadd_d(D(2.0), D(3.0), D(1.0), kRne, fl), D(-7.0), 0);  // -(a*b) - c
    EXPECT_FP(madd_s(S(2.0f), S(3.0f), S(1.0f), kRne, fl), S(7.0f), 0);
    EXPECT_FP(msub_s(S(2.0f), S(3.0f), S(1.0f), kRne, fl), S(5.0f), 0);
    EXPECT_FP(nmsub_s(S(2.0f), S(3.0f), S(1.0f), kRne, fl), S(-5.0f), 0);
    EXPECT_FP(nmadd_s(S(2.0f), S(3.0f), S(1.0f), kRne, fl), S(-7.0f), 0);
    // Exact zero sums: -(1*1) - (-1) = -1 + 1 = +0 (RDN: -0), not -(1*1 + -1) = -0.
    EXPECT_FP(nmadd_d(D(1.0), D(1.0), D(-1.0), kRne, fl), 0, 0);
    EXPECT_FP(nmadd_d(D(1.0), D(1.0), D(-1.0), kRdn, fl), kDNegZero, 0);
    EXPECT_FP(msub_d(D(1.0), D(1.0), D(1.0), kRne, fl), 0, 0);
    EXPECT_FP(msub_d(D(1.0), D(1.0), D(1.0), kRdn, fl), kDNegZero, 0);
    // Zero product plus zero: -(0*1) - 0 = -0 + -0 = -0 in every mode.
    EXPECT_FP(nmadd_d(0, D(1.0), 0, kRne, fl), kDNegZero, 0);
    EXPECT_FP(madd_d(kDNegZero, D(1.0), 0, kRne, fl), 0, 0);
    EXPECT_FP(madd_d(kDNegZero, D(1.0), 0, kRdn, fl), kDNegZero, 0);
    EXPECT_FP(madd_d(kDNegZero, D(1.0), kDNegZero, kRne, fl), kDNegZero, 0);
    // Zero product plus nonzero: c exactly.
    EXPECT_FP(madd_d(0, kDInf - 1, kDMinSub, kRne, fl), kDMinSub, 0);
    // Product tiny, addend zero: the rounded product, with underflow.
    EXPECT_BOTH(madd_d, (kDMinSub, D(0.5), kDNegZero, kRne, fl), 0, kUF | kNX);
    EXPECT_BOTH(madd_d, (kDMinSub, D(0.5), 0, kRup, fl), kDMinSub, kUF | kNX);
}

TEST(FpuFma, InvalidCases) {
    // inf * 0 is invalid even with a quiet NaN addend (spec 11.6).
    EXPECT_BOTH(madd_d, (kDInf, 0, kDQNan, kRne, fl), kCanonicalNanD, kNV);
    EXPECT_BOTH(madd_d, (kDNegZero, kDNegInf, D(1.0), kRne, fl), kCanonicalNanD, kNV);
    EXPECT_BOTH(madd_s, (Sb(kSInf), Sb(0), Sb(kSQNan), kRne, fl), kSCanon, kNV);
    // inf + (-inf) through the product.
    EXPECT_BOTH(madd_d, (kDInf, D(1.0), kDNegInf, kRne, fl), kCanonicalNanD, kNV);
    EXPECT_FP(msub_d(kDInf, D(1.0), kDInf, kRne, fl), kCanonicalNanD, kNV);
    EXPECT_FP(nmadd_d(kDInf, D(1.0), kDNegInf, kRne, fl), kCanonicalNanD, kNV);
    EXPECT_BOTH(madd_d, (kDInf, D(1.0), kDInf, kRne, fl), kDInf, 0);
    EXPECT_BOTH(madd_d, (D(1.0), D(1.0), kDNegInf, kRne, fl), kDNegInf, 0);
    // NaN operands without inf*0: NV only for sNaN.
    EXPECT_BOTH(madd_d, (kDQNan, 0, kDInf, kRne, fl), kCanonicalNanD, 0);
    EXPECT_BOTH(madd_d, (D(1.0), D(1.0), kDSNan, kRne, fl), kCanonicalNanD, kNV);
    EXPECT_BOTH(madd_d, (kDSNan, kDInf, 0, kRne, fl), kCanonicalNanD, kNV);
    EXPECT_BOTH(madd_s, (0x3f800000, S(1.0f), S(1.0f), kRne, fl), kSCanon, 0);  // unboxed
}

TEST(FpuFma, OverflowAndUnderflow) {
    EXPECT_BOTH(madd_d, (kDMax, D(2.0), D(-1.0), kRne, fl), kDInf, kOF | kNX);
    EXPECT_BOTH(madd_d, (kDMax, D(2.0), D(-1.0), kRtz, fl), kDMax, kOF | kNX);
    // max * 2 - max = max, exactly, though the product alone would overflow.
    EXPECT_BOTH(madd_d, (kDMax, D(2.0), kDMax | kDNegZero, kRne, fl), kDMax, 0);
    // (1 - 2^-54) * 2^-1022 built as a*b + 0 vs a*b + tiny.
    const u64 a = 0x0010000002000000, b = 0x3feffffffc000000;
    EXPECT_BOTH(madd_d, (a, b, 0, kRne, fl), kDMinNorm, kNX);
    EXPECT_BOTH(madd_d, (a, b, 0, kRtz, fl), kDMaxSub, kUF | kNX);
    EXPECT_BOTH(madd_d, (a, b, kDMinSub | kDNegZero, kRne, fl), kDMaxSub, kUF | kNX);
}

// ---- conversions -----------------------------------------------------------------------------

TEST(FpuCvt, DoubleToInt32SaturatesAndRounds) {
    // Spec 11.7 table: NaN and +inf/too large -> 2^31-1, -inf/too small -> -2^31, NV only.
    EXPECT_FP(cvt_w_d(kDQNan, kRne, fl), 0x7fffffff, kNV);
    EXPECT_FP(cvt_w_d(kDSNan | kDNegZero, kRne, fl), 0x7fffffff, kNV);
    EXPECT_FP(cvt_w_d(kDInf, kRne, fl), 0x7fffffff, kNV);
    EXPECT_FP(cvt_w_d(kDNegInf, kRne, fl), 0xffffffff80000000, kNV);
    EXPECT_FP(cvt_w_d(D(2147483647.0), kRne, fl), 0x7fffffff, 0);
    EXPECT_FP(cvt_w_d(D(2147483647.5), kRtz, fl), 0x7fffffff, kNX);
    EXPECT_FP(cvt_w_d(D(2147483647.5), kRne, fl), 0x7fffffff, kNV);  // rounds to 2^31
    EXPECT_FP(cvt_w_d(D(2147483648.0), kRtz, fl), 0x7fffffff, kNV);
    EXPECT_FP(cvt_w_d(D(-2147483648.0), kRne, fl), 0xffffffff80000000, 0);
    EXPECT_FP(cvt_w_d(D(-2147483648.5), kRtz, fl), 0xffffffff80000000, kNX);
    EXPECT_FP(cvt_w_d(D(-2147483648.5), kRne, fl), 0xffffffff80000000, kNX);  // tie to even
    EXPECT_FP(cvt_w_d(D(-2147483648.5), kRmm, fl), 0xffffffff80000000, kNV);
    EXPECT_FP(cvt_w_d(D(-2147483648.5), kRdn, fl), 0xffffffff80000000, kNV);
    EXPECT_FP(cvt_w_d(D(-1e300), kRne, fl), 0xffffffff80000000, kNV);
    EXPECT_FP(cvt_w_d(kDNegZero, kRdn, fl), 0, 0);
    EXPECT_FP(cvt_w_d(kDMinSub, kRup, fl), 1, kNX);
    EXPECT_FP(cvt_w_d(kDMinSub | kDNegZero, kRdn, fl), ~0ull, kNX);
    // Every mode on 2.5 and -2.5.
    const i64 pos[] = {2, 2, 2, 3, 3}, neg[] = {-2, -2, -3, -2, -3};
    for (unsigned rm : kModes) {
        SCOPED_TRACE(rm);
        EXPECT_FP(cvt_w_d(D(2.5), rm, fl), static_cast<u64>(pos[rm]), kNX);
        EXPECT_FP(cvt_w_d(D(-2.5), rm, fl), static_cast<u64>(neg[rm]), kNX);
        EXPECT_FP(cvt_l_d(D(-2.5), rm, fl), static_cast<u64>(neg[rm]), kNX);
        EXPECT_FP(cvt_w_s(S(-2.5f), rm, fl), static_cast<u64>(neg[rm]), kNX);
        EXPECT_FP(cvt_l_s(S(2.5f), rm, fl), static_cast<u64>(pos[rm]), kNX);
    }
    // -0.5: RNE -> -0 -> 0, RTZ 0, RDN -1, RUP 0, RMM -1.
    const i64 half[] = {0, 0, -1, 0, -1};
    for (unsigned rm : kModes) {
        SCOPED_TRACE(rm);
        EXPECT_FP(cvt_w_d(D(-0.5), rm, fl), static_cast<u64>(half[rm]), kNX);
    }
}

TEST(FpuCvt, ToUnsignedNegativeInputs) {
    // Negative values that round to 0 are valid (NX only); anything rounding to -1 or below
    // is invalid: 0 with NV alone.
    const u32 expect_fl[] = {kNX, kNX, kNV, kNX, kNV};  // -0.5 in RNE RTZ RDN RUP RMM
    for (unsigned rm : kModes) {
        SCOPED_TRACE(rm);
        EXPECT_FP(cvt_wu_d(D(-0.5), rm, fl), 0, expect_fl[rm]);
        EXPECT_FP(cvt_lu_d(D(-0.5), rm, fl), 0, expect_fl[rm]);
        EXPECT_FP(cvt_wu_s(S(-0.5f), rm, fl), 0, expect_fl[rm]);
        EXPECT_FP(cvt_lu_s(S(-0.5f), rm, fl), 0, expect_fl[rm]);
    }
    EXPECT_FP(cvt_wu_d(D(-0.3), kRtz, fl), 0, kNX);
    EXPECT_FP(cvt_wu_d(D(-0.3), kRne, fl), 0, kNX);
    EXPECT_FP(cvt_wu_d(D(-0.3), kRmm, fl), 0, kNX);
    EXPECT_FP(cvt_wu_d(D(-0.7), kRne, fl), 0, kNV);
    EXPECT_FP(cvt_wu_d(D(-1.0), kRtz, fl), 0, kNV);
    EXPECT_FP(cvt_wu_d(kDNegZero, kRne, fl), 0, 0);
    EXPECT_FP(cvt_lu_d(kDNegInf, kRne, fl), 0, kNV);
}

TEST(FpuCvt, ToUnsignedSaturatesAndSignExtendsW) {
    // WU results are sign-extended from bit 31 (spec 11.7).
    EXPECT_FP(cvt_wu_d(kDQNan, kRne, fl), ~0ull, kNV);
    EXPECT_FP(cvt_wu_d(kDInf, kRne, fl), ~0ull, kNV);
    EXPECT_FP(cvt_wu_d(D(4294967295.0), kRne, fl), ~0ull, 0);
    EXPECT_FP(cvt_wu_d(D(4294967295.5), kRne, fl), ~0ull, kNV);
    EXPECT_FP(cvt_wu_d(D(4294967295.5), kRtz, fl), ~0ull, kNX);
    EXPECT_FP(cvt_wu_d(D(4294967296.0), kRtz, fl), ~0ull, kNV);
    EXPECT_FP(cvt_wu_d(D(3e9), kRne, fl), 0xffffffffb2d05e00, 0);
    EXPECT_FP(cvt_wu_d(D(2147483648.0), kRne, fl), 0xffffffff80000000, 0);
    EXPECT_FP(cvt_wu_d(D(1.0), kRne, fl), 1, 0);
    EXPECT_FP(cvt_wu_s(Sb(kSQNan), kRne, fl), ~0ull, kNV);
    EXPECT_FP(cvt_wu_s(S(4294967040.0f), kRne, fl), 0xffffffffffffff00, 0);
    EXPECT_FP(cvt_wu_s(S(4294967296.0f), kRne, fl), ~0ull, kNV);
}

TEST(FpuCvt, To64BitIntegers) {
    EXPECT_FP(cvt_l_d(kDQNan, kRne, fl), 0x7fffffffffffffff, kNV);
    EXPECT_FP(cvt_l_d(kDInf, kRne, fl), 0x7fffffffffffffff, kNV);
    EXPECT_FP(cvt_l_d(kDNegInf, kRne, fl), 0x8000000000000000, kNV);
    EXPECT_FP(cvt_l_d(D(-0x1p63), kRne, fl), 0x8000000000000000, 0);
    EXPECT_FP(cvt_l_d(D(0x1p63), kRne, fl), 0x7fffffffffffffff, kNV);
    EXPECT_FP(cvt_l_d(0x43dfffffffffffff, kRne, fl), 0x7ffffffffffffc00, 0);
    EXPECT_FP(cvt_l_d(0xc3e0000000000001, kRne, fl), 0x8000000000000000, kNV);
    EXPECT_FP(cvt_l_d(D(1e-300), kRup, fl), 1, kNX);
    EXPECT_FP(cvt_l_d(D(1e-300), kRne, fl), 0, kNX);
    EXPECT_FP(cvt_lu_d(kDQNan, kRne, fl), ~0ull, kNV);
    EXPECT_FP(cvt_lu_d(D(0x1p64), kRne, fl), ~0ull, kNV);
    EXPECT_FP(cvt_lu_d(0x43efffffffffffff, kRne, fl), 0xfffffffffffff800, 0);
    EXPECT_FP(cvt_lu_d(D(0x1p63), kRne, fl), 0x8000000000000000, 0);
    EXPECT_FP(cvt_l_s(Sb(0xdf000000), kRne, fl), 0x8000000000000000, 0);    // -2^63
    EXPECT_FP(cvt_l_s(Sb(0x5f000000), kRne, fl), 0x7fffffffffffffff, kNV);  // 2^63
    EXPECT_FP(cvt_lu_s(Sb(0x5f7fffff), kRne, fl), 0xffffff0000000000, 0);
    EXPECT_FP(cvt_lu_s(Sb(0x5f800000), kRne, fl), ~0ull, kNV);
    EXPECT_FP(cvt_l_s(Sb(0xff800000), kRne, fl), 0x8000000000000000, kNV);
    // An unboxed single is the canonical NaN: NV and the maximum.
    EXPECT_FP(cvt_w_s(0x000000003f800000, kRne, fl), 0x7fffffff, kNV);
    EXPECT_FP(cvt_l_s(0x000000003f800000, kRne, fl), 0x7fffffffffffffff, kNV);
}

TEST(FpuCvt, IntegerToFloat) {
    // 2^24 + 1 is halfway between 2^24 and 2^24 + 2.
    EXPECT_FP(cvt_s_w(16777217, kRne, fl), Sb(0x4b800000), kNX);
    EXPECT_FP(cvt_s_w(16777217, kRmm, fl), Sb(0x4b800001), kNX);
    EXPECT_FP(cvt_s_w(16777217, kRup, fl), Sb(0x4b800001), kNX);
    EXPECT_FP(cvt_s_w(16777217, kRtz, fl), Sb(0x4b800000), kNX);
    EXPECT_FP(cvt_s_w(static_cast<u64>(-16777217), kRmm, fl), Sb(0xcb800001), kNX);
    EXPECT_FP(cvt_s_w(static_cast<u64>(-16777217), kRdn, fl), Sb(0xcb800001), kNX);
    EXPECT_FP(cvt_s_w(static_cast<u64>(-16777217), kRup, fl), Sb(0xcb800000), kNX);
    EXPECT_FP(cvt_s_w(static_cast<u64>(-1), kRne, fl), S(-1.0f), 0);
    EXPECT_FP(cvt_s_w(0, kRdn, fl), Sb(0), 0);                    // +0 even in RDN
    EXPECT_FP(cvt_s_w(0x100000001, kRne, fl), S(1.0f), 0);        // W forms use bits 31:0
    EXPECT_FP(cvt_s_w(0x80000000, kRne, fl), Sb(0xcf000000), 0);  // -2^31
    EXPECT_FP(cvt_s_wu(0x80000000, kRne, fl), Sb(0x4f000000), 0);
    EXPECT_FP(cvt_s_wu(0xffffffff, kRne, fl), Sb(0x4f800000), kNX);
    EXPECT_FP(cvt_s_wu(0xffffffff, kRtz, fl), Sb(0x4f7fffff), kNX);
    EXPECT_FP(cvt_s_wu(0xffffffff00000003, kRne, fl), S(3.0f), 0);
    EXPECT_FP(cvt_s_l(0x8000000000000000, kRne, fl), Sb(0xdf000000), 0);
    EXPECT_FP(cvt_s_lu(~0ull, kRne, fl), Sb(0x5f800000), kNX);
    EXPECT_FP(cvt_s_lu(~0ull, kRtz, fl), Sb(0x5f7fffff), kNX);
    EXPECT_FP(cvt_d_l((1ull << 53) + 1, kRne, fl), D(0x1p53), kNX);
    EXPECT_FP(cvt_d_l((1ull << 53) + 1, kRmm, fl), D(0x1p53 + 2), kNX);
    EXPECT_FP(cvt_d_l((1ull << 53) + 1, kRup, fl), D(0x1p53 + 2), kNX);
    EXPECT_FP(cvt_d_l(0x8000000000000000, kRne, fl), D(-0x1p63), 0);
    EXPECT_FP(cvt_d_l(static_cast<u64>(-3), kRne, fl), D(-3.0), 0);
    EXPECT_FP(cvt_d_lu(~0ull, kRne, fl), D(0x1p64), kNX);
    EXPECT_FP(cvt_d_lu(~0ull, kRtz, fl), 0x43efffffffffffff, kNX);
    EXPECT_FP(cvt_d_w(0x80000000, kRne, fl), D(-2147483648.0), 0);
    EXPECT_FP(cvt_d_wu(0xffffffff, kRne, fl), D(4294967295.0), 0);
    EXPECT_FP(cvt_d_wu(0x1234567800000000, kRne, fl), 0, 0);
}

TEST(FpuCvt, DoubleToSingle) {
    EXPECT_BOTH(cvt_s_d, (D(1.0 / 3.0), kRne, fl), Sb(0x3eaaaaab), kNX);
    EXPECT_BOTH(cvt_s_d, (D(1.0 / 3.0), kRtz, fl), Sb(0x3eaaaaaa), kNX);
    EXPECT_BOTH(cvt_s_d, (D(-1.0 / 3.0), kRdn, fl), Sb(0xbeaaaaab), kNX);
    EXPECT_BOTH(cvt_s_d, (D(1.5), kRne, fl), S(1.5f), 0);
    EXPECT_BOTH(cvt_s_d, (kDMax, kRne, fl), Sb(kSInf), kOF | kNX);
    EXPECT_BOTH(cvt_s_d, (kDMax, kRtz, fl), Sb(kSMax), kOF | kNX);
    EXPECT_BOTH(cvt_s_d, (kDMax | kDNegZero, kRup, fl), Sb(kSMax | 0x80000000), kOF | kNX);
    // 2^128 - 2^103 (halfway between max float and 2^128) rounds to inf in RNE.
    EXPECT_BOTH(cvt_s_d, (D(0x1.ffffffp127), kRne, fl), Sb(kSInf), kOF | kNX);
    EXPECT_BOTH(cvt_s_d, (D(0x1.fffffep127), kRne, fl), Sb(kSMax), 0);
    // Subnormal singles: exact, underflowing halfway case, tininess after rounding.
    EXPECT_BOTH(cvt_s_d, (D(0x1p-149), kRne, fl), Sb(kSMinSub), 0);
    EXPECT_BOTH(cvt_s_d, (D(0x1p-150), kRne, fl), Sb(0), kUF | kNX);
    EXPECT_BOTH(cvt_s_d, (D(0x1p-150), kRmm, fl), Sb(kSMinSub), kUF | kNX);
    EXPECT_BOTH(cvt_s_d, (D(0x1p-150), kRup, fl), Sb(kSMinSub), kUF | kNX);
    EXPECT_BOTH(cvt_s_d, (kDMinSub, kRne, fl), Sb(0), kUF | kNX);
    EXPECT_BOTH(cvt_s_d, (0x380ffffff0000000, kRne, fl), Sb(kSMinNorm), kNX);
    EXPECT_BOTH(cvt_s_d, (0x380ffffff0000000, kRtz, fl), Sb(kSMaxSub), kUF | kNX);
    EXPECT_BOTH(cvt_s_d, (kDSNan, kRne, fl), kSCanon, kNV);
    EXPECT_BOTH(cvt_s_d, (0xfff8000000000001, kRne, fl), kSCanon, 0);
    EXPECT_BOTH(cvt_s_d, (kDNegInf, kRne, fl), Sb(0xff800000), 0);
    EXPECT_BOTH(cvt_s_d, (kDNegZero, kRne, fl), Sb(0x80000000), 0);
}

TEST(FpuCvt, SingleToDoubleIsExact) {
    EXPECT_FP(cvt_d_s(S(0.1f), fl), D(static_cast<double>(0.1f)), 0);
    EXPECT_FP(cvt_d_s(Sb(kSMinSub), fl), D(0x1p-149), 0);
    EXPECT_FP(cvt_d_s(Sb(kSMaxSub), fl), D(0x1.fffffcp-127), 0);
    EXPECT_FP(cvt_d_s(Sb(0xff800000), fl), kDNegInf, 0);
    EXPECT_FP(cvt_d_s(Sb(0x80000000), fl), kDNegZero, 0);
    EXPECT_FP(cvt_d_s(Sb(kSSNan), fl), kCanonicalNanD, kNV);
    EXPECT_FP(cvt_d_s(Sb(0xffc00123), fl), kCanonicalNanD, 0);
    EXPECT_FP(cvt_d_s(D(1.0), fl), kCanonicalNanD, 0);  // not boxed
}

// ---- min/max, compare, classify, sign injection, moves -----------------------------------------

TEST(FpuMinMax, NansAndSignedZeros) {
    EXPECT_FP(min_d(kDNegZero, 0, fl), kDNegZero, 0);
    EXPECT_FP(min_d(0, kDNegZero, fl), kDNegZero, 0);
    EXPECT_FP(max_d(kDNegZero, 0, fl), 0, 0);
    EXPECT_FP(max_d(0, kDNegZero, fl), 0, 0);
    EXPECT_FP(min_d(D(1.0), D(2.0), fl), D(1.0), 0);
    EXPECT_FP(max_d(D(-1.0), D(-2.0), fl), D(-1.0), 0);
    EXPECT_FP(min_d(kDNegInf, kDMax, fl), kDNegInf, 0);
    EXPECT_FP(max_d(kDInf, kDMax, fl), kDInf, 0);
    // One NaN: the other operand (exactly); sNaN raises NV.
    EXPECT_FP(min_d(kDQNan, D(1.0), fl), D(1.0), 0);
    EXPECT_FP(max_d(D(-3.0), 0xfff8000000000042, fl), D(-3.0), 0);
    EXPECT_FP(min_d(kDSNan, D(1.0), fl), D(1.0), kNV);
    EXPECT_FP(max_d(D(1.0), kDSNan, fl), D(1.0), kNV);
    // Two NaNs: the canonical NaN.
    EXPECT_FP(min_d(0x7ff8000000000042, kDQNan, fl), kCanonicalNanD, 0);
    EXPECT_FP(max_d(kDSNan, kDQNan, fl), kCanonicalNanD, kNV);
    EXPECT_FP(min_s(Sb(0x80000000), Sb(0), fl), Sb(0x80000000), 0);
    EXPECT_FP(max_s(Sb(0x80000000), Sb(0), fl), Sb(0), 0);
    EXPECT_FP(min_s(Sb(kSSNan), S(5.0f), fl), S(5.0f), kNV);
    EXPECT_FP(max_s(Sb(kSQNan), Sb(kSSNan), fl), kSCanon, kNV);
    // An unboxed operand is the canonical (quiet) NaN.
    EXPECT_FP(min_s(0x3f800000, S(5.0f), fl), S(5.0f), 0);
    EXPECT_FP(max_s(0x3f800000, 0x40000000, fl), kSCanon, 0);
}

TEST(FpuCompare, QuietAndSignalingComparisons) {
    EXPECT_FP(eq_d(D(1.0), D(1.0), fl), 1, 0);
    EXPECT_FP(eq_d(0, kDNegZero, fl), 1, 0);
    EXPECT_FP(eq_d(kDQNan, kDQNan, fl), 0, 0);  // quiet: no NV for qNaN
    EXPECT_FP(eq_d(kDSNan, D(1.0), fl), 0, kNV);
    EXPECT_FP(lt_d(kDQNan, D(1.0), fl), 0, kNV);  // signaling: NV for any NaN
    EXPECT_FP(le_d(D(1.0), kDQNan, fl), 0, kNV);
    EXPECT_FP(lt_d(kDNegZero, 0, fl), 0, 0);
    EXPECT_FP(le_d(kDNegZero, 0, fl), 1, 0);
    EXPECT_FP(le_d(0, kDNegZero, fl), 1, 0);
    EXPECT_FP(lt_d(D(-1.0), D(1.0), fl), 1, 0);
    EXPECT_FP(lt_d(D(1.0), D(-1.0), fl), 0, 0);
    EXPECT_FP(lt_d(D(-2.0), D(-1.0), fl), 1, 0);
    EXPECT_FP(lt_d(D(-1.0), D(-2.0), fl), 0, 0);
    EXPECT_FP(lt_d(kDNegInf, kDMax | kDNegZero, fl), 1, 0);
    EXPECT_FP(le_d(kDInf, kDInf, fl), 1, 0);
    EXPECT_FP(lt_d(kDMinSub, kDMinNorm, fl), 1, 0);
    EXPECT_FP(eq_s(S(1.0f), S(1.0f), fl), 1, 0);
    EXPECT_FP(eq_s(Sb(kSQNan), S(1.0f), fl), 0, 0);
    EXPECT_FP(eq_s(Sb(kSSNan), S(1.0f), fl), 0, kNV);
    EXPECT_FP(lt_s(S(1.0f), S(2.0f), fl), 1, 0);
    EXPECT_FP(le_s(S(2.0f), S(1.0f), fl), 0, 0);
    EXPECT_FP(lt_s(Sb(kSQNan), S(2.0f), fl), 0, kNV);
    // Unboxed operands compare as NaN: eq quietly, lt/le signaling.
    EXPECT_FP(eq_s(0x3f800000, 0x3f800000, fl), 0, 0);
    EXPECT_FP(le_s(0x3f800000, S(1.0f), fl), 0, kNV);
}

TEST(FpuClassify, AllTenClasses) {
    EXPECT_EQ(classify_d(kDNegInf), 1u << 0);
    EXPECT_EQ(classify_d(D(-1.0)), 1u << 1);
    EXPECT_EQ(classify_d(kDMaxSub | kDNegZero), 1u << 2);
    EXPECT_EQ(classify_d(kDNegZero), 1u << 3);
    EXPECT_EQ(classify_d(0), 1u << 4);
    EXPECT_EQ(classify_d(kDMinSub), 1u << 5);
    EXPECT_EQ(classify_d(kDMinNorm), 1u << 6);
    EXPECT_EQ(classify_d(kDInf), 1u << 7);
    EXPECT_EQ(classify_d(kDSNan), 1u << 8);
    EXPECT_EQ(classify_d(0xfff7ffffffffffff), 1u << 8);
    EXPECT_EQ(classify_d(kDQNan), 1u << 9);
    EXPECT_EQ(classify_d(0xffffffffffffffff), 1u << 9);
    EXPECT_EQ(classify_s(Sb(0xff800000)), 1u << 0);
    EXPECT_EQ(classify_s(Sb(kSMax | 0x80000000)), 1u << 1);
    EXPECT_EQ(classify_s(Sb(0x80000001)), 1u << 2);
    EXPECT_EQ(classify_s(Sb(0x80000000)), 1u << 3);
    EXPECT_EQ(classify_s(Sb(0)), 1u << 4);
    EXPECT_EQ(classify_s(Sb(kSMaxSub)), 1u << 5);
    EXPECT_EQ(classify_s(Sb(kSMax)), 1u << 6);
    EXPECT_EQ(classify_s(Sb(kSInf)), 1u << 7);
    EXPECT_EQ(classify_s(Sb(kSSNan)), 1u << 8);
    EXPECT_EQ(classify_s(Sb(kSQNan)), 1u << 9);
    EXPECT_EQ(classify_s(0x00000000ff800000), 1u << 9);  // unboxed: canonical NaN
}

TEST(FpuBits, SignInjectionAndMoves) {
    EXPECT_EQ(sgnj_d(D(1.0), D(-2.0)), D(-1.0));
    EXPECT_EQ(sgnjn_d(D(1.0), D(-2.0)), D(1.0));
    EXPECT_EQ(sgnjx_d(D(-1.0), D(-2.0)), D(1.0));
    EXPECT_EQ(sgnjn_d(kDSNan, D(1.0)), kDSNan | kDNegZero);  // NaN payload kept: bits only
    EXPECT_EQ(sgnj_s(S(1.0f), S(-2.0f)), S(-1.0f));
    EXPECT_EQ(sgnjn_s(S(-1.0f), S(-2.0f)), S(1.0f));
    EXPECT_EQ(sgnjx_s(S(-1.0f), S(-2.0f)), S(1.0f));
    EXPECT_EQ(sgnj_s(Sb(kSSNan), S(-1.0f)), Sb(kSSNan | 0x80000000));
    // Non-boxed inputs are the canonical NaN.
    EXPECT_EQ(sgnj_s(0x3f800000, S(-1.0f)), 0xffffffffffc00000);
    EXPECT_EQ(sgnjn_s(0x3f800000, S(1.0f)), 0xffffffffffc00000);
    EXPECT_EQ(sgnjx_s(S(2.0f), 0xbf800000), S(2.0f));  // b reads as +canonical NaN
    EXPECT_EQ(sgnj_s(S(2.0f), 0xbf800000), S(2.0f));
    // FMV.X.W sign-extends bits 31:0 without checking the boxing; FMV.W.X boxes.
    EXPECT_EQ(mv_x_w(0xffffffff80000000), 0xffffffff80000000);
    EXPECT_EQ(mv_x_w(0x000000003f800000), 0x3f800000u);
    EXPECT_EQ(mv_x_w(0x1234567887654321), 0xffffffff87654321);
    EXPECT_EQ(mv_w_x(0x123456789abcdef0), 0xffffffff9abcdef0);
}

// ---- the interpreter's handlers (interpreter_fp.inc) on a hart ---------------------------------

// FP instruction encodings (OP-FP major opcode 0x53, LOAD-FP 0x07).
constexpr u32 fp_op(u32 funct7, u32 rs2, u32 rs1, u32 rm, u32 rd) {
    return test::r_type(funct7, rs2, rs1, rm, rd, 0x53);
}
constexpr u32 kFaddD = 0x01, kFdivD = 0x0d, kFeqD = 0x51, kFcvtWD = 0x61, kFmvXD = 0x71;
constexpr u32 kDyn = 7;

// A hart on 64 KiB of RAM running a program that ends in ecall; mtvec loops on itself.
class FpuHart : public ::testing::Test {
  protected:
    static constexpr u64 kBase = 0x8000'0000, kTrap = kBase + 0xf000;
    FpuHart() : ram(kBase, 64 * 1024), bus(ram), hart(bus, 0) {}

    // Resets the hart, then calls `setup` (registers), sets mstatus.FS and fcsr, and runs.
    template <class Setup>
    void run(std::initializer_list<u32> program, u64 mstatus_fs, u32 fcsr, Setup setup) {
        u64 addr = kBase;
        for (u32 w : program) {
            std::memcpy(ram.host(addr), &w, 4);
            addr += 4;
        }
        const u32 loop = test::jal(0, 0), ecall = test::kEcall;
        std::memcpy(ram.host(addr), &ecall, 4);
        std::memcpy(ram.host(kTrap), &loop, 4);
        hart.reset(kBase);
        setup();
        ASSERT_TRUE(hart.csr_write(csr::kMtvec, kTrap));
        u64 mstatus;
        ASSERT_TRUE(hart.csr_read(csr::kMstatus, mstatus));
        ASSERT_TRUE(hart.csr_write(csr::kMstatus, (mstatus & ~mstatus::kFs) | mstatus_fs));
        if (mstatus_fs != 0) {
            ASSERT_TRUE(hart.csr_write(csr::kFcsr, fcsr));
        }
        hart.run(1000);
    }
    u64 mstatus() {
        u64 v = 0;
        EXPECT_TRUE(hart.csr_read(csr::kMstatus, v));
        return v;
    }

    static constexpr u64 kFsInitial = 1ull << mstatus::kFsShift;
    mem::GuestRam ram;
    mem::Bus bus;
    Hart hart;
};

TEST_F(FpuHart, ArithmeticWithDynamicRoundingAccruesFlagsAndDirtiesFs) {
    // fadd.d f1, f2, f3, dyn with frm = RUP; fdiv.d f4, f2, f0(+0), rne; feq.d x5, f1, f2;
    // fcvt.w.d x6, f3, dyn; fmv.x.d x7, f1.
    run({fp_op(kFaddD, 3, 2, kDyn, 1), fp_op(kFdivD, 0, 2, kRne, 4), fp_op(kFeqD, 2, 1, 2, 5),
         fp_op(kFcvtWD, 0, 3, kDyn, 6), fp_op(kFmvXD, 0, 1, 0, 7)},
        kFsInitial, kRup << 5, [&] {
            hart.set_f(2, D(1.0));
            hart.set_f(3, D(0x1p-53));
        });
    EXPECT_EQ(hart.csrs().mcause, 11u) << "the program must reach its ecall";
    EXPECT_EQ(hart.f(1), 0x3ff0000000000001u);  // rounded up
    EXPECT_EQ(hart.f(4), kDInf);
    EXPECT_EQ(hart.x(5), 0u);
    EXPECT_EQ(hart.x(6), 1u);  // 2^-53 rounded up
    EXPECT_EQ(hart.x(7), 0x3ff0000000000001u);
    EXPECT_EQ(hart.csrs().fcsr, (kRup << 5) | kNX | kDZ);
    EXPECT_EQ(mstatus() & mstatus::kFs, mstatus::kFs);
    EXPECT_NE(mstatus() & mstatus::kSd, 0u);
}

TEST_F(FpuHart, FsOffMakesFpInstructionsIllegal) {
    const u32 insn = fp_op(kFaddD, 3, 2, kRne, 1);
    run({insn}, 0, 0, [&] { hart.set_f(1, 0x1234); });
    EXPECT_EQ(hart.csrs().mcause, 2u);
    EXPECT_EQ(hart.csrs().mtval, insn);
    EXPECT_EQ(hart.csrs().mepc, kBase);
    EXPECT_EQ(hart.f(1), 0x1234u);
}

TEST_F(FpuHart, InvalidFrmIsIllegalOnlyForTheDynamicMode) {
    // A static mode runs whatever frm holds; then the dynamic one traps with frm = 5.
    const u32 dyn = fp_op(kFaddD, 3, 2, kDyn, 4);
    run({fp_op(kFaddD, 3, 2, kRtz, 1), dyn}, kFsInitial, 5u << 5, [&] {
        hart.set_f(2, D(1.0));
        hart.set_f(3, D(2.0));
    });
    EXPECT_EQ(hart.f(1), D(3.0));
    EXPECT_EQ(hart.csrs().mcause, 2u);
    EXPECT_EQ(hart.csrs().mtval, dyn);
    EXPECT_EQ(hart.csrs().mepc, kBase + 4);
    EXPECT_EQ(hart.f(4), 0u);
}

TEST_F(FpuHart, LoadsBoxSinglesAndFaultsLeaveRegistersAlone) {
    const u32 word = 0x7f800001;  // a signaling NaN: loads never touch flags
    std::memcpy(ram.host(kBase + 0x800), &word, 4);
    // flw f1, 0(x10); fld f2, 0(x11) with x11 unmapped: load access fault.
    run({test::i_type(0, 10, 2, 1, 0x07), test::i_type(0, 11, 3, 2, 0x07)}, kFsInitial, 0, [&] {
        hart.set_x(10, kBase + 0x800);
        hart.set_x(11, 0x1000);
        hart.set_f(2, 0x55);
    });
    EXPECT_EQ(hart.f(1), 0xffffffff7f800001u);
    EXPECT_EQ(hart.csrs().mcause, 5u);
    EXPECT_EQ(hart.f(2), 0x55u);
    EXPECT_EQ(hart.csrs().fcsr, 0u);
}

}  // namespace
}  // namespace rvisor::cpu::fpu
