// A second-level TLB for user-mode loads, behind the SoftTlb's read set: 32768 translations
// (128 MiB of 4 KiB pages) that a load's slow path consults before walking the page table.
//
// Why: a guest whose working set is far larger than the first-level TLB (7-Zip's LZMA match
// finder over a 32 MiB dictionary and its 256 MiB of tree links, a database's buffer pool)
// would otherwise walk three page-table levels and check PMP on most loads; a hit here
// refills the first level with a few loads instead.
//
// Only read translations of user mode (the U context: priv U, or M with MPRV and MPP=U) are
// held: they never need the code-page write protection that write entries do, and the kernel
// reaches its memory through the linear map's superpages, which the first level serves. A flush
// is O(1): it advances the generation that valid entries must carry, so the context switches
// that flush the first level cost nothing more here.
#pragma once

#include <memory>

#include "base/types.hpp"

namespace rvisor::cpu {

class VictimTlb {
  public:
    static constexpr unsigned kEntries = 32768;

    struct Entry {
        u64 tag = 0;     // virtual page address
        u64 addend = 0;  // host pointer = addend + virtual address
        u64 ppage = 0;   // guest-physical page address
        u64 gen = 0;     // valid while equal to the table's generation (which is never 0)
    };

    VictimTlb() : entries_(std::make_unique<Entry[]>(kEntries)) {}

    static unsigned index(u64 va) { return (va >> 12) & (kEntries - 1); }

    // The entry for va's page, or null.
    const Entry* find(u64 va) const {
        const Entry& e = entries_[index(va)];
        return e.gen == gen_ && e.tag == (va & ~0xfffULL) ? &e : nullptr;
    }

    void fill(u64 va, u64 addend, u64 ppage) {
        entries_[index(va)] = {va & ~0xfffULL, addend, ppage, gen_};
    }

    void flush() {
        if (++gen_ == 0) {
            // After 2^64 flushes: start over with every entry invalid.
            for (unsigned i = 0; i < kEntries; ++i) entries_[i] = {};
            gen_ = 1;
        }
    }

    void flush_page(u64 va) {
        Entry& e = entries_[index(va)];
        if (e.tag == (va & ~0xfffULL)) e.gen = 0;
    }

  private:
    std::unique_ptr<Entry[]> entries_;
    u64 gen_ = 1;
};

}  // namespace rvisor::cpu
