// RISC-V integer division and remainder (M extension) on register values: the architected
// results for division by zero and signed overflow (unprivileged spec, table 13.1), with no
// host trap and no undefined behaviour. The W forms divide the low 32 bits and sign-extend the
// 32-bit result. The interpreter uses them directly; compiled code calls them (System V ABI:
// two register values in, the result out), so both engines share one definition.
#pragma once

#include <cstdint>

#include "base/types.hpp"

namespace rvisor::cpu::int_division {

inline u64 sign_extend32(u32 v) {
    return static_cast<u64>(static_cast<i64>(static_cast<i32>(v)));
}

inline u64 div(u64 a, u64 b) {
    const auto sa = static_cast<i64>(a), sb = static_cast<i64>(b);
    if (sb == 0) return ~0ULL;
    if (sa == INT64_MIN && sb == -1) return a;
    return static_cast<u64>(sa / sb);
}
inline u64 divu(u64 a, u64 b) {
    return b == 0 ? ~0ULL : a / b;
}
inline u64 rem(u64 a, u64 b) {
    const auto sa = static_cast<i64>(a), sb = static_cast<i64>(b);
    if (sb == 0) return a;
    if (sa == INT64_MIN && sb == -1) return 0;
    return static_cast<u64>(sa % sb);
}
inline u64 remu(u64 a, u64 b) {
    return b == 0 ? a : a % b;
}
inline u64 divw(u64 a, u64 b) {
    const auto sa = static_cast<i32>(a), sb = static_cast<i32>(b);
    if (sb == 0) return ~0ULL;
    if (sa == INT32_MIN && sb == -1) return sign_extend32(static_cast<u32>(sa));
    return sign_extend32(static_cast<u32>(sa / sb));
}
inline u64 divuw(u64 a, u64 b) {
    const auto ua = static_cast<u32>(a), ub = static_cast<u32>(b);
    return sign_extend32(ub == 0 ? ~0u : ua / ub);
}
inline u64 remw(u64 a, u64 b) {
    const auto sa = static_cast<i32>(a), sb = static_cast<i32>(b);
    if (sb == 0) return sign_extend32(static_cast<u32>(sa));
    if (sa == INT32_MIN && sb == -1) return 0;
    return sign_extend32(static_cast<u32>(sa % sb));
}
inline u64 remuw(u64 a, u64 b) {
    const auto ua = static_cast<u32>(a), ub = static_cast<u32>(b);
    return sign_extend32(ub == 0 ? ua : ua % ub);
}

}  // namespace rvisor::cpu::int_division
