// The per-hart software TLB: guest virtual page -> host pointer, checked inline on every load,
// store and fetch. A hit costs one index, one compare and one add. Misses (and every access
// that must be seen by a device, a code page or a watched page) take the slow path.
#pragma once

#include <array>
#include <cstddef>

#include "base/types.hpp"

namespace rvisor::cpu {

struct TlbEntry {
    // Virtual page address (low 12 bits zero); kInvalidTag never matches any access because
    // an access always compares with its low bits masked to zero or to its misalignment.
    u64 tag = kInvalidTag;
    // host pointer = addend + virtual address.
    u64 addend = 0;
    // Guest-physical page address, to find entries when a physical page changes role.
    u64 ppage = 0;
    u64 pad = 0;

    static constexpr u64 kInvalidTag = ~0ULL;
};

class SoftTlb {
  public:
    static constexpr unsigned kEntries = 256;
    static constexpr unsigned kIndexMask = kEntries - 1;

    static constexpr unsigned index(u64 va) { return (va >> 12) & kIndexMask; }

    // Tag an access of `size` bytes at va must match: misaligned accesses never hit, so the
    // fast path only ever serves naturally aligned accesses that cannot cross a page.
    static constexpr u64 tag_of(u64 va, unsigned size) { return va & (~0xfffULL | (size - 1)); }

    std::array<TlbEntry, kEntries> read{};
    std::array<TlbEntry, kEntries> write{};
    std::array<TlbEntry, kEntries> exec{};

    void fill(std::array<TlbEntry, kEntries>& set, u64 va, u8* host_page, u64 ppage) {
        TlbEntry& e = set[index(va)];
        e.tag = va & ~0xfffULL;
        e.addend = reinterpret_cast<u64>(host_page) - e.tag;
        e.ppage = ppage;
        // Remember which entry was filled, so a flush soon after (the guest kernel issues
        // SFENCE.VMA or writes satp on every context switch) clears only those.
        if (filled_count_ < kFillLog) {
            const unsigned which = &set == &read ? 0 : &set == &write ? 1 : 2;
            filled_[filled_count_] = static_cast<u16>(which * kEntries + index(va));
        }
        if (filled_count_ <= kFillLog) ++filled_count_;
    }

    void flush() {
        if (filled_count_ > kFillLog) {
            read.fill({});
            write.fill({});
            exec.fill({});
        } else {
            for (unsigned i = 0; i < filled_count_; ++i) {
                const unsigned k = filled_[i];
                auto& set = k < kEntries ? read : k < 2 * kEntries ? write : exec;
                set[k % kEntries] = {};
            }
        }
        filled_count_ = 0;
    }

    void flush_page(u64 va) {
        const unsigned i = index(va);
        const u64 tag = va & ~0xfffULL;
        for (auto* set : {&read, &write, &exec})
            if ((*set)[i].tag == tag) (*set)[i] = {};
    }

    // Drops every write entry that maps guest-physical page `ppage`, e.g. when code is decoded
    // from it and its stores must now go through the code-invalidation slow path.
    void flush_physical_writes(u64 ppage) {
        for (TlbEntry& e : write)
            if (e.tag != TlbEntry::kInvalidTag && e.ppage == ppage) e = {};
    }

    // Fills since the last flush, by entry number across the three sets; a count above
    // kFillLog means the log overflowed and the next flush clears everything. (Public like
    // the sets: compiled code addresses the sets with offsetof, which needs standard layout.)
    static constexpr unsigned kFillLog = 96;
    std::array<u16, kFillLog> filled_{};
    unsigned filled_count_ = 0;
};

}  // namespace rvisor::cpu
