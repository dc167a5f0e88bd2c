// Bit-field extraction and sign extension, constexpr so decode tables can use them.
#pragma once

#include "base/types.hpp"

namespace rvisor {

// Bits [hi:lo] of v, shifted down to bit 0.
constexpr u64 bits(u64 v, unsigned hi, unsigned lo) {
    return (v >> lo) & ((hi - lo + 1 >= 64) ? ~0ULL : ((1ULL << (hi - lo + 1)) - 1));
}

constexpr u64 bit(u64 v, unsigned n) {
    return (v >> n) & 1;
}

// Sign-extends the low `width` bits of v.
constexpr i64 sext(u64 v, unsigned width) {
    const unsigned shift = 64 - width;
    return static_cast<i64>(v << shift) >> shift;
}

}  // namespace rvisor
