// virtio-blk (virtio 1.2 section 5.2), device id 2, one request queue, backed by a
// storage::BlockBackend.
//
// Features: SIZE_MAX, SEG_MAX, BLK_SIZE (512), FLUSH, and either RO (a read-only backend) or
// DISCARD and WRITE_ZEROES (one segment per request, write_zeroes_may_unmap = 1).
// Requests: IN, OUT, FLUSH, GET_ID, DISCARD, WRITE_ZEROES; anything else gets UNSUPP. A
// request reaching past the capacity, a write to a read-only disk, a data length that is not
// a multiple of 512, a data buffer outside guest RAM or a failing backend gets IOERR. A chain
// without a writable status byte in RAM cannot be answered at all: the device then sets
// DEVICE_NEEDS_RESET, as it does for a malformed ring (see virtqueue.hpp).
//
// Threading: the backend is synchronous and may be slow, so no I/O happens on a vCPU thread.
// queue_notify() (a vCPU thread) only kicks the device's VirtioIoWorker, whose thread walks
// the avail ring, calls the backend, publishes used entries and raises the interrupt.
// reset() and pause() wait for the I/O thread to finish the request in hand (the worker's
// quiesce protocol, virtio_io_worker.hpp).
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "base/types.hpp"
#include "devices/virtio/virtio_device.hpp"
#include "devices/virtio/virtio_io_worker.hpp"
#include "devices/virtio/virtqueue.hpp"
#include "storage/block_backend.hpp"

namespace rvisor::devices::virtio {

// Block device feature bits (section 5.2.3).
inline constexpr u64 kBlkSizeMax = 1ULL << 1;
inline constexpr u64 kBlkSegMax = 1ULL << 2;
inline constexpr u64 kBlkRo = 1ULL << 5;
inline constexpr u64 kBlkBlkSize = 1ULL << 6;
inline constexpr u64 kBlkFlush = 1ULL << 9;
inline constexpr u64 kBlkDiscard = 1ULL << 13;
inline constexpr u64 kBlkWriteZeroes = 1ULL << 14;

// Request types and status values (section 5.2.6).
inline constexpr u32 kBlkTIn = 0;
inline constexpr u32 kBlkTOut = 1;
inline constexpr u32 kBlkTFlush = 4;
inline constexpr u32 kBlkTGetId = 8;
inline constexpr u32 kBlkTDiscard = 11;
inline constexpr u32 kBlkTWriteZeroes = 13;
inline constexpr u8 kBlkSOk = 0;
inline constexpr u8 kBlkSIoErr = 1;
inline constexpr u8 kBlkSUnsupp = 2;

inline constexpr unsigned kBlkIdBytes = 20;  // VIRTIO_BLK_ID_BYTES

// What a disk has done since the device was created (a driver reset keeps the counts), for
// monitoring. Bytes count data moved by successful IN and OUT requests; `requests` counts
// every chain answered, `errors` those answered with a status other than OK (or not at all).
struct BlkStats {
    u64 read_bytes = 0;
    u64 write_bytes = 0;
    u64 requests = 0;
    u64 flushes = 0;
    u64 errors = 0;
};

class VirtioBlk final : public VirtioDevice, private VirtioIoWork {
  public:
    static constexpr u16 kQueueSize = 256;
    static constexpr u32 kSizeMax = 1u << 20;            // bytes per data segment
    static constexpr u32 kMaxDiscardSectors = 1u << 22;  // 2 GiB per discard/write-zeroes
    static constexpr u32 kDiscardAlignment = 8;          // sectors: 4 KiB, the host page

    // `serial` is what GET_ID returns (cut to 20 bytes).
    VirtioBlk(std::unique_ptr<storage::BlockBackend> backend, std::string serial);
    ~VirtioBlk() override;

    u32 device_id() const override { return 2; }
    u64 device_features() const override;
    unsigned num_queues() const override { return 1; }
    u16 queue_max_size(unsigned) const override { return kQueueSize; }
    void read_config(u64 offset, std::span<u8> out) override;
    void activate(VirtioHost& host, u64 features) override;
    void queue_notify(unsigned q) override;
    void reset() override;
    void pause() override;
    void resume() override;

    storage::BlockBackend& backend() { return *backend_; }
    // A monitoring read from any thread: each count is exact, the set is not one instant's.
    BlkStats stats() const;

  private:
    // VirtioIoWork, on the I/O thread: serves the request queue.
    void serve(VirtioHost& host) override;
    void process(VirtioHost& host, Virtqueue& vq);
    // Serves one chain; returns false when it has no usable status byte.
    bool handle(const Chain& chain, u32& written);
    u8 execute(u32 type, u64 sector, u32& data_written);
    u8 discard_or_zero(u32 type);

    const std::unique_ptr<storage::BlockBackend> backend_;
    const std::string serial_;
    std::array<u8, 60> config_{};  // the config layout up to write_zeroes_may_unmap

    // I/O thread only: the chain in hand and its data buffers.
    Chain chain_;
    std::vector<std::span<u8>> to_device_;    // readable data after the 16-byte header
    std::vector<std::span<u8>> from_device_;  // writable data before the status byte
    u64 to_device_bytes_ = 0;
    u64 from_device_bytes_ = 0;

    // Written by the I/O thread once per request, read by stats(): relaxed is enough.
    std::atomic<u64> read_bytes_{0};
    std::atomic<u64> write_bytes_{0};
    std::atomic<u64> requests_{0};
    std::atomic<u64> flushes_{0};
    std::atomic<u64> errors_{0};

    VirtioIoWorker worker_{*this};  // last: started after, and stopped before, everything above
};

}  // namespace rvisor::devices::virtio
