#include "mem/guest_ram.hpp"

#include <gtest/gtest.h>

namespace rvisor::mem {
namespace {

TEST(GuestRam, RoundsSizeUpToAPageAndStartsZeroed) {
    GuestRam ram(0x8000'0000, 5000);
    EXPECT_EQ(ram.size(), 8192u);
    EXPECT_EQ(ram.end(), 0x8000'2000u);
    EXPECT_EQ(*ram.host(0x8000'1fff), 0);
}

TEST(GuestRam, ContainsIsExactAtBothEndsAndOverflowSafe) {
    GuestRam ram(0x8000'0000, 0x1000);
    EXPECT_TRUE(ram.contains(0x8000'0000, 0x1000));
    EXPECT_TRUE(ram.contains(0x8000'0fff, 1));
    EXPECT_FALSE(ram.contains(0x8000'0fff, 2));
    EXPECT_FALSE(ram.contains(0x7fff'ffff, 1));
    EXPECT_FALSE(ram.contains(0x8000'0001, ~0ULL));
    EXPECT_FALSE(ram.contains(~0ULL, 2));
    EXPECT_TRUE(ram.view(0x8000'1000, 1).empty());
    EXPECT_EQ(ram.view(0x8000'0010, 16).size(), 16u);
}

TEST(GuestRam, LargeRamIsReservedLazily) {
    // 16 GiB of address space must map without touching host memory.
    GuestRam ram(0x8000'0000, 16ULL << 30);
    *ram.host(0x8000'0000 + (16ULL << 30) - 1) = 7;
    EXPECT_EQ(*ram.host(0x8000'0000 + (16ULL << 30) - 1), 7);
}

TEST(GuestRam, PageFlagsSetAndClearIndependently) {
    GuestRam ram(0x8000'0000, 0x3000);
    ram.set_page_flags(0x8000'1234, kPageHasCode);
    ram.set_page_flags(0x8000'1000, kPageWatched);
    EXPECT_EQ(ram.page_flags(0x8000'1fff), kPageHasCode | kPageWatched);
    ram.clear_page_flags(0x8000'1000, kPageHasCode);
    EXPECT_EQ(ram.page_flags(0x8000'1000), kPageWatched);
    EXPECT_EQ(ram.page_flags(0x8000'0000), 0);
}

}  // namespace
}  // namespace rvisor::mem
