// The C++ functions compiled code calls. See host_calls.hpp.
#include "jit/host_calls.hpp"

#include <cstdint>

namespace rvisor::jit::host_calls {

namespace {
u64 sx32(u32 v) {
    return static_cast<u64>(static_cast<i64>(static_cast<i32>(v)));
}
}  // namespace

bool load_helper(cpu::Hart* h, u64 va, u32 size, u64* out) {
    return h->jit_load_slow(va, size, *out);
}
bool store_helper(cpu::Hart* h, u64 va, u32 size, u64 value) {
    return h->jit_store_slow(va, size, value);
}

// Division with the RISC-V results for division by zero and overflow (unprivileged spec,
// table 13.1), as the interpreter computes them.
u64 div_helper(u64 a, u64 b) {
    const auto sa = static_cast<i64>(a), sb = static_cast<i64>(b);
    if (sb == 0) return ~0ULL;
    if (sa == INT64_MIN && sb == -1) return a;
    return static_cast<u64>(sa / sb);
}
u64 divu_helper(u64 a, u64 b) {
    return b == 0 ? ~0ULL : a / b;
}
u64 rem_helper(u64 a, u64 b) {
    const auto sa = static_cast<i64>(a), sb = static_cast<i64>(b);
    if (sb == 0) return a;
    if (sa == INT64_MIN && sb == -1) return 0;
    return static_cast<u64>(sa % sb);
}
u64 remu_helper(u64 a, u64 b) {
    return b == 0 ? a : a % b;
}
u64 divw_helper(u64 a, u64 b) {
    const auto sa = static_cast<i32>(a), sb = static_cast<i32>(b);
    if (sb == 0) return ~0ULL;
    if (sa == INT32_MIN && sb == -1) return sx32(static_cast<u32>(sa));
    return sx32(static_cast<u32>(sa / sb));
}
u64 divuw_helper(u64 a, u64 b) {
    const auto ua = static_cast<u32>(a), ub = static_cast<u32>(b);
    return sx32(ub == 0 ? ~0u : ua / ub);
}
u64 remw_helper(u64 a, u64 b) {
    const auto sa = static_cast<i32>(a), sb = static_cast<i32>(b);
    if (sb == 0) return sx32(static_cast<u32>(sa));
    if (sa == INT32_MIN && sb == -1) return 0;
    return sx32(static_cast<u32>(sa % sb));
}
u64 remuw_helper(u64 a, u64 b) {
    const auto ua = static_cast<u32>(a), ub = static_cast<u32>(b);
    return sx32(ub == 0 ? ua : ua % ub);
}

}  // namespace rvisor::jit::host_calls
