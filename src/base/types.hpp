// Fixed-width integer aliases used across rvisor. Guest state is always explicit-width.
#pragma once

#include <cstddef>
#include <cstdint>

namespace rvisor {

using u8 = std::uint8_t;
using u16 = std::uint16_t;
using u32 = std::uint32_t;
using u64 = std::uint64_t;
using i8 = std::int8_t;
using i16 = std::int16_t;
using i32 = std::int32_t;
using i64 = std::int64_t;
using u128 = unsigned __int128;
using i128 = __int128;

#define RVISOR_LIKELY(x) __builtin_expect(!!(x), 1)
#define RVISOR_UNLIKELY(x) __builtin_expect(!!(x), 0)

}  // namespace rvisor
