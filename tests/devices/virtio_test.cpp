// virtio-mmio transport + virtio-blk against a hostile driver: real guest RAM, a temp raw
// image, and a test playing the driver through the registers and the rings.
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "devices/virtio/virtio_blk.hpp"
#include "devices/virtio/virtio_mmio.hpp"
#include "devices/virtio_mmio_slot.hpp"
#include "mem/guest_ram.hpp"
#include "storage/raw_image.hpp"

namespace rvisor::devices::virtio {
namespace {

namespace fs = std::filesystem;
namespace reg = virtio_mmio;

constexpr u64 kRamBase = 0x8000'0000;
constexpr u64 kRamSize = 1 << 20;
constexpr u64 kDesc = kRamBase + 0x1000;
constexpr u64 kAvail = kRamBase + 0x2000;
constexpr u64 kUsed = kRamBase + 0x3000;
constexpr u64 kIndirect = kRamBase + 0x4000;
constexpr u64 kHeader = kRamBase + 0x10000;
constexpr u64 kData = kRamBase + 0x20000;
constexpr u64 kStatusByte = kRamBase + 0x30000;
constexpr u64 kDiskSectors = 2048;  // 1 MiB image

struct LevelSink : InterruptSink {
    std::atomic<bool> level{false};
    void set_irq_level(unsigned, bool l) override { level = l; }
};

struct Desc {
    u64 addr;
    u32 len;
    u16 flags;
    u16 next;
};

class VirtioBlkTest : public ::testing::Test {
  protected:
    void SetUp() override { make_device(false); }
    void TearDown() override {
        transport.reset();
        blk.reset();
        fs::remove(path);
    }

