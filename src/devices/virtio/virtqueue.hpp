// A split virtqueue (virtio 1.2 section 2.7) living in guest RAM, as seen by the device.
//
// Everything the driver wrote is hostile input: the ring addresses and size are checked when
// the queue is enabled, and every descriptor's address and length is looked up through
// GuestRam::view(), so nothing outside guest RAM is ever touched. Two kinds of error:
//  - a malformed ring or chain (head or next index out of range, a loop or a chain longer than
//    allowed, a bad indirect table, a readable descriptor after a writable one, an avail index
//    running more than the queue size ahead): pop() returns Error and the queue stays broken
//    until the device is reset; the device reports DEVICE_NEEDS_RESET (section 2.1.2);
//  - a well-formed chain whose buffers are not in RAM: pop() hands it out with those segments'
//    `host` spans empty, so the device can fail just that request (virtio-blk: IOERR).
//
// Not thread-safe: configured by the transport while the device is inactive, then used only by
// the device's I/O thread until the device is reset.
#pragma once

#include <span>
#include <vector>

#include "base/types.hpp"
#include "mem/guest_ram.hpp"
#include "mem/state_io.hpp"

namespace rvisor::devices::virtio {

// Descriptor flags (section 2.7.5).
inline constexpr u16 kDescNext = 1;
inline constexpr u16 kDescWrite = 2;
inline constexpr u16 kDescIndirect = 4;
// Ring flags (sections 2.7.6, 2.7.8).
inline constexpr u16 kAvailNoInterrupt = 1;

// The largest queue size the split layout allows (section 2.7: "Queue Size ... maximum 32768").
inline constexpr u16 kMaxQueueSize = 32768;
// An indirect table may hold at most this many descriptors (len/16 bounds it first). The spec
// sets no number; Linux builds tables of at most seg_max + 2 (virtio-blk) or MAX_SKB_FRAGS + 2
// (virtio-net) entries, so this only keeps a hostile table from making the device allocate
// and walk millions of descriptors.
inline constexpr u32 kMaxIndirectEntries = 1024;

struct Segment {
    u64 addr = 0;
    u32 len = 0;
    bool writable = false;
    std::span<u8> host;  // the bytes in guest RAM; empty when [addr, addr+len) is not in RAM
    bool in_ram() const { return len == 0 || !host.empty(); }
};

struct Chain {
    u16 head = 0;
    std::vector<Segment> segments;  // readable ones first, as section 2.7.4 requires
    u64 readable_bytes = 0;
    u64 writable_bytes = 0;
};

class Virtqueue {
  public:
    enum class Pop { Empty, Chain, Error };

    explicit Virtqueue(mem::GuestRam& ram) : ram_(ram) {}

    // Driver-side configuration (the QueueNum/QueueDesc/QueueDriver/QueueDevice registers).
    u16 size = 0;
    u64 desc_addr = 0;
    u64 avail_addr = 0;  // the "driver area"
    u64 used_addr = 0;   // the "device area"

    // Checks the configuration against section 2.7 (size a power of two no larger than
    // max_size, rings aligned 16/2/4 and wholly in RAM) and starts at ring index 0.
    // False means the driver misconfigured the queue.
    bool enable(u16 max_size, bool event_idx, bool indirect);
    void reset();
    bool enabled() const { return enabled_; }
    bool broken() const { return broken_; }

    // Takes the next available chain, if any. On Error the queue is broken from now on.
    Pop pop(Chain& chain);
    // Returns a chain to the driver with `written` bytes written into its writable buffers.
    void push(u16 head, u32 written);
    // The same, after telling the harts that the device wrote the chain's writable buffers:
    // a page holding decoded code that a device overwrites (a disk read into a recycled page
    // cache page, later executed) must drop its cached blocks like a store from a hart would.
    void push(const Chain& chain, u32 written);
    // After a batch of push()es: true when the driver asked to be interrupted (used_event with
    // VIRTIO_F_RING_EVENT_IDX, section 2.7.10; otherwise VIRTQ_AVAIL_F_NO_INTERRUPT, 2.7.7).
    bool needs_interrupt();
    // With VIRTIO_F_RING_EVENT_IDX, tells the driver to kick again once it adds a buffer past
    // what we consumed (avail_event), then checks for buffers that raced with that: true when
    // more are available. Without the feature it only checks (section 2.7.10).
    bool arm_notification();

    // Snapshots: the configuration and the ring positions (last_avail_idx, used idx, the used
    // index last signalled; the event-idx fields themselves live in guest RAM). load() checks
    // the configuration as enable() does and throws std::runtime_error when it fails.
    void save(mem::StateWriter& w) const;
    void load(mem::StateReader& r, u16 max_size);

  private:
    bool read_desc(u64 table, u32 count, u32 index, u64& addr, u32& len, u16& flags,
                   u16& next) const;
    bool add_segment(Chain& chain, u64 addr, u32 len, u16 flags);
    u16 avail_idx() const;

    mem::GuestRam& ram_;
    bool enabled_ = false;
    bool broken_ = false;
    bool event_idx_ = false;
    bool indirect_ = false;
    u16 last_avail_ = 0;   // next avail ring entry to consume
    u16 used_idx_ = 0;     // next used ring entry to fill
    u16 signalled_ = 0;    // used index when we last decided about an interrupt
    u8* avail_ = nullptr;  // host pointers of the rings, valid while enabled
    u8* used_ = nullptr;
};

}  // namespace rvisor::devices::virtio
