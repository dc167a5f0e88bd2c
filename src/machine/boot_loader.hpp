// Places firmware, kernel, initrd and device tree in guest RAM for the OpenSBI fw_dynamic
// boot flow: every hart starts at the firmware in M-mode with a0 = hartid, a1 = DTB address,
// a2 = address of a struct fw_dynamic_info naming the kernel as the next stage in S-mode.
#pragma once

#include <filesystem>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/types.hpp"
#include "mem/guest_ram.hpp"

namespace rvisor::machine {

// A boot input that cannot be used. what() is one line naming the file and the reason.
class BootError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct BootLayout {
    u64 firmware = 0;  // entry of every hart
    u64 kernel = 0;
    u64 kernel_end = 0;
    std::optional<std::pair<u64, u64>> initrd;  // [start, end)
    u64 dtb = 0;
    u64 fw_info = 0;
};

// Reads and checks the kernel (a RISC-V Linux Image or a RISC-V ELF), initrd and firmware,
// and computes where everything goes, before anything is written. The DTB size is an upper
// bound reserved at the top of RAM. Throws BootError.
class BootLoader {
  public:
    BootLoader(const std::filesystem::path& firmware, const std::filesystem::path& kernel,
               const std::filesystem::path& initrd, mem::GuestRam& ram);

    const BootLayout& layout() const { return layout_; }
    // Writes firmware, kernel, initrd, the DTB and the fw_dynamic info into RAM.
    void load(std::span<const u8> dtb);

    static constexpr u64 kDtbReserve = 64 * 1024;

  private:
    mem::GuestRam& ram_;
    std::vector<u8> firmware_;
    std::vector<u8> kernel_;
    std::vector<u8> initrd_;
    bool kernel_is_elf_ = false;
    std::filesystem::path kernel_path_;
    BootLayout layout_;
};

}  // namespace rvisor::machine
