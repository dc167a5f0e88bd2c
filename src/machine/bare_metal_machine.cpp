#include "machine/bare_metal_machine.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <thread>

#include "mem/address_map.hpp"

namespace rvisor::machine {

std::string ExitStatus::message() const {
    switch (kind) {
        case Kind::Pass: return "guest passed";
        case Kind::Fail: return "guest failed with code " + std::to_string(code);
        case Kind::Reset: return "guest requested a reset";
        case Kind::InstructionLimit:
            return "stopped: instruction limit reached after " + std::to_string(instructions) +
                   " instructions";
        case Kind::Timeout:
            return "stopped: timeout after " + std::to_string(instructions) + " instructions";
        case Kind::HtifUnsupported: {
            char buf[96];
            std::snprintf(buf, sizeof buf,
                          "guest made an HTIF syscall request (tohost=0x%llx), which rvisor "
                          "does not support",
                          static_cast<unsigned long long>(code));
            return buf;
        }
    }
    return "unknown exit";
}

BareMetalMachine::BareMetalMachine(BareMetalConfig config) : config_(std::move(config)) {
    using mem::Region;
    ram_ = std::make_unique<mem::GuestRam>(mem::region(Region::Dram).base, config_.ram_size);
    bus_ = std::make_unique<mem::Bus>(*ram_);
    test_ = std::make_unique<devices::TestDevice>([this](devices::PowerRequest r) { on_power(r); });
    auto out = config_.console_out;
    if (!out) {
        out = [](u8 c) {
            std::fputc(c, stdout);
            if (c == '\n') std::fflush(stdout);
        };
    }
    uart_ = std::make_unique<devices::Uart16550>(std::move(out));
    bus_->map(mem::region(Region::Test).base, mem::region(Region::Test).size, *test_);
    bus_->map(mem::region(Region::Uart0).base, mem::region(Region::Uart0).size, *uart_);
    // Harts before the CLINT: it drives them from construction on.
    const unsigned n = std::clamp(config_.harts, 1u, BareMetalConfig::kMaxHarts);
    std::vector<cpu::Hart*> hart_ptrs;
    for (unsigned i = 0; i < n; ++i) {
        auto& h = harts_.emplace_back(std::make_unique<cpu::Hart>(*bus_, i));
        h->set_time_source(
            [](const void* t) { return static_cast<const devices::Timebase*>(t)->now(); },
            &timebase_);
        h->on_watched_store = [this](u64 paddr) { on_tohost(paddr); };
        if (auto c = attach_engine(*h, resolve_engine(config_.engine), config_.check_jit,
                                   config_.jit_threshold))
            compilers_.push_back(std::move(c));
        hart_ptrs.push_back(h.get());
    }
    router_ = std::make_unique<HartRouter>(hart_ptrs);
    clint_ = std::make_unique<devices::Clint>(n, timebase_, router_.get());
    bus_->map(mem::region(Region::Clint).base, mem::region(Region::Clint).size, *clint_);
}

void BareMetalMachine::load(const std::filesystem::path& elf) {
    const LoadedElf loaded = load_elf(elf, *ram_);
    for (auto& h : harts_) {
        h->reset(loaded.entry);
        h->set_x(10, h->hart_id());  // a0 = hartid, as QEMU virt's reset vector passes it
    }
    tohost_ = loaded.tohost;
    if (tohost_ && ram_->contains(*tohost_, 8)) ram_->set_page_flags(*tohost_, mem::kPageWatched);
}

void BareMetalMachine::on_power(devices::PowerRequest r) {
    using K = devices::PowerRequest::Kind;
    ExitStatus s;
    s.kind = r.kind == K::Poweroff ? ExitStatus::Kind::Pass
             : r.kind == K::Fail   ? ExitStatus::Kind::Fail
                                   : ExitStatus::Kind::Reset;
    s.code = r.code;
    finish(s);
}

void BareMetalMachine::on_tohost(u64 paddr) {
    // HTIF (Spike): a nonzero write to tohost is a command. Bit 0 set means "exit" with
    // code value >> 1 (1 = pass); anything else is a syscall/device request we refuse.
    if (!tohost_ || paddr < *tohost_ || paddr >= *tohost_ + 8) return;
    // Another hart may store to the word at the same time: read it as one atomic access.
    u64 value;
    if (*tohost_ % 8 == 0)
        value =
            __atomic_load_n(reinterpret_cast<const u64*>(ram_->host(*tohost_)), __ATOMIC_RELAXED);
    else
        std::memcpy(&value, ram_->host(*tohost_), 8);
    if (value == 0) return;
    ExitStatus s;
    if (value & 1) {
        s.code = value >> 1;
        s.kind = s.code == 0 ? ExitStatus::Kind::Pass : ExitStatus::Kind::Fail;
    } else {
        s.kind = ExitStatus::Kind::HtifUnsupported;
        s.code = value;
    }
    finish(s);
}

void BareMetalMachine::finish(const ExitStatus& status) {
    {
        std::lock_guard lock(exit_mutex_);
        if (exit_) return;  // the first reason wins
        exit_ = status;
    }
    stopping_.store(true, std::memory_order_release);
    for (auto& h : harts_) h->request_stop();
    exit_cv_.notify_all();
}

void BareMetalMachine::run_hart(cpu::Hart& hart) {
    // Run in slices so hart 0 checks the instruction limit; a slice is short enough (~10 ms)
    // to notice a stop promptly even if a stop request raced with the start of run().
    constexpr u64 kSlice = 1'000'000;
    const u64 limit = config_.max_instructions.value_or(~0ULL);
    while (!stopping_.load(std::memory_order_acquire)) {
        u64 budget = kSlice;
        if (hart.hart_id() == 0) {
            const u64 done = hart.instret();
            if (done >= limit) {
                finish({ExitStatus::Kind::InstructionLimit, 0, 0});
                return;
            }
            budget = std::min(budget, limit - done);
        }
        hart.run(budget);
    }
}

ExitStatus BareMetalMachine::run() {
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    std::vector<std::thread> threads;
    threads.reserve(harts_.size());
    try {
        for (auto& h : harts_) threads.emplace_back([this, hart = h.get()] { run_hart(*hart); });
    } catch (...) {
        // The host refused a thread: stop the harts already running, then report it.
        finish({ExitStatus::Kind::Reset, 0, 0});
        for (auto& t : threads) t.join();
        throw;
    }
    {
        std::unique_lock lock(exit_mutex_);
        const auto done = [this] { return exit_.has_value(); };
        if (config_.timeout) {
            if (!exit_cv_.wait_until(lock, start + *config_.timeout, done)) {
                lock.unlock();
                finish({ExitStatus::Kind::Timeout, 0, 0});
            }
        } else {
            exit_cv_.wait(lock, done);
        }
    }
    for (auto& t : threads) t.join();
    ExitStatus status = *exit_;
    status.instructions = 0;
    for (auto& h : harts_) status.instructions += h->instret();
    return status;
}

}  // namespace rvisor::machine
