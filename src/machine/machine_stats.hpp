// A monitoring snapshot of one VirtMachine's counters (what VirtMachine::stats() returns):
// per-device counts in boot order and the guest RAM the VM really uses.
#pragma once

#include <vector>

#include "base/types.hpp"
#include "devices/virtio/virtio_blk.hpp"
#include "devices/virtio/virtio_net.hpp"

namespace rvisor::machine {

struct MachineStats {
    u64 instructions = 0;          // retired by all harts
    u64 memory_touched_bytes = 0;  // guest RAM pages mapped in (mem::GuestRam::touched_bytes)
    std::vector<devices::virtio::BlkStats> disks;  // VmConfig::disks order
    std::vector<devices::virtio::NetStats> nics;   // VmConfig::nics order
};

}  // namespace rvisor::machine
