#include "cpu/soft_tlb.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace rvisor::cpu {
namespace {

bool all_invalid(const SoftTlb& t) {
    for (const auto* set : {&t.read, &t.write, &t.exec})
        for (const TlbEntry& e : *set)
            if (e.tag != TlbEntry::kInvalidTag) return false;
    return true;
}

// flush() clears the chunks filled since the last flush, however few or many; no entry
// survives, and entries never filled stay invalid.
TEST(SoftTlb, FlushDropsEveryFilledEntryWhetherFewOrMany) {
    std::vector<u8> page(4096);
    for (unsigned fills : {1u, 3u, 63u, 64u, 65u, 700u, 3 * SoftTlb::kEntries}) {
        SoftTlb t;
        for (unsigned i = 0; i < fills; ++i) {
            const u64 va = 0x1000ULL * (i * 7 + 1);
            auto& set = i % 3 == 0 ? t.read : i % 3 == 1 ? t.write : t.exec;
            t.fill(set, va, page.data(), 0x8000'0000);
            ASSERT_EQ(set[SoftTlb::index(va)].tag, va);
        }
        t.flush();
        EXPECT_TRUE(all_invalid(t)) << fills << " fills";
        // The dirty marks start over: a fill after the flush is dropped by the next one.
        t.fill(t.exec, 0x5000, page.data(), 0);
        t.flush();
        EXPECT_TRUE(all_invalid(t)) << fills << " fills, then one";
    }
}

// The last entry of the last chunk and the first of the first are both found by a flush.
TEST(SoftTlb, FlushReachesBothEndsOfEachSet) {
    std::vector<u8> page(4096);
    SoftTlb t;
    const u64 last = 0x1000ULL * (SoftTlb::kEntries - 1), first = 0x1000ULL * SoftTlb::kEntries;
    for (auto* set : {&t.read, &t.write, &t.exec}) {
        t.fill(*set, last, page.data(), 0x8000'0000);
        t.fill(*set, first, page.data(), 0x8000'1000);
    }
    EXPECT_EQ(t.read[SoftTlb::kEntries - 1].tag, last);
    EXPECT_EQ(t.exec[0].tag, first);
    t.flush();
    EXPECT_TRUE(all_invalid(t));
}

// flush_physical_writes drops exactly the write entries of one physical page.
TEST(SoftTlb, FlushPhysicalWritesDropsOnlyThatPagesWriteEntries) {
    std::vector<u8> page(4096);
    SoftTlb t;
    t.fill(t.write, 0x10000, page.data(), 0x8000'0000);
    t.fill(t.write, 0x7ff000, page.data(), 0x8000'0000);  // an alias of the same page
    t.fill(t.write, 0x20000, page.data(), 0x8000'1000);
    t.fill(t.read, 0x30000, page.data(), 0x8000'0000);
    t.flush_physical_writes(0x8000'0000);
    EXPECT_EQ(t.write[SoftTlb::index(0x10000)].tag, TlbEntry::kInvalidTag);
    EXPECT_EQ(t.write[SoftTlb::index(0x7ff000)].tag, TlbEntry::kInvalidTag);
    EXPECT_EQ(t.write[SoftTlb::index(0x20000)].tag, 0x20000u);
    EXPECT_EQ(t.read[SoftTlb::index(0x30000)].tag, 0x30000u);
}

}  // namespace
}  // namespace rvisor::cpu
