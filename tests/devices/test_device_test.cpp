#include "devices/test_device.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "mem/address_map.hpp"
#include "mem/bus.hpp"
#include "mem/guest_ram.hpp"

namespace rvisor::devices {
namespace {

using Kind = PowerRequest::Kind;

class TestDeviceTest : public ::testing::Test {
  protected:
    TestDeviceTest()
        : ram_(0x8000'0000, 0x1000),
          bus_(ram_),
          dev_([this](PowerRequest r) { requests_.push_back(r); }) {
        bus_.map(base_, mem::region(mem::Region::Test).size, dev_);
    }

    const u64 base_ = mem::region(mem::Region::Test).base;
    mem::GuestRam ram_;
    mem::Bus bus_;
    std::vector<PowerRequest> requests_;
    TestDevice dev_;
};

TEST_F(TestDeviceTest, MapsAtQemuVirtAddress) {
    EXPECT_EQ(base_, 0x10'0000u);
}

TEST_F(TestDeviceTest, PassIsPoweroffWithCodeZero) {
    ASSERT_TRUE(bus_.write(base_, 4, 0x5555));
    ASSERT_EQ(requests_.size(), 1u);
    EXPECT_EQ(requests_[0].kind, Kind::Poweroff);
    EXPECT_EQ(requests_[0].code, 0);
}

TEST_F(TestDeviceTest, FailCarriesCodeFromUpperHalf) {
    ASSERT_TRUE(bus_.write(base_, 4, (42u << 16) | 0x3333));
    ASSERT_TRUE(bus_.write(base_, 4, 0xffff'3333));
    ASSERT_EQ(requests_.size(), 2u);
    EXPECT_EQ(requests_[0].kind, Kind::Fail);
    EXPECT_EQ(requests_[0].code, 42);
    EXPECT_EQ(requests_[1].kind, Kind::Fail);
    EXPECT_EQ(requests_[1].code, 0xffff);
}

TEST_F(TestDeviceTest, ResetRequest) {
    ASSERT_TRUE(bus_.write(base_, 4, 0x7777));
    ASSERT_EQ(requests_.size(), 1u);
    EXPECT_EQ(requests_[0].kind, Kind::Reset);
    EXPECT_EQ(requests_[0].code, 0);
}

TEST_F(TestDeviceTest, PassIgnoresUpperHalf) {
    // Only the low 16 bits select the command (QEMU compares `val & 0xffff`).
    ASSERT_TRUE(bus_.write(base_, 4, 0x1234'5555));
    ASSERT_EQ(requests_.size(), 1u);
    EXPECT_EQ(requests_[0].kind, Kind::Poweroff);
    EXPECT_EQ(requests_[0].code, 0);
}

TEST_F(TestDeviceTest, OtherValuesAndOffsetsAreIgnored) {
    EXPECT_TRUE(bus_.write(base_, 4, 0));
    EXPECT_TRUE(bus_.write(base_, 4, 0x5554));
    EXPECT_TRUE(bus_.write(base_, 4, 0x3334));
    EXPECT_TRUE(bus_.write(base_, 4, 0x5555'0000));  // command in the wrong half
    EXPECT_TRUE(bus_.write(base_ + 4, 4, 0x5555));   // not the register
    EXPECT_TRUE(requests_.empty());
}

TEST_F(TestDeviceTest, ReadsReturnZero) {
    u64 v = 0xdead;
    ASSERT_TRUE(bus_.read(base_, 4, v));
    EXPECT_EQ(v, 0u);
    ASSERT_TRUE(bus_.write(base_, 4, 0x1234));
    v = 0xdead;
    ASSERT_TRUE(bus_.read(base_, 4, v));
    EXPECT_EQ(v, 0u);
}

TEST_F(TestDeviceTest, OnlyWordAccessesAreAccepted) {
    EXPECT_FALSE(bus_.write(base_, 1, 0x55));
    EXPECT_FALSE(bus_.write(base_, 2, 0x5555));
    EXPECT_FALSE(bus_.write(base_, 8, 0x5555));
    u64 v = 0;
    EXPECT_FALSE(bus_.read(base_, 2, v));
    EXPECT_FALSE(bus_.read(base_, 8, v));
    EXPECT_TRUE(requests_.empty());
    EXPECT_EQ(dev_.min_access_size(), 4u);
    EXPECT_EQ(dev_.max_access_size(), 4u);
}

TEST(TestDevice, WithoutHandlerWritesAreHarmless) {
    TestDevice dev{TestDevice::Handler{}};
    EXPECT_TRUE(dev.write(0, 4, 0x5555));
    EXPECT_EQ(dev.name(), "test");
}

}  // namespace
}  // namespace rvisor::devices