    void make_device(bool read_only) {
        transport.reset();
        blk.reset();
        path = fs::temp_directory_path() /
               ("rvisor-virtio-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".img");
        if (!fs::exists(path)) {
            std::ofstream(path, std::ios::binary).close();
            fs::resize_file(path, kDiskSectors * 512);
        }
        blk = std::make_unique<VirtioBlk>(std::make_unique<storage::RawImage>(path, read_only),
                                          "rvisor-serial-0123456789");
        transport = std::make_unique<VirtioMmioTransport>(ram, *blk, IrqLine{&sink, 3});
    }

    u32 rd(u64 off) {
        u64 v = 0;
        EXPECT_TRUE(transport->read(off, 4, v));
        return static_cast<u32>(v);
    }
    void wr(u64 off, u32 v) { EXPECT_TRUE(transport->write(off, 4, v)); }
    // Ring fields (u16) are shared with the I/O thread: access them as atomics, as a driver
    // on another hart does; buffers are ordered by the ring indices.
    template <typename T>
    void poke(u64 pa, T v) {
        if constexpr (sizeof(T) == 2)
            std::atomic_ref<u16>(*reinterpret_cast<u16*>(ram.host(pa)))
                .store(v, std::memory_order_relaxed);
        else
            std::memcpy(ram.host(pa), &v, sizeof v);
    }
    template <typename T>
    T peek(u64 pa) {
        if constexpr (sizeof(T) == 2)
            return std::atomic_ref<u16>(*reinterpret_cast<u16*>(ram.host(pa)))
                .load(std::memory_order_relaxed);
        T v;
        std::memcpy(&v, ram.host(pa), sizeof v);
        return v;
    }
    u64 offered() { return transport->offered_features(); }

    // Feature negotiation; returns whether FEATURES_OK stuck.
    bool negotiate(u64 features) {
        wr(reg::kStatus, 0);
        wr(reg::kStatus, kStatusAcknowledge);
        wr(reg::kStatus, kStatusAcknowledge | kStatusDriver);
        wr(reg::kDriverFeaturesSel, 0);
        wr(reg::kDriverFeatures, static_cast<u32>(features));
        wr(reg::kDriverFeaturesSel, 1);
        wr(reg::kDriverFeatures, static_cast<u32>(features >> 32));
        wr(reg::kStatus, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk);
        return rd(reg::kStatus) & kStatusFeaturesOk;
    }
    void setup_queue(u32 num, u64 desc = kDesc, u64 avail = kAvail, u64 used = kUsed) {
        wr(reg::kQueueSel, 0);
        wr(reg::kQueueNum, num);
        wr(reg::kQueueDescLow, static_cast<u32>(desc));
        wr(reg::kQueueDescHigh, static_cast<u32>(desc >> 32));
        wr(reg::kQueueDriverLow, static_cast<u32>(avail));
        wr(reg::kQueueDriverHigh, static_cast<u32>(avail >> 32));
        wr(reg::kQueueDeviceLow, static_cast<u32>(used));
        wr(reg::kQueueDeviceHigh, static_cast<u32>(used >> 32));
        wr(reg::kQueueReady, 1);
    }
    // A full driver bring-up with a queue of `num` entries.
    void start(u64 features = kFeatureVersion1, u32 num = 16) {
        ASSERT_TRUE(negotiate(features));
        qsize = num;
        avail_idx = 0;
        used_seen = 0;
        std::memset(ram.host(kDesc), 0, 0x3000 + 8 * 256 + 8);
        setup_queue(num);
        ASSERT_EQ(rd(reg::kQueueReady), 1u);
        wr(reg::kStatus, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk | kStatusDriverOk);
        ASSERT_EQ(rd(reg::kStatus) & kStatusDriverOk, kStatusDriverOk);
    }
    void write_desc(u64 table, unsigned i, const Desc& d) {
        const u64 at = table + 16 * i;
        poke(at, d.addr);
        poke(at + 8, d.len);
        poke(at + 12, d.flags);
        poke(at + 14, d.next);
    }
    // Publishes `head` and kicks; waits until the device used it or asked for a reset.
    // Returns true when a used entry appeared.
    bool kick(u16 head) {
        poke<u16>(kAvail + 4 + 2 * (avail_idx % qsize), head);
        ++avail_idx;
        // Release/acquire on the ring indices, as a driver's barriers do (section 2.7.13).
        std::atomic_ref<u16>(*reinterpret_cast<u16*>(ram.host(kAvail + 2)))
            .store(avail_idx, std::memory_order_release);
        wr(reg::kQueueNotify, 0);
        return wait_used();
    }
    bool wait_used() {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (std::chrono::steady_clock::now() < deadline) {
            if (std::atomic_ref<u16>(*reinterpret_cast<u16*>(ram.host(kUsed + 2)))
                    .load(std::memory_order_acquire) != used_seen) {
                ++used_seen;
                return true;
            }
            if (rd(reg::kStatus) & kStatusNeedsReset) return false;
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
        ADD_FAILURE() << "device did not answer";
        return false;
    }
    u32 last_used_len() { return peek<u32>(kUsed + 4 + 8 * ((used_seen - 1) % qsize) + 4); }
    u32 last_used_id() { return peek<u32>(kUsed + 4 + 8 * ((used_seen - 1) % qsize)); }
    bool needs_reset() { return rd(reg::kStatus) & kStatusNeedsReset; }

    // A three-descriptor request: header, data (len bytes at kData), status. Returns the
    // status byte, or -1 when no used entry appeared.
    int request(u32 type, u64 sector, u32 len, bool device_writes) {
        poke<u32>(kHeader, type);
        poke<u32>(kHeader + 4, 0);
        poke<u64>(kHeader + 8, sector);
        poke<u8>(kStatusByte, 0xee);
        write_desc(kDesc, 0, {kHeader, 16, kDescNext, 1});
        if (len) {
            write_desc(
                kDesc, 1,
                {kData, len, static_cast<u16>(kDescNext | (device_writes ? kDescWrite : 0)), 2});
            write_desc(kDesc, 2, {kStatusByte, 1, kDescWrite, 0});
        } else {
            write_desc(kDesc, 1, {kStatusByte, 1, kDescWrite, 0});
        }
        if (!kick(0)) return -1;
        return peek<u8>(kStatusByte);
    }
    std::vector<u8> disk_bytes(u64 offset, std::size_t n) {
        std::vector<u8> v(n);
        std::ifstream in(path, std::ios::binary);
        in.seekg(static_cast<std::streamoff>(offset));
        in.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(n));
        return v;
    }

    mem::GuestRam ram{kRamBase, kRamSize};
    LevelSink sink;
    fs::path path;
    std::unique_ptr<VirtioBlk> blk;
    std::unique_ptr<VirtioMmioTransport> transport;
    u32 qsize = 16;
    u16 avail_idx = 0;
    u16 used_seen = 0;
};

TEST_F(VirtioBlkTest, IdentifiesAsABlockDevice) {
    EXPECT_EQ(rd(reg::kMagicValue), reg::kMagic);
    EXPECT_EQ(rd(reg::kVersion), 2u);
    EXPECT_EQ(rd(reg::kDeviceId), 2u);
    EXPECT_EQ(rd(reg::kVendorId), reg::kVendorRvisor);
    EXPECT_EQ(rd(reg::kQueueNumMax), VirtioBlk::kQueueSize);
    wr(reg::kQueueSel, 1);
    EXPECT_EQ(rd(reg::kQueueNumMax), 0u);  // only one queue
    u64 cap = 0;
    EXPECT_TRUE(transport->read(reg::kConfig, 4, cap));
    EXPECT_EQ(cap, kDiskSectors);
    u64 blk_size = 0;
    EXPECT_TRUE(transport->read(reg::kConfig + 20, 4, blk_size));
    EXPECT_EQ(blk_size, 512u);
    u64 byte = 0;
    EXPECT_TRUE(transport->read(reg::kConfig + 56, 1, byte));  // write_zeroes_may_unmap
    EXPECT_EQ(byte, 1u);
}

TEST_F(VirtioBlkTest, OffersAndNegotiatesFeatures) {
    wr(reg::kDeviceFeaturesSel, 0);
    const u64 lo = rd(reg::kDeviceFeatures);
    wr(reg::kDeviceFeaturesSel, 1);
    const u64 f = lo | u64{rd(reg::kDeviceFeatures)} << 32;
    for (u64 bit : {kFeatureVersion1, kFeatureEventIdx, kFeatureIndirectDesc, kBlkSegMax,
                    kBlkSizeMax, kBlkBlkSize, kBlkFlush, kBlkDiscard, kBlkWriteZeroes})
        EXPECT_TRUE(f & bit) << bit;
    EXPECT_FALSE(f & kBlkRo);
    wr(reg::kDeviceFeaturesSel, 7);
    EXPECT_EQ(rd(reg::kDeviceFeatures), 0u);

    EXPECT_FALSE(negotiate(kFeatureVersion1 | (1ULL << 30)));  // not offered
    EXPECT_FALSE(negotiate(kFeatureVersion1 | (1ULL << 40)));
    EXPECT_FALSE(negotiate(kBlkFlush));  // no VERSION_1: a legacy driver
    EXPECT_TRUE(negotiate(kFeatureVersion1 | kBlkFlush | kFeatureEventIdx));
    // Features are frozen after FEATURES_OK.
    wr(reg::kDriverFeaturesSel, 0);
    wr(reg::kDriverFeatures, 1u << 30);
    EXPECT_TRUE(rd(reg::kStatus) & kStatusFeaturesOk);
}

TEST_F(VirtioBlkTest, DriverOkWithoutFeaturesOkNeedsReset) {
    wr(reg::kStatus, kStatusAcknowledge | kStatusDriver);
    wr(reg::kStatus, kStatusAcknowledge | kStatusDriver | kStatusDriverOk);
    EXPECT_FALSE(rd(reg::kStatus) & kStatusDriverOk);
    EXPECT_TRUE(needs_reset());
    EXPECT_TRUE(rd(reg::kInterruptStatus) & kIsrConfigChange);
    EXPECT_TRUE(sink.level);
    wr(reg::kStatus, 0);
    EXPECT_EQ(rd(reg::kStatus), 0u);
    EXPECT_EQ(rd(reg::kInterruptStatus), 0u);
    EXPECT_FALSE(sink.level);
}

TEST_F(VirtioBlkTest, ResetClearsTheDevice) {
    start();
    EXPECT_EQ(request(kBlkTFlush, 0, 0, false), kBlkSOk);
    EXPECT_TRUE(sink.level);
    wr(reg::kStatus, 0);
    EXPECT_EQ(rd(reg::kStatus), 0u);
    EXPECT_EQ(rd(reg::kQueueReady), 0u);
    EXPECT_EQ(rd(reg::kInterruptStatus), 0u);
    EXPECT_FALSE(sink.level);
    // And it comes back up.
    start();
    EXPECT_EQ(request(kBlkTFlush, 0, 0, false), kBlkSOk);
}

TEST_F(VirtioBlkTest, WriteThenReadRoundTrips) {
    start();
    std::vector<u8> pattern(4096);
    for (std::size_t i = 0; i < pattern.size(); ++i) pattern[i] = static_cast<u8>(i * 13 + 1);
    std::memcpy(ram.host(kData), pattern.data(), pattern.size());
    EXPECT_EQ(request(kBlkTOut, 10, 4096, false), kBlkSOk);
    EXPECT_EQ(last_used_id(), 0u);
    EXPECT_EQ(disk_bytes(10 * 512, 4096), pattern);
    EXPECT_TRUE(sink.level);
    EXPECT_EQ(rd(reg::kInterruptStatus), kIsrUsedBuffer);
    wr(reg::kInterruptAck, kIsrUsedBuffer);
    EXPECT_FALSE(sink.level);

    std::memset(ram.host(kData), 0, 4096);
    EXPECT_EQ(request(kBlkTIn, 10, 4096, true), kBlkSOk);
    EXPECT_EQ(last_used_len(), 4096u + 1);
    EXPECT_EQ(std::memcmp(ram.host(kData), pattern.data(), 4096), 0);
}

TEST_F(VirtioBlkTest, ReadingIntoACodePageInvalidatesIt) {
    start();
    ram.set_page_flags(kData + 4096, mem::kPageHasCode);
    const u64 events = ram.code_events().position();
    EXPECT_EQ(request(kBlkTIn, 0, 8192, true), kBlkSOk);
    EXPECT_FALSE(ram.page_flags(kData + 4096) & mem::kPageHasCode);
    EXPECT_EQ(ram.code_events().position(), events + 1);
}

TEST_F(VirtioBlkTest, FlushAndGetId) {
    start();
    EXPECT_EQ(request(kBlkTFlush, 0, 0, false), kBlkSOk);
    std::memset(ram.host(kData), 0xff, 64);
    EXPECT_EQ(request(kBlkTGetId, 0, 20, true), kBlkSOk);
    EXPECT_EQ(std::string(reinterpret_cast<char*>(ram.host(kData)), 20), "rvisor-serial-012345");
    EXPECT_EQ(last_used_len(), 21u);
    EXPECT_EQ(request(99, 0, 0, false), kBlkSUnsupp);
}

TEST_F(VirtioBlkTest, DiscardAndWriteZeroes) {
    start();
    std::memset(ram.host(kData), 0x5a, 8192);
    ASSERT_EQ(request(kBlkTOut, 0, 8192, false), kBlkSOk);
    // write zeroes, sectors 2..5, may unmap
    poke<u64>(kData, 2);
    poke<u32>(kData + 8, 4);
    poke<u32>(kData + 12, 1);
    EXPECT_EQ(request(kBlkTWriteZeroes, 0, 16, false), kBlkSOk);
    auto d = disk_bytes(0, 8192);
    for (std::size_t i = 0; i < d.size(); ++i)
        ASSERT_EQ(d[i], (i >= 1024 && i < 3072) ? 0 : 0x5a) << i;
    poke<u64>(kData, 8);
    poke<u32>(kData + 8, 8);
    poke<u32>(kData + 12, 0);
    EXPECT_EQ(request(kBlkTDiscard, 0, 16, false), kBlkSOk);
    poke<u32>(kData + 12, 1);  // unmap on a discard
    EXPECT_EQ(request(kBlkTDiscard, 0, 16, false), kBlkSUnsupp);
    poke<u32>(kData + 12, 0);
    EXPECT_EQ(request(kBlkTDiscard, 0, 32, false), kBlkSUnsupp);  // two segments
    poke<u64>(kData, kDiskSectors - 1);
    EXPECT_EQ(request(kBlkTWriteZeroes, 0, 16, false), kBlkSIoErr);  // past the end
}

TEST_F(VirtioBlkTest, StatsCountBytesRequestsFlushesAndErrors) {
    start();
    const BlkStats zero = blk->stats();
    EXPECT_EQ(zero.requests, 0u);
    EXPECT_EQ(zero.read_bytes + zero.write_bytes + zero.flushes + zero.errors, 0u);
    ASSERT_EQ(request(kBlkTOut, 0, 4096, false), kBlkSOk);
    ASSERT_EQ(request(kBlkTIn, 0, 1024, true), kBlkSOk);
    ASSERT_EQ(request(kBlkTIn, 8, 512, true), kBlkSOk);
    ASSERT_EQ(request(kBlkTFlush, 0, 0, false), kBlkSOk);
    ASSERT_EQ(request(kBlkTGetId, 0, 20, true), kBlkSOk);  // data, but neither read nor write
    // Failed requests move no bytes: past the end, not whole sectors, unsupported.
    ASSERT_EQ(request(kBlkTIn, kDiskSectors, 512, true), kBlkSIoErr);
    ASSERT_EQ(request(kBlkTOut, 0, 100, false), kBlkSIoErr);
    ASSERT_EQ(request(99, 0, 0, false), kBlkSUnsupp);
    const BlkStats s = blk->stats();
    EXPECT_EQ(s.read_bytes, 1536u);
    EXPECT_EQ(s.write_bytes, 4096u);
    EXPECT_EQ(s.requests, 8u);
    EXPECT_EQ(s.flushes, 1u);
    EXPECT_EQ(s.errors, 3u);
    // A driver reset keeps the counts (they are the disk's, not the driver session's).
    wr(reg::kStatus, 0);
    EXPECT_EQ(blk->stats().requests, 8u);
}

TEST_F(VirtioBlkTest, ReadOnlyDiskRefusesWrites) {
    make_device(true);
    wr(reg::kDeviceFeaturesSel, 0);
    EXPECT_TRUE(rd(reg::kDeviceFeatures) & kBlkRo);
    EXPECT_FALSE(rd(reg::kDeviceFeatures) & kBlkDiscard);
    start();
    EXPECT_EQ(request(kBlkTOut, 0, 512, false), kBlkSIoErr);
    EXPECT_EQ(request(kBlkTIn, 0, 512, true), kBlkSOk);
    poke<u64>(kData, 0);
    poke<u32>(kData + 8, 1);
    poke<u32>(kData + 12, 0);
    EXPECT_EQ(request(kBlkTWriteZeroes, 0, 16, false), kBlkSIoErr);
}

TEST_F(VirtioBlkTest, RequestsBeyondCapacityFail) {
    start();
    EXPECT_EQ(request(kBlkTIn, kDiskSectors, 512, true), kBlkSIoErr);
    EXPECT_EQ(request(kBlkTIn, kDiskSectors - 1, 1024, true), kBlkSIoErr);
    EXPECT_EQ(request(kBlkTOut, ~0ULL / 512 + 1, 512, false), kBlkSIoErr);  // sector * 512 wraps
    EXPECT_EQ(request(kBlkTIn, 0, 100, true), kBlkSIoErr);                  // not whole sectors
    EXPECT_EQ(request(kBlkTIn, kDiskSectors - 1, 512, true), kBlkSOk);
    EXPECT_FALSE(needs_reset());
}

TEST_F(VirtioBlkTest, DataOutsideRamIsAnIoError) {
    start();
    poke<u32>(kHeader, kBlkTIn);
    poke<u64>(kHeader + 8, 0);
    for (u64 addr : {u64{0}, u64{kRamBase + kRamSize - 100}, u64{~0ULL - 10}}) {
        write_desc(kDesc, 0, {kHeader, 16, kDescNext, 1});
        write_desc(kDesc, 1, {addr, 512, kDescNext | kDescWrite, 2});
        write_desc(kDesc, 2, {kStatusByte, 1, kDescWrite, 0});
        ASSERT_TRUE(kick(0));
        EXPECT_EQ(peek<u8>(kStatusByte), kBlkSIoErr) << addr;
    }
    // A huge length that would wrap the address space.
    write_desc(kDesc, 1, {kData, 0xffff'ffff, kDescNext | kDescWrite, 2});
    ASSERT_TRUE(kick(0));
    EXPECT_EQ(peek<u8>(kStatusByte), kBlkSIoErr);
    EXPECT_FALSE(needs_reset());
}

TEST_F(VirtioBlkTest, StatusOutsideRamNeedsReset) {
    start();
    write_desc(kDesc, 0, {kHeader, 16, kDescNext, 1});
    write_desc(kDesc, 1, {kRamBase + kRamSize, 1, kDescWrite, 0});
    EXPECT_FALSE(kick(0) && !needs_reset());
    EXPECT_TRUE(needs_reset());
    EXPECT_TRUE(rd(reg::kInterruptStatus) & kIsrConfigChange);
    EXPECT_TRUE(sink.level);
}

TEST_F(VirtioBlkTest, DescriptorLoopNeedsReset) {
    start(kFeatureVersion1, 4);
    write_desc(kDesc, 0, {kHeader, 16, kDescNext, 1});
    write_desc(kDesc, 1, {kData, 512, kDescNext, 2});
    write_desc(kDesc, 2, {kData, 512, kDescNext, 3});
    write_desc(kDesc, 3, {kData, 512, kDescNext, 0});  // back to the head: longer than the queue
    EXPECT_FALSE(kick(0));
    EXPECT_TRUE(needs_reset());
    // The broken queue stays silent until reset.
    wr(reg::kQueueNotify, 0);
    EXPECT_EQ(peek<u16>(kUsed + 2), 0u);
}

TEST_F(VirtioBlkTest, SelfLoopAndBadIndicesNeedReset) {
    start();
    write_desc(kDesc, 0, {kHeader, 16, kDescNext, 0});
    EXPECT_FALSE(kick(0));
    EXPECT_TRUE(needs_reset());
    start();
    write_desc(kDesc, 0, {kHeader, 16, kDescNext, 16});  // next out of range
    EXPECT_FALSE(kick(0));
    EXPECT_TRUE(needs_reset());
    start();
    EXPECT_FALSE(kick(16));  // head out of range
    EXPECT_TRUE(needs_reset());
    start();
    poke<u16>(kAvail + 2, 17);  // driver claims more buffers than the ring holds
    wr(reg::kQueueNotify, 0);
    EXPECT_FALSE(wait_used());
    EXPECT_TRUE(needs_reset());
    start();
    // A readable descriptor after a writable one (section 2.7.4.2).
    write_desc(kDesc, 0, {kStatusByte, 1, kDescNext | kDescWrite, 1});
    write_desc(kDesc, 1, {kHeader, 16, 0, 0});
    EXPECT_FALSE(kick(0));
    EXPECT_TRUE(needs_reset());
}

TEST_F(VirtioBlkTest, IndirectDescriptors) {
    start(kFeatureVersion1 | kFeatureIndirectDesc);
    std::memset(ram.host(kData), 0x77, 1024);
    poke<u32>(kHeader, kBlkTOut);
    poke<u64>(kHeader + 8, 4);
    write_desc(kIndirect, 0, {kHeader, 16, kDescNext, 1});
    write_desc(kIndirect, 1, {kData, 512, kDescNext, 2});
    write_desc(kIndirect, 2, {kData + 512, 512, kDescNext, 3});
    write_desc(kIndirect, 3, {kStatusByte, 1, kDescWrite, 0});
    write_desc(kDesc, 0, {kIndirect, 64, kDescIndirect, 0});
    ASSERT_TRUE(kick(0));
    EXPECT_EQ(peek<u8>(kStatusByte), kBlkSOk);
    EXPECT_EQ(disk_bytes(4 * 512, 1024), std::vector<u8>(1024, 0x77));

    for (u32 bad_len : {0u, 60u, 0xffff'fff0u, 16u * 2000}) {
        start(kFeatureVersion1 | kFeatureIndirectDesc);
        write_desc(kIndirect, 3, {kStatusByte, 1, kDescWrite, 0});
        write_desc(kDesc, 0, {kIndirect, bad_len, kDescIndirect, 0});
        EXPECT_FALSE(kick(0)) << bad_len;
        EXPECT_TRUE(needs_reset()) << bad_len;
    }
    // A loop inside the table, an indirect inside an indirect, INDIRECT with NEXT.
    start(kFeatureVersion1 | kFeatureIndirectDesc);
    write_desc(kIndirect, 0, {kHeader, 16, kDescNext, 1});
    write_desc(kIndirect, 1, {kData, 512, kDescNext, 2});
    write_desc(kIndirect, 2, {kData + 512, 512, kDescNext, 3});
    write_desc(kIndirect, 3, {kStatusByte, 1, kDescWrite | kDescNext, 0});
    write_desc(kDesc, 0, {kIndirect, 64, kDescIndirect, 0});
    EXPECT_FALSE(kick(0));
    EXPECT_TRUE(needs_reset());
    start(kFeatureVersion1 | kFeatureIndirectDesc);
    write_desc(kIndirect, 0, {kIndirect, 64, kDescIndirect, 0});
    write_desc(kDesc, 0, {kIndirect, 64, kDescIndirect, 0});
    EXPECT_FALSE(kick(0));
    EXPECT_TRUE(needs_reset());
    start(kFeatureVersion1 | kFeatureIndirectDesc);
    write_desc(kIndirect, 0, {kHeader, 16, kDescNext, 1});
    write_desc(kDesc, 0, {kIndirect, 64, kDescIndirect | kDescNext, 1});
    EXPECT_FALSE(kick(0));
    EXPECT_TRUE(needs_reset());
    // Not negotiated.
    start(kFeatureVersion1);
    write_desc(kDesc, 0, {kIndirect, 64, kDescIndirect, 0});
    EXPECT_FALSE(kick(0));
    EXPECT_TRUE(needs_reset());
}

TEST_F(VirtioBlkTest, BadQueueConfigurationNeedsReset) {
    struct Case {
        u32 num;
        u64 desc, avail, used;
    };
    const Case cases[] = {
        {300, kDesc, kAvail, kUsed},                     // larger than QueueNumMax
        {12, kDesc, kAvail, kUsed},                      // not a power of two
        {0, kDesc, kAvail, kUsed},                       // empty
        {16, kDesc + 8, kAvail, kUsed},                  // descriptor table not 16-aligned
        {16, kDesc, kAvail + 1, kUsed},                  // avail ring not 2-aligned
        {16, kDesc, kAvail, kUsed + 2},                  // used ring not 4-aligned
        {16, kRamBase + kRamSize - 128, kAvail, kUsed},  // table runs off RAM
        {16, kDesc, kAvail, 0x1000},                     // not RAM at all
        {16, kDesc, ~0ULL - 15, kUsed},                  // wraps
        {0x10000, kDesc, kAvail, kUsed},                 // does not fit QueueNum's 16 bits
    };
    for (const Case& c : cases) {
        ASSERT_TRUE(negotiate(kFeatureVersion1));
        setup_queue(c.num, c.desc, c.avail, c.used);
        EXPECT_EQ(rd(reg::kQueueReady), 0u) << c.num << " " << c.desc;
        EXPECT_TRUE(needs_reset()) << c.num << " " << c.desc;
    }
}

TEST_F(VirtioBlkTest, QueueRegistersFreezeWhileRunning) {
    start();
    wr(reg::kQueueNum, 4);
    wr(reg::kQueueDescLow, 0);
    wr(reg::kQueueReady, 0);
    EXPECT_EQ(rd(reg::kQueueReady), 1u);
    EXPECT_EQ(request(kBlkTFlush, 0, 0, false), kBlkSOk);
}

TEST_F(VirtioBlkTest, NoInterruptFlagSuppressesTheInterrupt) {
    start();
    poke<u16>(kAvail, kAvailNoInterrupt);
    EXPECT_EQ(request(kBlkTFlush, 0, 0, false), kBlkSOk);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_FALSE(sink.level);
    poke<u16>(kAvail, 0);
    EXPECT_EQ(request(kBlkTFlush, 0, 0, false), kBlkSOk);
    EXPECT_TRUE(sink.level);
}

TEST_F(VirtioBlkTest, EventIndexSuppressionAndAvailEvent) {
    start(kFeatureVersion1 | kFeatureEventIdx);
    const u64 used_event = kAvail + 4 + 2 * 16;
    const u64 avail_event = kUsed + 4 + 8 * 16;
    poke<u16>(used_event, 5);  // interrupt only when used idx passes 5
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(request(kBlkTFlush, 0, 0, false), kBlkSOk);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        EXPECT_FALSE(sink.level) << i;
        EXPECT_EQ(peek<u16>(avail_event), i + 1);  // the device wants a kick for the next one
    }
    EXPECT_EQ(request(kBlkTFlush, 0, 0, false), kBlkSOk);  // used idx 5 -> 6 crosses it
    EXPECT_TRUE(sink.level);
}

TEST_F(VirtioBlkTest, NotifyBeforeDriverOkIsIgnored) {
    ASSERT_TRUE(negotiate(kFeatureVersion1));
    setup_queue(16);
    write_desc(kDesc, 0, {kStatusByte, 1, kDescWrite, 0});
    poke<u16>(kAvail + 4, 0);
    poke<u16>(kAvail + 2, 1);
    wr(reg::kQueueNotify, 0);
    wr(reg::kQueueNotify, 5);  // no such queue
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(peek<u16>(kUsed + 2), 0u);
}

TEST_F(VirtioBlkTest, NarrowRegisterAccessesReadZero) {
    u64 v = 1;
    EXPECT_TRUE(transport->read(reg::kMagicValue, 2, v));
    EXPECT_EQ(v, 0u);
    EXPECT_TRUE(transport->write(reg::kStatus, 1, kStatusAcknowledge));
    EXPECT_EQ(rd(reg::kStatus), 0u);
}

}  // namespace
}  // namespace rvisor::devices::virtio

namespace rvisor::devices::virtio {
namespace {

// Pause: a kick while paused is not served until resume().
TEST_F(VirtioBlkTest, PausedDeviceServesNothingUntilResumed) {
    start();
    EXPECT_EQ(request(kBlkTOut, 1, 512, false), kBlkSOk);
    transport->pause();
    transport->pause();  // idempotent
    poke<u8>(kStatusByte, 0xee);
    poke<u16>(kAvail + 4 + 2 * (avail_idx % qsize), 0);
    ++avail_idx;
    std::atomic_ref<u16>(*reinterpret_cast<u16*>(ram.host(kAvail + 2)))
        .store(avail_idx, std::memory_order_release);
    wr(reg::kQueueNotify, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_EQ(peek<u16>(kUsed + 2), 1u);
    EXPECT_EQ(peek<u8>(kStatusByte), 0xee);
    transport->resume();
    ASSERT_TRUE(wait_used());
    EXPECT_EQ(peek<u8>(kStatusByte), kBlkSOk);
}

// Snapshot: the transport's registers and ring positions survive a save into a new device
// on the same RAM, and the restored device serves the next request at the next used index.
TEST_F(VirtioBlkTest, SaveLoadRoundTripsTransportAndQueuePositions) {
    start(kFeatureVersion1 | kFeatureEventIdx, 16);
    EXPECT_EQ(request(kBlkTOut, 3, 512, false), kBlkSOk);
    EXPECT_EQ(request(kBlkTOut, 4, 512, false), kBlkSOk);
    transport->pause();
    mem::StateWriter w;
    transport->save(w);
    const u32 isr = rd(reg::kInterruptStatus);
    make_device(false);  // a fresh device and transport on the same RAM and image
    EXPECT_EQ(rd(reg::kStatus), 0u);
    mem::StateReader r(w.bytes());
    transport->load(r);
    EXPECT_EQ(r.remaining(), 0u);
    EXPECT_EQ(rd(reg::kStatus),
              kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk | kStatusDriverOk);
    EXPECT_EQ(rd(reg::kInterruptStatus), isr);
    EXPECT_EQ(sink.level.load(), isr != 0);
    wr(reg::kQueueSel, 0);
    EXPECT_EQ(rd(reg::kQueueReady), 1u);
    // The next request lands at used index 2.
    std::memset(ram.host(kData), 0x5a, 512);
    EXPECT_EQ(request(kBlkTOut, 5, 512, false), kBlkSOk);
    EXPECT_EQ(peek<u16>(kUsed + 2), 3u);
    EXPECT_EQ(disk_bytes(5 * 512, 512), std::vector<u8>(512, 0x5a));
}

TEST_F(VirtioBlkTest, LoadRefusesAnotherDeviceType) {
    start();
    transport->pause();  // save() wants an idle device (virtio_mmio.hpp)
    mem::StateWriter w;
    transport->save(w);
    std::vector<u8> bytes = w.take();
    // The device id follows the section header ("virtio-mmio": u32 length, 11 bytes, u32).
    bytes[4 + 11 + 4] = 1;  // virtio-net
    make_device(false);
    mem::StateReader r(bytes, "test");
    EXPECT_THROW(transport->load(r), std::runtime_error);
}

TEST_F(VirtioBlkTest, LoadRefusesRingsOutsideRam) {
    start();
    transport->pause();  // save() wants an idle device (virtio_mmio.hpp)
    mem::StateWriter w;
    transport->save(w);
    // Move the avail ring past the end of RAM in a copy of the state.
    make_device(false);
    setup_queue(16, kDesc, kRamBase + kRamSize - 2, kUsed);  // refused: not in RAM
    EXPECT_TRUE(needs_reset());
    std::vector<u8> bytes = w.take();
    // Find the virtqueue's avail address (kAvail, little-endian) and replace it.
    const u64 bad = kRamBase + kRamSize;
    bool replaced = false;
    for (std::size_t i = 0; i + 8 <= bytes.size() && !replaced; ++i) {
        u64 v;
        std::memcpy(&v, bytes.data() + i, 8);
        if (v == kAvail) {
            std::memcpy(bytes.data() + i, &bad, 8);
            replaced = true;
        }
    }
    ASSERT_TRUE(replaced);
    mem::StateReader r(bytes, "test");
    EXPECT_THROW(transport->load(r), std::runtime_error);
}

}  // namespace
}  // namespace rvisor::devices::virtio
