#include "devices/virtio_mmio_slot.hpp"

namespace rvisor::devices {

bool VirtioMmioSlot::read(u64 offset, unsigned size, u64& value) {
    value = 0;
    // Registers answer only the 32-bit accesses the spec allows a driver (section 4.2.2.2);
    // the configuration space of an absent device is empty, whatever the access size.
    if (offset >= virtio_mmio::kConfig || size != 4) return true;
    switch (offset) {
        case virtio_mmio::kMagicValue: value = virtio_mmio::kMagic; break;
        case virtio_mmio::kVersion: value = virtio_mmio::kVersion2; break;
        case virtio_mmio::kDeviceId: value = 0; break;  // no device: drivers skip the slot
        case virtio_mmio::kVendorId: value = virtio_mmio::kVendorRvisor; break;
        default: break;
    }
    return true;
}

bool VirtioMmioSlot::write(u64, unsigned, u64) {
    // Nothing to configure: a driver stops at DeviceID 0, and anything else is ignored.
    return true;
}

}  // namespace rvisor::devices
