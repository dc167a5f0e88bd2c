#include "mem/bus.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace rvisor::mem {
namespace {

class Scratch : public MmioDevice {
  public:
    std::string_view name() const override { return "scratch"; }
    unsigned min_access_size() const override { return 4; }
    unsigned max_access_size() const override { return 4; }
    bool read(u64 offset, unsigned size, u64& value) override {
        last_offset = offset;
        last_size = size;
        value = 0xdead'beef'0000'0000ULL | reg;  // upper bits must be masked by the bus
        return true;
    }
    bool write(u64 offset, unsigned, u64 value) override {
        last_offset = offset;
        reg = static_cast<u32>(value);
        return true;
    }
    u64 last_offset = 0;
    unsigned last_size = 0;
    u32 reg = 0;
};

TEST(Bus, RoutesRamAndDevicesAndFaultsElsewhere) {
    GuestRam ram(0x8000'0000, 0x1000);
    Bus bus(ram);
    Scratch dev;
    bus.map(0x1000'0000, 0x100, dev);

    EXPECT_TRUE(bus.write(0x8000'0004, 4, 0x1122'3344));
    u64 v = 0;
    EXPECT_TRUE(bus.read(0x8000'0005, 2, v));
    EXPECT_EQ(v, 0x2233u);

    EXPECT_TRUE(bus.write(0x1000'0010, 4, 0xabcd'ef01));
    EXPECT_EQ(dev.last_offset, 0x10u);
    EXPECT_TRUE(bus.read(0x1000'0010, 4, v));
    EXPECT_EQ(v, 0xabcd'ef01u);

    EXPECT_FALSE(bus.read(0x1000'0100, 4, v)) << "past the device";
    EXPECT_FALSE(bus.read(0x0, 4, v)) << "unmapped";
    EXPECT_FALSE(bus.read(0x8000'0ffe, 4, v)) << "crosses the end of RAM";
}

TEST(Bus, EnforcesDeviceAccessSizesAndAlignment) {
    GuestRam ram(0x8000'0000, 0x1000);
    Bus bus(ram);
    Scratch dev;
    bus.map(0x1000'0000, 0x100, dev);
    u64 v = 0;
    EXPECT_FALSE(bus.read(0x1000'0000, 1, v));
    EXPECT_FALSE(bus.read(0x1000'0000, 8, v));
    EXPECT_FALSE(bus.write(0x1000'0002, 4, 1));
}

TEST(Bus, RejectsOverlappingRegions) {
    GuestRam ram(0x8000'0000, 0x1000);
    Bus bus(ram);
    Scratch a, b;
    bus.map(0x1000'0000, 0x100, a);
    EXPECT_THROW(bus.map(0x1000'00f0, 0x100, b), std::invalid_argument);
    EXPECT_THROW(bus.map(0x7fff'ff00, 0x200, b), std::invalid_argument);
    bus.map(0x1000'0100, 0x100, b);
    EXPECT_EQ(bus.find(0x1000'01ff)->device, &b);
    EXPECT_EQ(bus.find(0x1000'0200), nullptr);
}

}  // namespace
}  // namespace rvisor::mem
