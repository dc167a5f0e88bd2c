#include "devices/virtio_mmio_slot.hpp"

#include <gtest/gtest.h>

#include <array>

#include "mem/address_map.hpp"
#include "mem/bus.hpp"
#include "mem/guest_ram.hpp"

namespace rvisor::devices {
namespace {

namespace vm = virtio_mmio;

class VirtioMmioSlotTest : public ::testing::Test {
  protected:
    u64 rd(u64 off, unsigned size = 4) {
        u64 v = 0xdead'beef'dead'beef;
        EXPECT_TRUE(slot.read(off, size, v)) << "offset " << off << " size " << size;
        return v;
    }
    VirtioMmioSlot slot;
};

TEST_F(VirtioMmioSlotTest, IdentifiesAsAnEmptySlot) {
    EXPECT_EQ(slot.name(), "virtio-mmio");
    EXPECT_EQ(slot.min_access_size(), 1u);
    EXPECT_EQ(slot.max_access_size(), 4u);
    EXPECT_EQ(rd(vm::kMagicValue), 0x7472'6976u);  // "virt"
    EXPECT_EQ(rd(vm::kVersion), 2u);
    EXPECT_EQ(rd(vm::kDeviceId), 0u);  // no device
    EXPECT_EQ(rd(vm::kVendorId), 0x5253'5652u);
    // The vendor ID spells "RVSR" in memory order, as QEMU's 0x554d4551 spells "QEMU".
    const u32 vendor = vm::kVendorRvisor;
    EXPECT_EQ(vendor & 0xff, u32{'R'});
    EXPECT_EQ(vendor >> 8 & 0xff, u32{'V'});
    EXPECT_EQ(vendor >> 16 & 0xff, u32{'S'});
    EXPECT_EQ(vendor >> 24, u32{'R'});
}

TEST_F(VirtioMmioSlotTest, EveryOtherRegisterReadsZero) {
    for (u64 off = vm::kDeviceFeatures; off < vm::kConfig; off += 4) {
        EXPECT_EQ(rd(off), 0u) << off;
    }
    for (u64 off : {vm::kQueueNumMax, vm::kInterruptStatus, vm::kStatus, vm::kShmLenLow,
                    vm::kShmLenHigh, vm::kConfigGeneration}) {
        EXPECT_EQ(rd(off), 0u) << off;
    }
}

TEST_F(VirtioMmioSlotTest, WritesAreIgnored) {
    for (u64 off = 0; off < 0x1000; off += 4) {
        EXPECT_TRUE(slot.write(off, 4, 0xffff'ffff)) << off;
    }
    EXPECT_TRUE(slot.write(vm::kConfig + 1, 1, 0xff));
    EXPECT_EQ(rd(vm::kMagicValue), vm::kMagic);
    EXPECT_EQ(rd(vm::kVersion), 2u);
    EXPECT_EQ(rd(vm::kDeviceId), 0u);
    EXPECT_EQ(rd(vm::kVendorId), vm::kVendorRvisor);
    EXPECT_EQ(rd(vm::kStatus), 0u);  // the driver's status write did not stick
    EXPECT_EQ(rd(vm::kQueueSel), 0u);
}

TEST_F(VirtioMmioSlotTest, NarrowAccesses) {
    // Registers are 32-bit only (virtio 1.2 4.2.2.2): narrower reads return 0, even of the
    // magic value.
    EXPECT_EQ(rd(vm::kMagicValue, 1), 0u);
    EXPECT_EQ(rd(vm::kMagicValue, 2), 0u);
    EXPECT_EQ(rd(vm::kVersion, 2), 0u);
    // The configuration space of an absent device reads 0 at any size.
    for (unsigned size : {1u, 2u, 4u}) {
        EXPECT_EQ(rd(vm::kConfig, size), 0u) << size;
        EXPECT_EQ(rd(0xffc, size), 0u) << size;
    }
}

TEST_F(VirtioMmioSlotTest, EightSlotsOnTheBus) {
    mem::GuestRam ram(0x8000'0000, 0x1000);
    mem::Bus bus(ram);
    const auto& r = mem::region(mem::Region::Virtio0);
    ASSERT_EQ(r.base, 0x1000'1000u);
    ASSERT_EQ(r.size, 0x1000u);
    std::array<VirtioMmioSlot, mem::kVirtioSlots> slots;
    for (unsigned n = 0; n < mem::kVirtioSlots; ++n) bus.map(r.base + n * r.size, r.size, slots[n]);

    for (unsigned n = 0; n < mem::kVirtioSlots; ++n) {
        const u64 base = r.base + n * r.size;
        u64 v = 0;
        EXPECT_TRUE(bus.read(base + vm::kMagicValue, 4, v));
        EXPECT_EQ(v, vm::kMagic) << n;
        EXPECT_TRUE(bus.read(base + vm::kVersion, 4, v));
        EXPECT_EQ(v, 2u);
        EXPECT_TRUE(bus.read(base + vm::kDeviceId, 4, v));
        EXPECT_EQ(v, 0u);
        EXPECT_TRUE(bus.write(base + vm::kStatus, 4, 0x1));
        EXPECT_TRUE(bus.read(base + vm::kConfig + 3, 1, v));
        EXPECT_EQ(v, 0u);
        EXPECT_FALSE(bus.read(base + vm::kMagicValue, 8, v));   // wider than any register
        EXPECT_FALSE(bus.read(base + vm::kVersion + 2, 4, v));  // misaligned
    }
}

}  // namespace
}  // namespace rvisor::devices
