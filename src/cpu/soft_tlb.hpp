// The per-hart software TLB: guest virtual page -> host pointer, checked inline on every load,
// store and fetch. A hit costs one index, one compare and one add. Misses (and every access
// that must be seen by a device, a code page or a watched page) take the slow path.
#pragma once

#include <algorithm>
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
    // 4096 entries map 16 MiB per set: a guest's working set of random accesses (a
    // compressor's dictionary and hash tables, a database's buffer pool) mostly hits. Measured
    // on 7-Zip's LZMA compressor with a 4 MiB dictionary (7z b 1 -md22, JIT): 256 entries
    // rated 680, 2048 rated 807-894 (docs/performance.md).
    static constexpr unsigned kEntries = 4096;
    static constexpr unsigned kIndexMask = kEntries - 1;

    static constexpr unsigned index(u64 va) { return (va >> 12) & kIndexMask; }

    // Tag an access of `size` bytes at va must match: misaligned accesses never hit, so the
    // fast path only ever serves naturally aligned accesses that cannot cross a page.
    static constexpr u64 tag_of(u64 va, unsigned size) { return va & (~0xfffULL | (size - 1)); }

    using Set = std::array<TlbEntry, kEntries>;
    Set read{};
    Set write{};
    Set exec{};

    void fill(Set& set, u64 va, u8* host_page, u64 ppage) {
        const unsigned i = index(va);
        TlbEntry& e = set[i];
        e.tag = va & ~0xfffULL;
        e.addend = reinterpret_cast<u64>(host_page) - e.tag;
        e.ppage = ppage;
        // Remember which chunk was filled, so a flush (the guest kernel issues SFENCE.VMA or
        // writes satp on every context switch) clears only the chunks in use: a process's
        // pages are mostly contiguous, and so are their entries.
        dirty_[set_number(set)] |= 1ULL << (i / kChunk);
    }

    void flush() {
        for (unsigned s = 0; s < 3; ++s) {
            Set& set = set_by_number(s);
            for (u64 m = dirty_[s]; m != 0; m &= m - 1) {
                const unsigned c = static_cast<unsigned>(__builtin_ctzll(m));
                std::fill_n(set.begin() + c * kChunk, kChunk, TlbEntry{});
            }
            dirty_[s] = 0;
        }
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
        for (u64 m = dirty_[1]; m != 0; m &= m - 1) {
            const unsigned c = static_cast<unsigned>(__builtin_ctzll(m));
            for (unsigned i = c * kChunk; i < (c + 1) * kChunk; ++i) {
                TlbEntry& e = write[i];
                if (e.tag != TlbEntry::kInvalidTag && e.ppage == ppage) e = {};
            }
        }
    }

    // Chunks of entries filled since the last flush, one bit per chunk, per set (read, write,
    // exec). (Public like the sets: compiled code addresses the sets with offsetof, which needs
    // standard layout.)
    static constexpr unsigned kChunk = kEntries / 64;
    std::array<u64, 3> dirty_{};

  private:
    unsigned set_number(const Set& set) const { return &set == &read ? 0 : &set == &write ? 1 : 2; }
    Set& set_by_number(unsigned s) { return s == 0 ? read : s == 1 ? write : exec; }
};

}  // namespace rvisor::cpu
