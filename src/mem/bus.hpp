// The physical address space: RAM plus a table of MMIO regions. An address that is neither
// is an access fault, never a host access.
#pragma once

#include <string>
#include <vector>

#include "base/types.hpp"
#include "mem/guest_ram.hpp"
#include "mem/mmio_device.hpp"

namespace rvisor::mem {

class Bus {
  public:
    explicit Bus(GuestRam& ram) : ram_(ram) {}

    GuestRam& ram() const { return ram_; }

    // Maps `device` at [base, base+size). Throws std::invalid_argument on overlap with RAM or
    // another device; this is a wiring error of the machine, not a guest action.
    void map(u64 base, u64 size, MmioDevice& device);

    // The device region holding paddr, or nullptr.
    struct Region {
        u64 base;
        u64 size;
        MmioDevice* device;
    };
    const Region* find(u64 paddr) const;
    const std::vector<Region>& regions() const { return regions_; }

    // Physical reads and writes of 1, 2, 4 or 8 bytes, routed to RAM or a device. False means
    // access fault: no RAM or device there, a size the device refuses, or a device error.
    // RAM accesses may be misaligned but must not cross the end of RAM.
    bool read(u64 paddr, unsigned size, u64& value) const;
    bool write(u64 paddr, unsigned size, u64 value) const;

  private:
    GuestRam& ram_;
    std::vector<Region> regions_;  // sorted by base
};

}  // namespace rvisor::mem
