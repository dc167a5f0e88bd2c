// The virtio-mmio transport, version 2 (virtio 1.2 section 4.2), hosting one VirtioDevice in
// one of the board's virtio-mmio slots. It implements the register file of section 4.2.2,
// feature negotiation (section 2.2), the device status state machine (section 2.1) and the
// queues' configuration; the device does the rest.
//
// Features offered on top of the device's: VIRTIO_F_VERSION_1 (required of a non-legacy
// device, section 6.1), VIRTIO_F_RING_EVENT_IDX and VIRTIO_F_INDIRECT_DESC.
//
// Status (section 2.1): bits accumulate (a driver "MUST NOT clear a device status bit");
// writing 0 resets the device. FEATURES_OK is refused - left clear on read-back, as section
// 2.2.2 prescribes - when the driver accepted a bit we did not offer or did not accept
// VERSION_1. DRIVER_OK without FEATURES_OK, a queue enabled with a bad size or ring address,
// or a broken ring reported by the device set DEVICE_NEEDS_RESET, with a configuration change
// interrupt (section 2.1.2). Queue registers are frozen while the queue is ready, and the
// queue set is frozen once DRIVER_OK is set: a device's I/O thread may then use the queues
// without the transport's lock.
//
// Interrupts: InterruptStatus bit 0 (used buffer) and bit 1 (configuration change); the IRQ
// line is high while InterruptStatus is not 0 (a level interrupt, as the PLIC expects).
//
// Locking: `mu_` guards the registers (vCPU threads). The device's I/O thread never takes
// it: it calls notify_used()/needs_reset(), which take only `irq_mu_`. So the transport may
// call VirtioDevice::reset() - which waits for the I/O thread - while holding `mu_`.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "base/types.hpp"
#include "devices/interrupt_sink.hpp"
#include "devices/virtio/virtio_device.hpp"
#include "devices/virtio/virtqueue.hpp"
#include "mem/guest_ram.hpp"
#include "mem/mmio_device.hpp"

namespace rvisor::devices::virtio {

// Device status bits (section 2.1).
inline constexpr u32 kStatusAcknowledge = 1;
inline constexpr u32 kStatusDriver = 2;
inline constexpr u32 kStatusDriverOk = 4;
inline constexpr u32 kStatusFeaturesOk = 8;
inline constexpr u32 kStatusNeedsReset = 64;
inline constexpr u32 kStatusFailed = 128;

// InterruptStatus bits (section 4.2.2).
inline constexpr u32 kIsrUsedBuffer = 1;
inline constexpr u32 kIsrConfigChange = 2;

class VirtioMmioTransport final : public mem::MmioDevice, private VirtioHost {
  public:
    // `device` must outlive the transport.
    VirtioMmioTransport(mem::GuestRam& ram, VirtioDevice& device, IrqLine irq = {});
    ~VirtioMmioTransport() override;

    std::string_view name() const override { return "virtio-mmio"; }
    // Registers take 32-bit accesses only (section 4.2.2.2); the configuration space from
    // 0x100 also takes 8- and 16-bit ones. Others read 0 and are ignored.
    unsigned min_access_size() const override { return 1; }
    unsigned max_access_size() const override { return 4; }
    bool read(u64 offset, unsigned size, u64& value) override;
    bool write(u64 offset, unsigned size, u64 value) override;
    void reset() override;

    u64 offered_features() const { return offered_; }

    // Quiesces the device for a paused machine (VirtioDevice::pause) and restarts it.
    void pause() { device_.pause(); }
    void resume() { device_.resume(); }

    // Snapshots: registers, negotiated features, queues (Virtqueue::save) and the device's own
    // section. load() re-activates a device that was running (DRIVER_OK), so it serves what
    // the rings hold, and drives the interrupt line. Call while the device is idle (paused or
    // never activated). Throws std::runtime_error on a malformed or mismatching section.
    void save(mem::StateWriter& w);
    void load(mem::StateReader& r);

  private:
    // VirtioHost, for the device.
    Virtqueue* queue(unsigned q) override;
    void notify_used() override;
    void needs_reset() override;

    u32 read_reg(u64 offset);
    void write_reg(u64 offset, u32 value);
    void write_status(u32 value);
    void reset_locked();
    void raise_isr(u32 bits);

    mem::GuestRam& ram_;
    VirtioDevice& device_;
    const IrqLine irq_;
    const u64 offered_;

    std::mutex mu_;  // guards the register state below
    u32 status_ = 0;
    u32 device_features_sel_ = 0;
    u32 driver_features_sel_ = 0;
    u64 driver_features_ = 0;
    u32 queue_sel_ = 0;
    std::vector<std::unique_ptr<Virtqueue>> queues_;
    std::vector<u8> queue_ready_;

    std::atomic<bool> needs_reset_{false};
    std::mutex irq_mu_;  // guards isr_ and the line level
    u32 isr_ = 0;
};

}  // namespace rvisor::devices::virtio
