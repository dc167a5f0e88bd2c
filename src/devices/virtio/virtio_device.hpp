// The interface between the virtio-mmio transport and a virtio device (virtio 1.2 section 2:
// "Basic Facilities of a Virtio Device"). The transport owns the registers, the feature
// negotiation, the status state machine and the virtqueues' configuration; a device supplies
// its id, its feature bits, its configuration space and what happens when a queue is kicked.
#pragma once

#include <span>

#include "base/types.hpp"
#include "mem/state_io.hpp"

namespace rvisor::devices::virtio {

class Virtqueue;

// Reserved feature bits (virtio 1.2 section 6) the transport handles itself.
inline constexpr u64 kFeatureIndirectDesc = 1ULL << 28;  // VIRTIO_F_INDIRECT_DESC
inline constexpr u64 kFeatureEventIdx = 1ULL << 29;      // VIRTIO_F_RING_EVENT_IDX
inline constexpr u64 kFeatureVersion1 = 1ULL << 32;      // VIRTIO_F_VERSION_1

// What an active device may ask of its transport. Callable from any thread (the device's I/O
// thread in particular); implementations never call back into the device.
class VirtioHost {
  public:
    virtual ~VirtioHost() = default;
    // Queue `q` as configured by the driver, or nullptr when it is not ready.
    virtual Virtqueue* queue(unsigned q) = 0;
    // Used buffers were published on a queue and its suppression rules ask for an interrupt
    // (section 2.7.10): sets InterruptStatus bit 0 ("used buffer notification").
    virtual void notify_used() = 0;
    // The device hit an error it cannot recover from without a reset (section 2.1.2): sets
    // DEVICE_NEEDS_RESET and sends a configuration change notification.
    virtual void needs_reset() = 0;
};

class VirtioDevice {
  public:
    virtual ~VirtioDevice() = default;

    virtual u32 device_id() const = 0;
    // Device-type feature bits (0..23); the transport adds the reserved ones it implements.
    virtual u64 device_features() const = 0;
    virtual unsigned num_queues() const = 0;
    virtual u16 queue_max_size(unsigned q) const = 0;

    // Device configuration space (at 0x100 on MMIO). Reads beyond its end give zeroes; a
    // device whose space is read-only ignores writes. Called on vCPU threads.
    virtual void read_config(u64 offset, std::span<u8> out) = 0;
    virtual void write_config(u64 offset, std::span<const u8> data) {
        (void)offset;
        (void)data;
    }

    // DRIVER_OK was set with these negotiated features: start serving the queues.
    virtual void activate(VirtioHost& host, u64 features) = 0;
    // The driver kicked queue q (QueueNotify). Called on a vCPU thread: must not block on I/O.
    virtual void queue_notify(unsigned q) = 0;
    // Back to the initial state. On return the device no longer touches guest memory or the
    // host it was activated with, so the transport may clear the queues.
    virtual void reset() = 0;

    // The machine is pausing: finish the request in hand, then touch neither guest memory nor
    // the queues (and raise no interrupt) until resume(). Kicks and frames arriving meanwhile
    // are deferred or dropped as the device sees fit; resume() picks up whatever the rings
    // hold. Both are idempotent and called from a control thread, never a vCPU.
    virtual void pause() {}
    virtual void resume() {}

    // Snapshots: device-specific state beyond the transport's (which saves the queues and
    // activates the device again on load, before the device's load() runs). A device whose
    // state is all in its configuration and the rings needs nothing here.
    virtual void save(mem::StateWriter& w) const { (void)w; }
    virtual void load(mem::StateReader& r) { (void)r; }
};

}  // namespace rvisor::devices::virtio
