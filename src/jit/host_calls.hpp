// The C++ functions that compiled code calls (System V ABI, plain functions so their address
// can be emitted) for the load/store slow paths on a soft-TLB miss. (Division calls
// cpu/int_division.hpp, the interpreter's own definitions.) They never throw.
#pragma once

#include "base/types.hpp"
#include "cpu/hart.hpp"

namespace rvisor::jit::host_calls {

// Hart::jit_load_slow / jit_store_slow: false when the access trapped (the trap is pending).
bool load_helper(cpu::Hart* h, u64 va, u32 size, u64* out);
bool store_helper(cpu::Hart* h, u64 va, u32 size, u64 value);

}  // namespace rvisor::jit::host_calls
