#include "devices/virtio/virtio_mmio.hpp"

#include <array>
#include <cstring>

#include "devices/virtio_mmio_slot.hpp"

namespace rvisor::devices::virtio {

namespace reg = virtio_mmio;

VirtioMmioTransport::VirtioMmioTransport(mem::GuestRam& ram, VirtioDevice& device, IrqLine irq)
    : ram_(ram),
      device_(device),
      irq_(irq),
      offered_(device.device_features() | kFeatureVersion1 | kFeatureEventIdx |
               kFeatureIndirectDesc) {
    for (unsigned q = 0; q < device_.num_queues(); ++q) {
        queues_.push_back(std::make_unique<Virtqueue>(ram_));
        queue_ready_.push_back(0);
    }
}

VirtioMmioTransport::~VirtioMmioTransport() {
    // Stop the device's use of our queues before they go away.
    std::lock_guard lock(mu_);
    device_.reset();
}

bool VirtioMmioTransport::read(u64 offset, unsigned size, u64& value) {
    value = 0;
    if (offset >= reg::kConfig) {
        // Device configuration space: any access size, little-endian (section 4.2.2).
        std::array<u8, 8> bytes{};
        device_.read_config(offset - reg::kConfig, std::span<u8>(bytes.data(), size));
        u64 v = 0;
        std::memcpy(&v, bytes.data(), size);
        value = v;
        return true;
    }
    // Section 4.2.2.2: registers are accessed 32 bits wide; anything else reads 0.
    if (size != 4) return true;
    std::lock_guard lock(mu_);
    value = read_reg(offset);
    return true;
}

bool VirtioMmioTransport::write(u64 offset, unsigned size, u64 value) {
    if (offset >= reg::kConfig) {
        std::array<u8, 8> bytes{};
        std::memcpy(bytes.data(), &value, 8);
        device_.write_config(offset - reg::kConfig, std::span<const u8>(bytes.data(), size));
        return true;
    }
    if (size != 4) return true;
    std::lock_guard lock(mu_);
    write_reg(offset, static_cast<u32>(value));
    return true;
}

u32 VirtioMmioTransport::read_reg(u64 offset) {
    const bool qvalid = queue_sel_ < queues_.size();
    switch (offset) {
        case reg::kMagicValue: return reg::kMagic;
        case reg::kVersion: return reg::kVersion2;
        case reg::kDeviceId: return device_.device_id();
        case reg::kVendorId: return reg::kVendorRvisor;
        case reg::kDeviceFeatures:
            return device_features_sel_ < 2
                       ? static_cast<u32>(offered_ >> (32 * device_features_sel_))
                       : 0;
        case reg::kQueueNumMax: return qvalid ? device_.queue_max_size(queue_sel_) : 0;
        case reg::kQueueReady: return qvalid ? queue_ready_[queue_sel_] : 0;
        case reg::kInterruptStatus: {
            std::lock_guard lock(irq_mu_);
            return isr_;
        }
        case reg::kStatus: return status_ | (needs_reset_ ? kStatusNeedsReset : 0);
        // Section 4.2.2: no shared memory regions: "a length of -1".
        case reg::kShmLenLow:
        case reg::kShmLenHigh: return 0xffff'ffff;
        // Our configuration spaces never change while the device runs (section 2.5.1).
        case reg::kConfigGeneration: return 0;
        default: return 0;  // write-only registers and reserved offsets
    }
}

void VirtioMmioTransport::write_reg(u64 offset, u32 value) {
    Virtqueue* vq = queue_sel_ < queues_.size() ? queues_[queue_sel_].get() : nullptr;
    // Section 4.2.2.3: queue registers may change only while the queue is not ready; and we
    // freeze the whole queue set once the device runs (see the header).
    const bool queue_writable = vq && !queue_ready_[queue_sel_] && !(status_ & kStatusDriverOk);
    auto set_low = [](u64& field, u32 v) { field = (field & ~0xffff'ffffULL) | v; };
    auto set_high = [](u64& field, u32 v) { field = (field & 0xffff'ffffULL) | u64{v} << 32; };
    switch (offset) {
        case reg::kDeviceFeaturesSel: device_features_sel_ = value; break;
        case reg::kDriverFeaturesSel: driver_features_sel_ = value; break;
        case reg::kDriverFeatures:
            // Section 2.2: features are fixed once FEATURES_OK is set.
            if (status_ & kStatusFeaturesOk) break;
            if (driver_features_sel_ == 0)
                set_low(driver_features_, value);
            else if (driver_features_sel_ == 1)
                set_high(driver_features_, value);
            else if (value != 0)
                driver_features_ |= 1ULL << 63;  // a bit we never offer
            break;
        case reg::kQueueSel: queue_sel_ = value; break;
        case reg::kQueueNum:
            // Checked (power of two, <= QueueNumMax) when the queue is enabled.
            if (queue_writable) vq->size = value > 0xffff ? 0 : static_cast<u16>(value);
            break;
        case reg::kQueueDescLow:
            if (queue_writable) set_low(vq->desc_addr, value);
            break;
        case reg::kQueueDescHigh:
            if (queue_writable) set_high(vq->desc_addr, value);
            break;
        case reg::kQueueDriverLow:
            if (queue_writable) set_low(vq->avail_addr, value);
            break;
        case reg::kQueueDriverHigh:
            if (queue_writable) set_high(vq->avail_addr, value);
            break;
        case reg::kQueueDeviceLow:
            if (queue_writable) set_low(vq->used_addr, value);
            break;
        case reg::kQueueDeviceHigh:
            if (queue_writable) set_high(vq->used_addr, value);
            break;
        case reg::kQueueReady:
            if (!vq || (status_ & kStatusDriverOk)) break;
            if (value & 1) {
                if (queue_ready_[queue_sel_]) break;
                const u64 f = driver_features_ & offered_;
                if (vq->enable(device_.queue_max_size(queue_sel_), f & kFeatureEventIdx,
                               f & kFeatureIndirectDesc)) {
                    queue_ready_[queue_sel_] = 1;
                } else {
                    needs_reset();  // an unusable size or ring address
                }
            } else {
                queue_ready_[queue_sel_] = 0;
                vq->reset();
            }
            break;
        case reg::kQueueNotify:
            // Section 2.7.13.3 / 3.1.1: kicks before DRIVER_OK or to absent queues mean nothing.
            if ((status_ & kStatusDriverOk) && !needs_reset_ && value < queues_.size() &&
                queue_ready_[value])
                device_.queue_notify(value);
            break;
        case reg::kInterruptAck: {
            std::lock_guard lock(irq_mu_);
            isr_ &= ~value;
            irq_.set(isr_ != 0);
            break;
        }
        case reg::kStatus: write_status(value); break;
        default: break;  // read-only and reserved registers
    }
}

void VirtioMmioTransport::write_status(u32 value) {
    if (value == 0) {
        reset_locked();
        return;
    }
    u32 next = status_ | (value & ~kStatusNeedsReset);
    const u64 accepted = driver_features_;
    if ((next & kStatusFeaturesOk) && !(status_ & kStatusFeaturesOk)) {
        // Section 2.2.2: refuse a subset we cannot support; the driver re-reads the status.
        if ((accepted & ~offered_) || !(accepted & kFeatureVersion1)) next &= ~kStatusFeaturesOk;
    }
    if ((next & kStatusDriverOk) && !(status_ & kStatusDriverOk)) {
        if (!(next & kStatusFeaturesOk)) {
            next &= ~kStatusDriverOk;
            needs_reset();
        } else {
            status_ = next;
            device_.activate(*this, accepted);
            return;
        }
    }
    status_ = next;
}

void VirtioMmioTransport::reset() {
    std::lock_guard lock(mu_);
    reset_locked();
}

void VirtioMmioTransport::reset_locked() {
    device_.reset();  // the I/O thread is idle and detached from the queues when it returns
    for (unsigned q = 0; q < queues_.size(); ++q) {
        queues_[q]->reset();
        queue_ready_[q] = 0;
    }
    status_ = 0;
    device_features_sel_ = driver_features_sel_ = queue_sel_ = 0;
    driver_features_ = 0;
    needs_reset_ = false;
    std::lock_guard lock(irq_mu_);
    isr_ = 0;
    irq_.set(false);
}

Virtqueue* VirtioMmioTransport::queue(unsigned q) {
    // Called by the device after activate(): the queue set is frozen then (see the header).
    return q < queues_.size() && queue_ready_[q] ? queues_[q].get() : nullptr;
}

void VirtioMmioTransport::raise_isr(u32 bits) {
    std::lock_guard lock(irq_mu_);
    isr_ |= bits;
    irq_.set(true);
}

void VirtioMmioTransport::notify_used() {
    raise_isr(kIsrUsedBuffer);
}

void VirtioMmioTransport::needs_reset() {
    needs_reset_ = true;
    raise_isr(kIsrConfigChange);
}

}  // namespace rvisor::devices::virtio

namespace rvisor::devices::virtio {

void VirtioMmioTransport::save(mem::StateWriter& w) {
    std::lock_guard lock(mu_);
    w.begin("virtio-mmio", 1);
    w.put<u32>(device_.device_id());
    w.put<u32>(status_);
    w.put<u32>(device_features_sel_);
    w.put<u32>(driver_features_sel_);
    w.put<u64>(driver_features_);
    w.put<u32>(queue_sel_);
    w.put<bool>(needs_reset_);
    {
        std::lock_guard irq_lock(irq_mu_);
        w.put<u32>(isr_);
    }
    w.put<u32>(static_cast<u32>(queues_.size()));
    for (unsigned q = 0; q < queues_.size(); ++q) {
        w.put<u8>(queue_ready_[q]);
        queues_[q]->save(w);
    }
    device_.save(w);
}

void VirtioMmioTransport::load(mem::StateReader& r) {
    r.begin("virtio-mmio", 1);
    const u32 id = r.get<u32>();
    if (id != device_.device_id()) r.mismatch("virtio device id", id, device_.device_id());
    std::lock_guard lock(mu_);
    reset_locked();
    status_ = r.get<u32>() & ~kStatusNeedsReset;
    device_features_sel_ = r.get<u32>();
    driver_features_sel_ = r.get<u32>();
    driver_features_ = r.get<u64>();
    queue_sel_ = r.get<u32>();
    needs_reset_ = r.get<bool>();
    const u32 isr = r.get<u32>() & (kIsrUsedBuffer | kIsrConfigChange);
    const u32 n = r.get<u32>();
    if (n != queues_.size()) r.mismatch("virtio queue count", n, queues_.size());
    for (unsigned q = 0; q < queues_.size(); ++q) {
        queue_ready_[q] = r.get<u8>() ? 1 : 0;
        queues_[q]->load(r, device_.queue_max_size(q));
        if (queue_ready_[q] != queues_[q]->enabled())
            r.fail("virtio queue " + std::to_string(q) + ": ready flag and ring state disagree");
    }
    {
        std::lock_guard irq_lock(irq_mu_);
        isr_ = isr;
        irq_.set(isr_ != 0);
    }
    if ((status_ & kStatusDriverOk) && !(status_ & kStatusFeaturesOk))
        r.fail("virtio status has DRIVER_OK without FEATURES_OK");
    if (status_ & kStatusDriverOk) device_.activate(*this, driver_features_);
    device_.load(r);
}

}  // namespace rvisor::devices::virtio
