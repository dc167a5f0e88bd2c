// Guest RAM: one anonymous host mapping, reserved up front and touched lazily, so a VM with a
// large RAM costs host memory only for the pages the guest really uses.
#pragma once

#include <atomic>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "base/types.hpp"
#include "mem/code_event_log.hpp"

namespace rvisor::mem {

inline constexpr u64 kPageSize = 4096;
inline constexpr unsigned kPageShift = 12;

// Per-page flags that keep stores off the fast path. A page holding cached decoded code, or a
// page watched by the machine (an HTIF `tohost` word), must see every store on the slow path.
enum PageFlag : u8 {
    kPageHasCode = 1 << 0,
    kPageWatched = 1 << 1,
};

class GuestRam {
  public:
    // Maps `size` bytes (rounded up to a page) of guest-physical RAM starting at `base`.
    // Throws std::runtime_error when the host refuses the mapping.
    GuestRam(u64 base, u64 size);

    // RAM whose initial contents are a page-aligned image in a file (a snapshot): `size` bytes
    // at `offset` of `fd` are mapped copy-on-write (MAP_PRIVATE), so creating it costs the same
    // for any size, reads share the file's page cache with other VMs mapped from it, and
    // writes stay private. `zero_ranges` (byte offset, length; page-aligned, within RAM) are
    // known to be all zero and get anonymous memory instead. The caller has checked that the
    // file holds offset + size bytes (pages beyond its end would fault with SIGBUS) and keeps
    // the file unmodified while the RAM lives; fd may be closed after construction.
    struct FileImage {
        int fd = -1;
        u64 offset = 0;
        std::vector<std::pair<u64, u64>> zero_ranges;
    };
    GuestRam(u64 base, u64 size, const FileImage& image);
    ~GuestRam();
    GuestRam(const GuestRam&) = delete;
    GuestRam& operator=(const GuestRam&) = delete;

    u64 base() const { return base_; }
    u64 size() const { return size_; }
    u64 end() const { return base_ + size_; }

    // True when [paddr, paddr+len) lies wholly inside RAM; overflow-safe.
    bool contains(u64 paddr, u64 len) const {
        return paddr >= base_ && len <= size_ && paddr - base_ <= size_ - len;
    }
    // Host pointer of a guest-physical address; the caller has checked contains().
    u8* host(u64 paddr) const { return data_ + (paddr - base_); }
    // Bounds-checked host view of [paddr, paddr+len); empty span when outside RAM.
    std::span<u8> view(u64 paddr, u64 len) const;

    u8 page_flags(u64 paddr) const {
        return flags_[(paddr - base_) >> kPageShift].load(std::memory_order_acquire);
    }
    // Returns the flags as they were before.
    u8 set_page_flags(u64 paddr, u8 f) {
        return flags_[(paddr - base_) >> kPageShift].fetch_or(f, std::memory_order_acq_rel);
    }
    void clear_page_flags(u64 paddr, u8 f) {
        flags_[(paddr - base_) >> kPageShift].fetch_and(static_cast<u8>(~f),
                                                        std::memory_order_acq_rel);
    }

    // Bytes of RAM the guest (or a device) has touched: pages mapped into this process,
    // read or written, whether anonymous or still the snapshot file's page. From
    // /proc/self/pagemap (the "present" bit, readable without privileges), so pages another VM
    // brought into the shared page cache of a snapshot file do not count (though a read of a
    // file page maps cached neighbours with it: the kernel's fault-around); mincore() when
    // pagemap is unavailable. A monitoring read: O(pages), no locks, about 1 ms per GiB.
    u64 touched_bytes() const;

    // Cross-hart coherence of decoded-code caches.
    CodeEventLog& code_events() { return code_events_; }

  private:
    u64 base_;
    u64 size_;
    u8* data_ = nullptr;
    std::unique_ptr<std::atomic<u8>[]> flags_;
    CodeEventLog code_events_;
};

}  // namespace rvisor::mem
