#include "mem/guest_ram.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <vector>

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

TEST(GuestRam, TouchedBytesCountsWrittenPages) {
    GuestRam ram(0x8000'0000, 64 * kPageSize);  // under 2 MiB: no transparent huge page
    EXPECT_EQ(ram.touched_bytes(), 0u);
    *ram.host(0x8000'0000) = 1;
    *ram.host(0x8000'0000 + 5 * kPageSize + 100) = 2;
    *ram.host(0x8000'0000 + 5 * kPageSize + 200) = 3;  // the same page again
    *ram.host(0x8000'0000 + 64 * kPageSize - 1) = 4;
    EXPECT_EQ(ram.touched_bytes(), 3 * kPageSize);
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

// RAM mapped copy-on-write from a file image (snapshot restore).
namespace rvisor::mem {
namespace {

TEST(GuestRamImageTest, MapsTheFileCopyOnWriteWithZeroRangesAnonymous) {
    const auto path =
        std::filesystem::temp_directory_path() / ("rvisor-ram-image-" + std::to_string(::getpid()));
    constexpr u64 kOffset = 2 * kPageSize;
    constexpr u64 kSize = 64 * kPageSize;
    {
        const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
        ASSERT_GE(fd, 0);
        const u8 page0 = 0x11, page40 = 0x22;
        ASSERT_EQ(::pwrite(fd, &page0, 1, kOffset), 1);
        ASSERT_EQ(::pwrite(fd, &page40, 1, kOffset + 40 * kPageSize + 7), 1);
        ASSERT_EQ(::ftruncate(fd, kOffset + kSize), 0);
        ::close(fd);
    }
    const int fd = ::open(path.c_str(), O_RDONLY);
    ASSERT_GE(fd, 0);
    GuestRam::FileImage image{fd, kOffset, {{kPageSize, 39 * kPageSize}}};
    {
        GuestRam a(0x8000'0000, kSize, image);
        GuestRam b(0x8000'0000, kSize, image);
        ::close(fd);  // the mappings keep the file
        EXPECT_EQ(a.size(), kSize);
        EXPECT_EQ(*a.host(0x8000'0000), 0x11);
        EXPECT_EQ(*a.host(0x8000'0000 + 40 * kPageSize + 7), 0x22);
        EXPECT_EQ(*a.host(0x8000'0000 + 10 * kPageSize), 0);
        // Writes are private to each RAM and never reach the file.
        *a.host(0x8000'0000) = 0x33;
        *a.host(0x8000'0000 + 10 * kPageSize) = 0x44;
        EXPECT_EQ(*b.host(0x8000'0000), 0x11);
        EXPECT_EQ(*b.host(0x8000'0000 + 10 * kPageSize), 0);
        EXPECT_EQ(a.page_flags(0x8000'0000), 0);
    }
    const int check = ::open(path.c_str(), O_RDONLY);
    u8 byte = 0;
    ASSERT_EQ(::pread(check, &byte, 1, kOffset), 1);
    EXPECT_EQ(byte, 0x11);
    ::close(check);
    std::filesystem::remove(path);
}

TEST(GuestRamImageTest, TouchedBytesCountsThisRamsPagesOnly) {
    const auto path = std::filesystem::temp_directory_path() /
                      ("rvisor-ram-touched-" + std::to_string(::getpid()));
    constexpr u64 kSize = 16 * kPageSize;
    {
        const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
        ASSERT_GE(fd, 0);
        std::vector<u8> bytes(kSize, 0x5a);
        ASSERT_EQ(::pwrite(fd, bytes.data(), kSize, 0), static_cast<ssize_t>(kSize));
        ::close(fd);
    }
    const int fd = ::open(path.c_str(), O_RDONLY);
    ASSERT_GE(fd, 0);
    GuestRam::FileImage image{fd, 0, {{8 * kPageSize, 8 * kPageSize}}};
    {
        GuestRam a(0x8000'0000, kSize, image);
        GuestRam b(0x8000'0000, kSize, image);
        ::close(fd);
        // The file's pages are in the page cache (just written), but no RAM has used them.
        EXPECT_EQ(a.touched_bytes(), 0u);
        *a.host(0x8000'0000 + 3 * kPageSize) = 1;   // a file page, copied on write
        *a.host(0x8000'0000 + 12 * kPageSize) = 1;  // an anonymous page
        EXPECT_EQ(a.touched_bytes(), 2 * kPageSize);
        EXPECT_EQ(b.touched_bytes(), 0u);
        // A read maps the file page, and the kernel's fault-around may map cached neighbours
        // with it (here at most the other 7 file pages).
        volatile u8 sink = *a.host(0x8000'0000 + 2 * kPageSize);
        (void)sink;
        EXPECT_GE(a.touched_bytes(), 3 * kPageSize);
        EXPECT_LE(a.touched_bytes(), 9 * kPageSize);
        EXPECT_EQ(b.touched_bytes(), 0u);
    }
    std::filesystem::remove(path);
}

TEST(GuestRamImageTest, RejectsUnalignedImagesAndZeroRangesOutsideRam) {
    GuestRam::FileImage image{-1, 100, {}};
    EXPECT_THROW(GuestRam(0x8000'0000, kPageSize, image), std::runtime_error);
    const auto path = std::filesystem::temp_directory_path() /
                      ("rvisor-ram-image2-" + std::to_string(::getpid()));
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::ftruncate(fd, 4 * kPageSize), 0);
    GuestRam::FileImage bad{fd, 0, {{2 * kPageSize, 4 * kPageSize}}};
    EXPECT_THROW(GuestRam(0x8000'0000, 4 * kPageSize, bad), std::runtime_error);
    ::close(fd);
    std::filesystem::remove(path);
}

}  // namespace
}  // namespace rvisor::mem
