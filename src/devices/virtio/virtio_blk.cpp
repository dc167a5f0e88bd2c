#include "devices/virtio/virtio_blk.hpp"

#include <algorithm>
#include <cstring>

namespace rvisor::devices::virtio {

namespace {

constexpr u64 kSector = 512;
constexpr u64 kHeaderBytes = 16;  // struct virtio_blk_req: le32 type, le32 reserved, le64 sector

// Offsets in struct virtio_blk_config (section 5.2.4).
constexpr unsigned kCfgCapacity = 0;
constexpr unsigned kCfgSizeMax = 8;
constexpr unsigned kCfgSegMax = 12;
constexpr unsigned kCfgBlkSize = 20;
constexpr unsigned kCfgNumQueues = 34;
constexpr unsigned kCfgMaxDiscardSectors = 36;
constexpr unsigned kCfgMaxDiscardSeg = 40;
constexpr unsigned kCfgDiscardAlignment = 44;
constexpr unsigned kCfgMaxWriteZeroesSectors = 48;
constexpr unsigned kCfgMaxWriteZeroesSeg = 52;
constexpr unsigned kCfgWriteZeroesMayUnmap = 56;

template <typename T>
void put(std::span<u8> cfg, unsigned offset, T v) {
    std::memcpy(cfg.data() + offset, &v, sizeof v);
}

u8 to_status(storage::IoStatus s) {
    switch (s) {
        case storage::IoStatus::Ok: return kBlkSOk;
        case storage::IoStatus::IoError: return kBlkSIoErr;
        case storage::IoStatus::Unsupported: return kBlkSUnsupp;
    }
    return kBlkSIoErr;
}

// Copies the first out.size() bytes of a list of buffers; false when they hold fewer.
bool gather(const std::vector<std::span<u8>>& bufs, std::span<u8> out) {
    std::size_t done = 0;
    for (auto b : bufs) {
        if (done == out.size()) break;
        const std::size_t n = std::min(b.size(), out.size() - done);
        std::memcpy(out.data() + done, b.data(), n);
        done += n;
    }
    return done == out.size();
}

}  // namespace

VirtioBlk::VirtioBlk(std::unique_ptr<storage::BlockBackend> backend, std::string serial)
    : backend_(std::move(backend)), serial_(std::move(serial)) {
    const std::span<u8> cfg(config_);
    put<u64>(cfg, kCfgCapacity, backend_->size() / kSector);
    put<u32>(cfg, kCfgSizeMax, kSizeMax);
    // Section 5.2.4: seg_max excludes the header and status descriptors, so a request fits a
    // queue-sized chain.
    put<u32>(cfg, kCfgSegMax, kQueueSize - 2);
    put<u32>(cfg, kCfgBlkSize, static_cast<u32>(kSector));
    put<u16>(cfg, kCfgNumQueues, 1);
    put<u32>(cfg, kCfgMaxDiscardSectors, kMaxDiscardSectors);
    put<u32>(cfg, kCfgMaxDiscardSeg, 1);
    put<u32>(cfg, kCfgDiscardAlignment, kDiscardAlignment);
    put<u32>(cfg, kCfgMaxWriteZeroesSectors, kMaxDiscardSectors);
    put<u32>(cfg, kCfgMaxWriteZeroesSeg, 1);
    put<u8>(cfg, kCfgWriteZeroesMayUnmap, 1);
}

VirtioBlk::~VirtioBlk() = default;  // worker_ joins the I/O thread first

u64 VirtioBlk::device_features() const {
    u64 f = kBlkSizeMax | kBlkSegMax | kBlkBlkSize | kBlkFlush;
    if (backend_->read_only())
        f |= kBlkRo;
    else
        f |= kBlkDiscard | kBlkWriteZeroes;
    return f;
}

BlkStats VirtioBlk::stats() const {
    constexpr auto r = std::memory_order_relaxed;
    return {read_bytes_.load(r), write_bytes_.load(r), requests_.load(r), flushes_.load(r),
            errors_.load(r)};
}

void VirtioBlk::read_config(u64 offset, std::span<u8> out) {
    // The configuration is constant: no lock needed. Bytes past its end read as 0.
    for (std::size_t i = 0; i < out.size(); ++i) {
        const u64 at = offset + i;
        out[i] = at < config_.size() ? config_[at] : 0;
    }
}

void VirtioBlk::activate(VirtioHost& host, u64) {
    worker_.activate(host);
}

void VirtioBlk::queue_notify(unsigned q) {
    if (q == 0) worker_.kick();
}

void VirtioBlk::reset() {
    worker_.reset();
}

void VirtioBlk::pause() {
    worker_.pause();
}

void VirtioBlk::resume() {
    worker_.resume();
}

void VirtioBlk::serve(VirtioHost& host) {
    if (Virtqueue* vq = host.queue(0)) process(host, *vq);
}

void VirtioBlk::process(VirtioHost& host, Virtqueue& vq) {
    for (;;) {
        while (!worker_.stop_requested()) {
            const Virtqueue::Pop r = vq.pop(chain_);
            if (r == Virtqueue::Pop::Empty) break;
            if (r == Virtqueue::Pop::Error) {
                host.needs_reset();
                return;
            }
            u32 written = 0;
            const bool answered = handle(chain_, written);
            // Counted before the chain is returned, so a driver that saw it used sees it counted.
            requests_.fetch_add(1, std::memory_order_relaxed);
            if (!answered) errors_.fetch_add(1, std::memory_order_relaxed);
            vq.push(chain_, written);
            if (!answered) {
                if (vq.needs_interrupt()) host.notify_used();
                host.needs_reset();
                return;
            }
        }
        if (vq.needs_interrupt()) host.notify_used();
        if (worker_.stop_requested() || !vq.arm_notification()) return;
    }
}

bool VirtioBlk::handle(const Chain& chain, u32& written) {
    written = 0;
    // The status byte is the last byte of the last descriptor, which must be device-writable
    // (section 5.2.6).
    if (chain.segments.empty()) return false;
    const Segment& last = chain.segments.back();
    if (!last.writable || last.len == 0 || last.host.empty()) return false;
    u8& status = last.host[last.len - 1];

    // Split the chain into header, data towards the device, data from the device, status.
    to_device_.clear();
    from_device_.clear();
    to_device_bytes_ = from_device_bytes_ = 0;
    bool all_in_ram = true;
    u64 readable_seen = 0;
    u64 writable_left = chain.writable_bytes - 1;  // all but the status byte
    std::array<u8, kHeaderBytes> header{};
    u64 header_got = 0;
    for (const Segment& s : chain.segments) {
        if (!s.in_ram()) all_in_ram = false;
        if (!s.writable) {
            u64 skip = 0;
            if (readable_seen < kHeaderBytes) {
                skip = std::min<u64>(kHeaderBytes - readable_seen, s.len);
                if (!s.host.empty())
                    std::memcpy(header.data() + readable_seen, s.host.data(), skip);
                header_got += skip;
            }
            readable_seen += s.len;
            if (s.len > skip && !s.host.empty()) {
                to_device_.push_back(s.host.subspan(skip));
                to_device_bytes_ += s.len - skip;
            }
        } else {
            const u64 take = std::min<u64>(writable_left, s.len);
            writable_left -= take;
            if (take > 0 && !s.host.empty()) {
                from_device_.push_back(s.host.first(take));
                from_device_bytes_ += take;
            }
        }
    }
    if (!all_in_ram || header_got < kHeaderBytes) {
        // A buffer outside RAM, or no room for the header: fail the request, not the device.
        status = kBlkSIoErr;
        written = 1;
        errors_.fetch_add(1, std::memory_order_relaxed);
        return true;
    }
    u32 type;
    u64 sector;
    std::memcpy(&type, header.data(), 4);
    std::memcpy(&sector, header.data() + 8, 8);
    u32 data_written = 0;
    status = execute(type, sector, data_written);
    if (status != kBlkSOk) errors_.fetch_add(1, std::memory_order_relaxed);
    written = data_written + 1;
    return true;
}

u8 VirtioBlk::execute(u32 type, u64 sector, u32& data_written) {
    const u64 capacity = backend_->size() / kSector;
    // True when `bytes` from `sector` lie on the disk; overflow-safe.
    auto in_range = [&](u64 bytes) {
        return bytes % kSector == 0 && sector <= capacity && bytes / kSector <= capacity - sector;
    };
    switch (type) {
        case kBlkTIn: {
            if (!in_range(from_device_bytes_)) return kBlkSIoErr;
            u64 offset = sector * kSector;
            for (auto buf : from_device_) {
                const storage::IoStatus s = backend_->read(offset, buf);
                if (s != storage::IoStatus::Ok) return to_status(s);
                offset += buf.size();
            }
            // The used length is 32 bits; a larger read (possible only with a huge RAM) is
            // reported short, which section 2.7.8.1 allows ("SHOULD NOT set len greater").
            data_written = static_cast<u32>(std::min<u64>(from_device_bytes_, 0xffff'fffe));
            read_bytes_.fetch_add(from_device_bytes_, std::memory_order_relaxed);
            return kBlkSOk;
        }
        case kBlkTOut: {
            if (backend_->read_only()) return kBlkSIoErr;
            if (!in_range(to_device_bytes_)) return kBlkSIoErr;
            u64 offset = sector * kSector;
            for (auto buf : to_device_) {
                const storage::IoStatus s = backend_->write(offset, buf);
                if (s != storage::IoStatus::Ok) return to_status(s);
                offset += buf.size();
            }
            write_bytes_.fetch_add(to_device_bytes_, std::memory_order_relaxed);
            return kBlkSOk;
        }
        case kBlkTFlush:
            flushes_.fetch_add(1, std::memory_order_relaxed);
            return to_status(backend_->flush());
        case kBlkTGetId: {
            // Section 5.2.6: up to 20 bytes, NUL-padded, not NUL-terminated when 20 long.
            std::array<u8, kBlkIdBytes> id{};
            std::memcpy(id.data(), serial_.data(),
                        std::min<std::size_t>(serial_.size(), id.size()));
            u64 done = 0;
            for (auto buf : from_device_) {
                if (done == id.size()) break;
                const std::size_t n = std::min<std::size_t>(buf.size(), id.size() - done);
                std::memcpy(buf.data(), id.data() + done, n);
                done += n;
            }
            data_written = static_cast<u32>(done);
            return kBlkSOk;
        }
        case kBlkTDiscard:
        case kBlkTWriteZeroes:
            if (backend_->read_only()) return kBlkSIoErr;
            return discard_or_zero(type);
        default: return kBlkSUnsupp;
    }
}

u8 VirtioBlk::discard_or_zero(u32 type) {
    // struct virtio_blk_discard_write_zeroes: le64 sector, le32 num_sectors, le32 flags. We
    // offer max_discard_seg = max_write_zeroes_seg = 1 (section 5.2.6.2: more is UNSUPP).
    if (to_device_bytes_ != 16) return kBlkSUnsupp;
    std::array<u8, 16> seg{};
    if (!gather(to_device_, seg)) return kBlkSIoErr;
    u64 sector;
    u32 count, flags;
    std::memcpy(&sector, seg.data(), 8);
    std::memcpy(&count, seg.data() + 8, 4);
    std::memcpy(&flags, seg.data() + 12, 4);
    const bool unmap = flags & 1;
    // Section 5.2.6.2: reserved flag bits, or unmap on a discard, are UNSUPP.
    if ((flags & ~1u) || (type == kBlkTDiscard && unmap)) return kBlkSUnsupp;
    const u64 capacity = backend_->size() / kSector;
    if (count > kMaxDiscardSectors || sector > capacity || count > capacity - sector)
        return kBlkSIoErr;
    if (type == kBlkTDiscard)
        return to_status(backend_->discard(sector * kSector, count * kSector));
    return to_status(backend_->write_zeroes(sector * kSector, count * kSector, unmap));
}

}  // namespace rvisor::devices::virtio
