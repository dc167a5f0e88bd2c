// Trap entry and return, interrupt selection and WFI (privileged spec 1.12, sections
// 3.1.6.1, 3.1.9, 3.1.15-3.1.17, 3.3.2, 3.3.3).
#include <cstdio>
#include <cstdlib>

#include "cpu/hart.hpp"

namespace rvisor::cpu {

namespace {
using namespace mstatus;

// RVISOR_TRACE_TRAPS=N prints the first N traps to stderr (like QEMU's -d int), for
// comparing a misbehaving guest against QEMU.
u64 trap_trace_budget() {
    static const u64 budget = [] {
        const char* v = std::getenv("RVISOR_TRACE_TRAPS");
        return v ? std::strtoull(v, nullptr, 0) : 0;
    }();
    return budget;
}
std::atomic<u64> traps_traced{0};
}  // namespace

void Hart::enter_trap(u64 cause, bool interrupt, u64 tval) {
    if (RVISOR_UNLIKELY(trap_trace_budget() != 0) &&
        traps_traced.fetch_add(1, std::memory_order_relaxed) < trap_trace_budget()) {
        std::fprintf(stderr, "trap: hart %llu %s %llu epc=0x%llx tval=0x%llx priv=%u\n",
                     static_cast<unsigned long long>(hart_id_), interrupt ? "irq" : "exc",
                     static_cast<unsigned long long>(cause), static_cast<unsigned long long>(pc_),
                     static_cast<unsigned long long>(tval), static_cast<unsigned>(priv_));
    }
    reservation_ = ~0ULL;  // a trap breaks any LR/SC sequence
    in_wfi_ = false;
    trap_history_[trap_count_++ % kTrapHistory] = {cause | (interrupt ? 1ULL << 63 : 0), pc_, tval,
                                                   priv_};

    // Traps from U or S may be delegated to S-mode (3.1.8); M-mode traps never are.
    const u64 deleg = interrupt ? csr_.mideleg : csr_.medeleg;
    const bool to_supervisor = priv_ != PrivMode::Machine && ((deleg >> cause) & 1);
    const u64 mcause = cause | (interrupt ? 1ULL << 63 : 0);
    u64& status = csr_.mstatus;
    if (to_supervisor) {
        csr_.scause = mcause;
        csr_.sepc = pc_;
        csr_.stval = tval;
        status = (status & ~(kSpie | kSpp)) | ((status & kSie) ? kSpie : 0) |
                 (priv_ == PrivMode::Supervisor ? kSpp : 0);
        status &= ~kSie;
        priv_ = PrivMode::Supervisor;
        // Vectored mode sends interrupts to BASE + 4 * cause; exceptions always to BASE.
        pc_ = (csr_.stvec & ~3ULL) + ((interrupt && (csr_.stvec & 3) == 1) ? 4 * cause : 0);
    } else {
        csr_.mcause = mcause;
        csr_.mepc = pc_;
        csr_.mtval = tval;
        status = (status & ~(kMpie | kMpp)) | ((status & kMie) ? kMpie : 0) |
                 (static_cast<u64>(priv_) << kMppShift);
        status &= ~kMie;
        priv_ = PrivMode::Machine;
        pc_ = (csr_.mtvec & ~3ULL) + ((interrupt && (csr_.mtvec & 3) == 1) ? 4 * cause : 0);
    }
    select_data_tlb();
}

std::vector<Hart::TrapRecord> Hart::recent_traps() const {
    std::vector<TrapRecord> out;
    const u64 n = std::min<u64>(trap_count_, kTrapHistory);
    for (u64 i = trap_count_ - n; i < trap_count_; ++i)
        out.push_back(trap_history_[i % kTrapHistory]);
    return out;
}

u64 Hart::mip() const {
    // The timer bits are compared live, so a read right after a compare write is exact.
    const u64 now = time();
    u64 timers = 0;
    if (now >= mtimecmp_.load(std::memory_order_acquire)) timers |= irq::kMtip;
    // With Sstc enabled, STIP is driven by stimecmp and is read-only in mip (Sstc spec).
    if ((csr_.menvcfg & envcfg::kStce) && now >= csr_.stimecmp) timers |= irq::kStip;
    return csr_.mip | irq_lines_.load(std::memory_order_acquire) | timers;
}

bool Hart::take_interrupt() {
    const u64 pending = mip() & csr_.mie;
    if (!pending) return false;
    // Interrupts for M are enabled below M always, in M when MIE; likewise for S (3.1.9).
    const bool m_enabled = priv_ != PrivMode::Machine || (csr_.mstatus & kMie);
    const bool s_enabled =
        priv_ == PrivMode::User || (priv_ == PrivMode::Supervisor && (csr_.mstatus & kSie));
    u64 candidates = 0;
    if (m_enabled) candidates |= pending & ~csr_.mideleg;
    if (s_enabled) candidates |= pending & csr_.mideleg;
    if (!candidates) return false;
    // Priority: MEI, MSI, MTI, SEI, SSI, STI. M-level ones come first in that list, and an
    // M-level interrupt that is pending and enabled always beats a delegated one.
    static constexpr Interrupt kOrder[] = {
        Interrupt::MachineExternal,    Interrupt::MachineSoftware,    Interrupt::MachineTimer,
        Interrupt::SupervisorExternal, Interrupt::SupervisorSoftware, Interrupt::SupervisorTimer,
    };
    for (Interrupt i : kOrder) {
        const u64 cause = static_cast<u64>(i);
        if (candidates & (1ULL << cause)) {
            enter_trap(cause, true, 0);
            return true;
        }
    }
    return false;
}

bool Hart::wait_for_interrupt() {
    // WFI resumes when any interrupt is pending and enabled in mie, whatever the global
    // enables (3.3.3). It parks the host thread: no spinning.
    const auto give_up = std::chrono::steady_clock::now() + max_park;
    for (;;) {
        if (mip() & csr_.mie) return true;
        if (events_.load(std::memory_order_acquire) & kEventStop) return true;
        auto until = give_up;
        // Wake for the next timer deadline (ticks are 100 ns at 10 MHz).
        u64 deadline = mtimecmp_.load(std::memory_order_acquire);
        if (csr_.menvcfg & envcfg::kStce) deadline = std::min(deadline, csr_.stimecmp);
        const u64 now = time();
        if (deadline != ~0ULL && deadline > now) {
            const auto wake =
                std::chrono::steady_clock::now() + std::chrono::nanoseconds((deadline - now) * 100);
            until = std::min(until, wake);
        }
        if (std::chrono::steady_clock::now() >= give_up) return false;
        std::unique_lock lock(park_mutex_);
        park_cv_.wait_until(lock, until, [this] {
            return (events_.load(std::memory_order_acquire) & (kEventStop | kEventInterrupt)) != 0;
        });
        events_.fetch_and(~kEventInterrupt, std::memory_order_acq_rel);
    }
}

void Hart::post_event(u32 event) {
    events_.fetch_or(event, std::memory_order_release);
    // Taking the lock orders this with a parking hart's check, so the wake-up is not lost.
    std::lock_guard lock(park_mutex_);
    park_cv_.notify_all();
}

void Hart::set_interrupt_line(u64 mask, bool level) {
    if (level)
        irq_lines_.fetch_or(mask, std::memory_order_acq_rel);
    else
        irq_lines_.fetch_and(~mask, std::memory_order_acq_rel);
    post_event(kEventInterrupt);
}

void Hart::set_mtimecmp(u64 value) {
    mtimecmp_.store(value, std::memory_order_release);
    post_event(kEventInterrupt);
}

void Hart::do_mret() {
    u64& status = csr_.mstatus;
    const auto previous = static_cast<PrivMode>((status & kMpp) >> kMppShift);
    // MIE <- MPIE, MPIE <- 1, MPP <- least-privileged mode, MPRV cleared when leaving M.
    status = (status & ~kMie) | ((status & kMpie) ? kMie : 0);
    status |= kMpie;
    status = (status & ~kMpp) | (static_cast<u64>(kLowestMode) << kMppShift);
    if (previous != PrivMode::Machine) status &= ~kMprv;
    priv_ = previous;
    pc_ = csr_.mepc;
    select_data_tlb();
}

void Hart::do_sret() {
    u64& status = csr_.mstatus;
    const PrivMode previous = (status & kSpp) ? PrivMode::Supervisor : PrivMode::User;
    status = (status & ~kSie) | ((status & kSpie) ? kSie : 0);
    status |= kSpie;
    status &= ~kSpp;
    status &= ~kMprv;  // SRET always returns to a mode below M
    priv_ = previous;
    pc_ = csr_.sepc;
    select_data_tlb();
}

}  // namespace rvisor::cpu
