#include "cpu/victim_tlb.hpp"

#include <gtest/gtest.h>

namespace rvisor::cpu {
namespace {

TEST(VictimTlb, FindsWhatWasFilledAndNothingElse) {
    VictimTlb t;
    EXPECT_EQ(t.find(0x0), nullptr);  // a zeroed entry (tag 0) is not valid
    t.fill(0x4000'1234, 0x1000, 0x8000'2000);
    const VictimTlb::Entry* e = t.find(0x4000'1ff8);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->addend, 0x1000u);
    EXPECT_EQ(e->ppage, 0x8000'2000u);
    // Same index, other page: a miss, not the other page's translation.
    EXPECT_EQ(t.find(0x4000'1000 + 0x1000ULL * VictimTlb::kEntries), nullptr);
    EXPECT_EQ(t.find(0x4000'2000), nullptr);
}

TEST(VictimTlb, FlushDropsEveryEntryAndLaterFillsWork) {
    VictimTlb t;
    for (u64 p = 0; p < 100; ++p) t.fill(0x10000 + p * 0x1000, p, 0x8000'0000 + p * 0x1000);
    t.flush();
    for (u64 p = 0; p < 100; ++p) EXPECT_EQ(t.find(0x10000 + p * 0x1000), nullptr) << p;
    t.fill(0x10000, 7, 0x8000'0000);
    ASSERT_NE(t.find(0x10000), nullptr);
    EXPECT_EQ(t.find(0x10000)->addend, 7u);
    EXPECT_EQ(t.find(0x11000), nullptr);  // filled before the flush
}

TEST(VictimTlb, FlushPageDropsOnlyThatPage) {
    VictimTlb t;
    t.fill(0x10000, 1, 0x8000'0000);
    t.fill(0x11000, 2, 0x8000'1000);
    t.flush_page(0x10abc);
    EXPECT_EQ(t.find(0x10000), nullptr);
    ASSERT_NE(t.find(0x11000), nullptr);
    // A page that only shares the index is left alone.
    t.flush_page(0x11000 + 0x1000ULL * VictimTlb::kEntries);
    EXPECT_NE(t.find(0x11000), nullptr);
}

}  // namespace
}  // namespace rvisor::cpu
