// The board `rvisor exec` runs bare-metal programs on: RAM at 0x8000_0000, the SiFive test
// device, an NS16550A UART and the CLINT at their QEMU virt addresses, one hart, and the HTIF
// `tohost` convention of Spike-style test suites. Program exit is reported through ExitStatus.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "base/types.hpp"
#include "cpu/hart.hpp"
#include "devices/clint.hpp"
#include "devices/test_device.hpp"
#include "devices/timebase.hpp"
#include "devices/uart16550.hpp"
#include "machine/elf_loader.hpp"
#include "machine/hart_router.hpp"
#include "mem/bus.hpp"
#include "mem/guest_ram.hpp"

namespace rvisor::machine {

struct BareMetalConfig {
    u64 ram_size = 128ULL << 20;
    std::optional<u64> max_instructions;               // stop after this many retired
    std::optional<std::chrono::milliseconds> timeout;  // wall-clock limit
    std::function<void(u8)> console_out;               // UART output; stdout when empty
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
    u64 instructions = 0;         // retired by the hart
    std::string message() const;  // one line for the user
};

class BareMetalMachine {
  public:
    explicit BareMetalMachine(BareMetalConfig config);

    // Loads the ELF and points the hart at its entry. Throws ElfError.
    void load(const std::filesystem::path& elf);
    ExitStatus run();

    cpu::Hart& hart() { return *hart_; }
    mem::GuestRam& ram() { return *ram_; }

  private:
    void on_power(devices::PowerRequest request);
    void on_tohost(u64 paddr);

    BareMetalConfig config_;
    std::unique_ptr<mem::GuestRam> ram_;
    std::unique_ptr<mem::Bus> bus_;
    std::unique_ptr<devices::TestDevice> test_;
    std::unique_ptr<devices::Uart16550> uart_;
    devices::Timebase timebase_;
    std::unique_ptr<devices::Clint> clint_;
    std::unique_ptr<cpu::Hart> hart_;
    std::unique_ptr<HartRouter> router_;
    std::optional<u64> tohost_;
    std::optional<ExitStatus> exit_;
};

}  // namespace rvisor::machine
