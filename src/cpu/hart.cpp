#include "cpu/hart.hpp"

namespace rvisor::cpu {

Hart::Hart(mem::Bus& bus, u64 hart_id) : bus_(bus), ram_(bus.ram()), hart_id_(hart_id) {
    reset(0);
}

void Hart::reset(u64 reset_pc) {
    std::fill(std::begin(x_), std::end(x_), 0);
    std::fill(std::begin(f_), std::end(f_), 0);
    pc_ = reset_pc;
    priv_ = PrivMode::Machine;
    instret_ = 0;
    csr_ = CsrState{};
    csr_.mstatus |= static_cast<u64>(kLowestMode) << mstatus::kMppShift;
    reservation_ = ~0ULL;
    tlb_.flush();
    blocks_.invalidate_all();
}

}  // namespace rvisor::cpu
