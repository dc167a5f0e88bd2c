#include "devices/test_device.hpp"

namespace rvisor::devices {

bool TestDevice::read(u64, unsigned, u64& value) {
    // The register is write-only; QEMU's model reads as zero, and so do the unused offsets.
    value = 0;
    return true;
}

bool TestDevice::write(u64 offset, unsigned, u64 value) {
    // Only offset 0 is a register. Like QEMU, stores elsewhere in the page and unknown
    // commands are ignored rather than faulted: the finisher has no error reporting.
    if (offset != 0 || !handler_) return true;
    const u32 v = static_cast<u32>(value);
    switch (v & 0xffff) {
        case kPass: handler_({PowerRequest::Kind::Poweroff, 0}); break;
        case kFail: handler_({PowerRequest::Kind::Fail, static_cast<u16>(v >> 16)}); break;
        case kReset: handler_({PowerRequest::Kind::Reset, 0}); break;
        default: break;
    }
    return true;
}

}  // namespace rvisor::devices
