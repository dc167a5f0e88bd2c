#include "mem/state_io.hpp"

#include <gtest/gtest.h>

#include <array>

namespace rvisor::mem {
namespace {

enum class Color : u8 { Red = 1, Blue = 7 };

TEST(StateIoTest, RoundTripsEveryKindOfField) {
    StateWriter w;
    w.begin("thing", 3);
    w.put<u8>(0xab);
    w.put<u16>(0xbeef);
    w.put<u32>(0xdead'beef);
    w.put<u64>(0x0123'4567'89ab'cdefULL);
    w.put<i32>(-5);
    w.put<bool>(true);
    w.put(Color::Blue);
    w.put_string("hello");
    const std::array<u32, 3> arr{1, 2, 3};
    w.put_array<u32>(arr);

    StateReader r(w.bytes());
    EXPECT_EQ(r.begin("thing", 3), 3u);
    EXPECT_EQ(r.get<u8>(), 0xab);
    EXPECT_EQ(r.get<u16>(), 0xbeef);
    EXPECT_EQ(r.get<u32>(), 0xdead'beefu);
    EXPECT_EQ(r.get<u64>(), 0x0123'4567'89ab'cdefULL);
    EXPECT_EQ(r.get<i32>(), -5);
    EXPECT_TRUE(r.get<bool>());
    EXPECT_EQ(r.get<Color>(), Color::Blue);
    EXPECT_EQ(r.get_string(), "hello");
    std::array<u32, 3> back{};
    r.get_array<u32>(back, "arr");
    EXPECT_EQ(back, arr);
    EXPECT_EQ(r.remaining(), 0u);
}

TEST(StateIoTest, IsLittleEndianOnTheWire) {
    StateWriter w;
    w.put<u32>(0x0403'0201);
    EXPECT_EQ(w.bytes(), (std::vector<u8>{1, 2, 3, 4}));
}

TEST(StateIoTest, ReadingPastTheEndThrowsNamingTheInput) {
    StateWriter w;
    w.put<u16>(1);
    StateReader r(w.bytes(), "vm.snap");
    EXPECT_EQ(r.get<u16>(), 1);
    try {
        r.get<u8>();
        FAIL();
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "vm.snap: truncated (state ends at byte 2)");
    }
}

TEST(StateIoTest, SectionTagAndVersionAreChecked) {
    StateWriter w;
    w.begin("clint", 2);
    {
        StateReader r(w.bytes(), "s");
        try {
            r.begin("plic", 5);
            FAIL();
        } catch (const std::runtime_error& e) {
            EXPECT_STREQ(e.what(), "s: expected section 'plic' at byte 0, found 'clint'");
        }
    }
    {
        StateReader r(w.bytes(), "s");
        try {
            r.begin("clint", 1);
            FAIL();
        } catch (const std::runtime_error& e) {
            EXPECT_STREQ(e.what(), "s: section 'clint' has version 2, this rvisor reads 1..1");
        }
    }
    StateReader r(w.bytes(), "s");
    EXPECT_EQ(r.begin("clint", 2), 2u);
}

TEST(StateIoTest, ArrayLengthMismatchAndHugeLengthsAreRejected) {
    StateWriter w;
    const std::array<u8, 4> four{1, 2, 3, 4};
    w.put_array<u8>(four);
    std::array<u8, 5> five{};
    StateReader r(w.bytes(), "s");
    EXPECT_THROW(r.get_array<u8>(five, "fifo"), std::runtime_error);

    StateWriter big;
    big.put<u32>(0xffff'ffff);  // a string or vector length no file can back
    StateReader r2(big.bytes());
    EXPECT_THROW(r2.get_string(), std::runtime_error);
    StateReader r3(big.bytes());
    EXPECT_THROW(r3.get_vector<u64>(1u << 30, "v"), std::runtime_error);
}

}  // namespace
}  // namespace rvisor::mem
