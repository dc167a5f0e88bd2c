#include "machine/bare_metal_machine.hpp"

#include <cstdio>
#include <cstring>

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
    hart_ = std::make_unique<cpu::Hart>(*bus_, 0);
    hart_->set_time_source([this] { return timebase_.now(); });
    hart_->on_watched_store = [this](u64 paddr) { on_tohost(paddr); };
    router_ = std::make_unique<HartRouter>(std::vector<cpu::Hart*>{hart_.get()});
    clint_ = std::make_unique<devices::Clint>(1, timebase_, router_.get());
    bus_->map(mem::region(Region::Clint).base, mem::region(Region::Clint).size, *clint_);
}

void BareMetalMachine::load(const std::filesystem::path& elf) {
    const LoadedElf loaded = load_elf(elf, *ram_);
    hart_->reset(loaded.entry);
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
    exit_ = s;
    hart_->request_stop();
}

void BareMetalMachine::on_tohost(u64 paddr) {
    // HTIF (Spike): a nonzero write to tohost is a command. Bit 0 set means "exit" with
    // code value >> 1 (1 = pass); anything else is a syscall/device request we refuse.
    if (!tohost_ || paddr < *tohost_ || paddr >= *tohost_ + 8) return;
    u64 value;
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
    exit_ = s;
    hart_->request_stop();
}

ExitStatus BareMetalMachine::run() {
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    // Run in slices so the wall-clock and instruction limits are checked without a timer
    // thread; a slice is short enough (~10 ms) to stop promptly.
    constexpr u64 kSlice = 1'000'000;
    const u64 limit = config_.max_instructions.value_or(~0ULL);
    for (;;) {
        const u64 done = hart_->instret();
        if (done >= limit) {
            return {ExitStatus::Kind::InstructionLimit, 0, done};
        }
        hart_->run(std::min(kSlice, limit - done));
        if (exit_) {
            exit_->instructions = hart_->instret();
            return *exit_;
        }
        if (config_.timeout && Clock::now() - start >= *config_.timeout) {
            return {ExitStatus::Kind::Timeout, 0, hart_->instret()};
        }
    }
}

}  // namespace rvisor::machine
