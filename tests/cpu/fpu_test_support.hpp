// What the FPU tests share: bit-pattern helpers, the corner-case constants and the
// exact-result checks (EXPECT_FP, EXPECT_BOTH).
#pragma once

#include <gtest/gtest.h>

#include <bit>

#include "cpu/fpu.hpp"

namespace rvisor::cpu::fpu::test_support {

constexpr u64 D(double v) {
    return std::bit_cast<u64>(v);
}
constexpr u64 S(float v) {
    return box_s(std::bit_cast<u32>(v));
}
constexpr u64 Sb(u32 bits) {
    return box_s(bits);
}

// double bit patterns
constexpr u64 kDMinSub = 0x0000000000000001, kDMaxSub = 0x000fffffffffffff;
constexpr u64 kDMinNorm = 0x0010000000000000, kDMax = 0x7fefffffffffffff;
constexpr u64 kDInf = 0x7ff0000000000000, kDNegInf = 0xfff0000000000000;
constexpr u64 kDQNan = 0x7ff8000000000000, kDSNan = 0x7ff0000000000001;
constexpr u64 kDNegZero = 0x8000000000000000;
// single bit patterns (unboxed)
constexpr u32 kSMinSub = 0x00000001, kSMaxSub = 0x007fffff, kSMinNorm = 0x00800000;
constexpr u32 kSMax = 0x7f7fffff, kSInf = 0x7f800000, kSQNan = 0x7fc00000, kSSNan = 0x7f800001;
constexpr u64 kSCanon = 0xffffffff7fc00000;  // boxed canonical NaN

constexpr unsigned kModes[] = {kRne, kRtz, kRdn, kRup, kRmm};

// Checks `expr` (which may raise flags into a variable `fl`) for exact bits and flags.
#define EXPECT_FP(expr, bits, flags)                                                   \
    do {                                                                               \
        u32 fl = 0;                                                                    \
        const u64 got_ = (expr);                                                       \
        EXPECT_EQ(got_, static_cast<u64>(bits)) << #expr << std::hex << " = " << got_; \
        EXPECT_EQ(fl, static_cast<u32>(flags)) << #expr;                               \
    } while (0)
// Same, for an op that has a software twin: checks both the public (host) and the soft path.
#define EXPECT_BOTH(fn, args, bits, flags)     \
    do {                                       \
        EXPECT_FP(fn args, bits, flags);       \
        EXPECT_FP(soft::fn args, bits, flags); \
    } while (0)

}  // namespace rvisor::cpu::fpu::test_support
