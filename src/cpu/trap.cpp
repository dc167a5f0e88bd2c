// Trap entry and return (privileged spec 1.12, sections 3.1.6.1, 3.1.15-3.1.17, 3.3.2).
#include "cpu/hart.hpp"

namespace rvisor::cpu {

void Hart::take_trap() {
    const u64 cause = static_cast<u64>(pending_.cause);
    const u64 tval = pending_.tval;
    reservation_ = ~0ULL;  // a trap breaks any LR/SC sequence

    // Exceptions from U or S may be delegated to S-mode through medeleg (3.1.8).
    const bool to_supervisor = priv_ != PrivMode::Machine && ((csr_.medeleg >> cause) & 1);
    u64& status = csr_.mstatus;
    if (to_supervisor) {
        csr_.scause = cause;
        csr_.sepc = pc_;
        csr_.stval = tval;
        status = (status & ~(mstatus::kSpie | mstatus::kSpp)) |
                 ((status & mstatus::kSie) ? mstatus::kSpie : 0) |
                 (priv_ == PrivMode::Supervisor ? mstatus::kSpp : 0);
        status &= ~mstatus::kSie;
        priv_ = PrivMode::Supervisor;
        pc_ = csr_.stvec & ~3ULL;  // exceptions always go to the base, vectored or not
    } else {
        csr_.mcause = cause;
        csr_.mepc = pc_;
        csr_.mtval = tval;
        status = (status & ~(mstatus::kMpie | mstatus::kMpp)) |
                 ((status & mstatus::kMie) ? mstatus::kMpie : 0) |
                 (static_cast<u64>(priv_) << mstatus::kMppShift);
        status &= ~mstatus::kMie;
        priv_ = PrivMode::Machine;
        pc_ = csr_.mtvec & ~3ULL;
    }
}

void Hart::do_mret() {
    u64& status = csr_.mstatus;
    const auto previous = static_cast<PrivMode>((status & mstatus::kMpp) >> mstatus::kMppShift);
    // MIE <- MPIE, MPIE <- 1, MPP <- least-privileged supported mode (M here: no U yet).
    status = (status & ~mstatus::kMie) | ((status & mstatus::kMpie) ? mstatus::kMie : 0);
    status |= mstatus::kMpie;
    status = (status & ~mstatus::kMpp) | (static_cast<u64>(kLowestMode) << mstatus::kMppShift);
    if (previous != PrivMode::Machine) status &= ~mstatus::kMprv;
    priv_ = previous;
    pc_ = csr_.mepc;
}

}  // namespace rvisor::cpu
