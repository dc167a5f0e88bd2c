// The board `rvisor exec` runs bare-metal programs on: RAM at 0x8000_0000, the SiFive test
// device, an NS16550A UART and the CLINT at their QEMU virt addresses, 1..64 harts, and the
// HTIF `tohost` convention of Spike-style test suites. Program exit is reported through
// ExitStatus.
//
// Harts: every hart starts at the ELF entry in M-mode with a0 = its hartid (as QEMU virt does
// with -bios none -smp N) and runs on its own host thread, sharing RAM and the devices. The
// first exit reason (test device, HTIF tohost, limit) ends the run and stops every hart.
// The instruction limit counts hart 0's retired instructions (deterministic for hart 0's
// program, and exact with one hart); ExitStatus::instructions is the sum over all harts.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/types.hpp"
#include "cpu/hart.hpp"
#include "devices/clint.hpp"
#include "devices/test_device.hpp"
#include "devices/timebase.hpp"
#include "devices/uart16550.hpp"
#include "machine/elf_loader.hpp"
#include "machine/engine.hpp"
#include "machine/hart_router.hpp"
#include "mem/bus.hpp"
#include "mem/guest_ram.hpp"

namespace rvisor::machine {

struct BareMetalConfig {
    static constexpr unsigned kMaxHarts = 64;
    u64 ram_size = 128ULL << 20;
    unsigned harts = 1;                                // 1..kMaxHarts (clamped)
    std::optional<u64> max_instructions;               // stop after hart 0 retired this many
    std::optional<std::chrono::milliseconds> timeout;  // wall-clock limit
    std::function<void(u8)> console_out;               // UART output; stdout when empty
    Engine engine = kDefaultEngine;                    // --engine
    bool check_jit = false;                            // --check (lock-step, with the JIT)
    u32 jit_threshold = cpu::Hart::kHotThreshold;      // --jit-threshold
};

struct ExitStatus {
    enum class Kind {
        Pass,              // test device 0x5555 or HTIF tohost = 1
        Fail,              // test device (code << 16) | 0x3333 or HTIF (code << 1) | 1
        Reset,             // test device 0x7777
        InstructionLimit,  // --max-instructions reached
        Timeout,           // --timeout reached
        HtifUnsupported,   // HTIF syscall request (tohost with bit 0 clear)
    };
    Kind kind = Kind::Pass;
    u64 code = 0;                 // failure code, or the tohost value for HtifUnsupported
    u64 instructions = 0;         // retired by all harts
    std::string message() const;  // one line for the user
};

class BareMetalMachine {
  public:
    explicit BareMetalMachine(BareMetalConfig config);

    // Loads the ELF and points every hart at its entry (a0 = hartid). Throws ElfError.
    void load(const std::filesystem::path& elf);
    // Runs all harts, one host thread each, until the first exit reason. Call once.
    ExitStatus run();

    cpu::Hart& hart(unsigned n = 0) { return *harts_.at(n); }
    unsigned num_harts() const { return static_cast<unsigned>(harts_.size()); }
    mem::GuestRam& ram() { return *ram_; }

  private:
    void on_power(devices::PowerRequest request);
    void on_tohost(u64 paddr);
    // Records the first exit reason and stops every hart; later reasons are ignored.
    void finish(const ExitStatus& status);
    void run_hart(cpu::Hart& hart);

    BareMetalConfig config_;
    std::unique_ptr<mem::GuestRam> ram_;
    std::unique_ptr<mem::Bus> bus_;
    std::unique_ptr<devices::TestDevice> test_;
    std::unique_ptr<devices::Uart16550> uart_;
    devices::Timebase timebase_;
    std::unique_ptr<devices::Clint> clint_;
    std::vector<std::unique_ptr<cpu::BlockCompiler>> compilers_;  // one per hart (JIT)
    std::vector<std::unique_ptr<cpu::Hart>> harts_;
    std::unique_ptr<HartRouter> router_;
    std::optional<u64> tohost_;

    std::mutex exit_mutex_;  // guards exit_
    std::condition_variable exit_cv_;
    std::optional<ExitStatus> exit_;
    std::atomic<bool> stopping_{false};
};

}  // namespace rvisor::machine
