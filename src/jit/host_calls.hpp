// The C++ functions that compiled code calls (System V ABI, plain functions so their address
// can be emitted): the load/store slow paths on a soft-TLB miss, and RISC-V division, whose
// results for division by zero and overflow (unprivileged spec, table 13.1) no x86 instruction
// gives. They never throw.
#pragma once

#include "base/types.hpp"
#include "cpu/hart.hpp"

namespace rvisor::jit::host_calls {

// Hart::jit_load_slow / jit_store_slow: false when the access trapped (the trap is pending).
bool load_helper(cpu::Hart* h, u64 va, u32 size, u64* out);
bool store_helper(cpu::Hart* h, u64 va, u32 size, u64 value);

u64 div_helper(u64 a, u64 b);
u64 divu_helper(u64 a, u64 b);
u64 rem_helper(u64 a, u64 b);
u64 remu_helper(u64 a, u64 b);
// The W forms: 32-bit operands, the result sign-extended to 64 bits.
u64 divw_helper(u64 a, u64 b);
u64 divuw_helper(u64 a, u64 b);
u64 remw_helper(u64 a, u64 b);
u64 remuw_helper(u64 a, u64 b);

}  // namespace rvisor::jit::host_calls
