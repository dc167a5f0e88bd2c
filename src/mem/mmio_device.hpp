// The MMIO contract every device implements. Devices are reached only on the slow path (a TLB
// miss to an MMIO region), so a virtual call here costs nothing per guest instruction.
#pragma once

#include <string_view>

#include "base/types.hpp"

namespace rvisor::mem {

class MmioDevice {
  public:
    virtual ~MmioDevice() = default;

    // Short name for logs and the device tree ("uart", "plic").
    virtual std::string_view name() const = 0;

    // Access sizes (in bytes, powers of two) the device's registers accept. The bus rejects
    // any other size with an access fault before the device sees it, and requires natural
    // alignment within the device.
    virtual unsigned min_access_size() const { return 1; }
    virtual unsigned max_access_size() const { return 8; }

    // `offset` is relative to the device's base; size is 1, 2, 4 or 8 and within the limits.
    // Returning false raises an access fault in the guest.
    virtual bool read(u64 offset, unsigned size, u64& value) = 0;
    virtual bool write(u64 offset, unsigned size, u64 value) = 0;

    // Returns the device to its power-on state.
    virtual void reset() {}
};

}  // namespace rvisor::mem
