// The C++ functions compiled code calls. See host_calls.hpp.
#include "jit/host_calls.hpp"

namespace rvisor::jit::host_calls {

bool load_helper(cpu::Hart* h, u64 va, u32 size, u64* out) {
    return h->jit_load_slow(va, size, *out);
}
bool store_helper(cpu::Hart* h, u64 va, u32 size, u64 value) {
    return h->jit_store_slow(va, size, value);
}

}  // namespace rvisor::jit::host_calls
