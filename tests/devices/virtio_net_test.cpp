// virtio-net on the virtio-mmio transport, plugged into an EthernetSwitch: simulated guests
// play the driver through the registers and the rings of their own RAM.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "devices/virtio/virtio_mmio.hpp"
#include "devices/virtio/virtio_net.hpp"
#include "devices/virtio_mmio_slot.hpp"
#include "mem/guest_ram.hpp"
#include "net/ethernet_switch.hpp"

namespace rvisor::devices::virtio {
namespace {

namespace reg = virtio_mmio;
using Mac = std::array<u8, 6>;

constexpr u64 kRamBase = 0x8000'0000;
constexpr u64 kRamSize = 1 << 20;
constexpr u32 kQSize = 16;
// Queue q's rings: descriptors, avail, used, 0x4000 apart per queue.
constexpr u64 desc_of(unsigned q) {
    return kRamBase + 0x1000 + 0x4000 * q;
}
constexpr u64 avail_of(unsigned q) {
    return desc_of(q) + 0x1000;
}
constexpr u64 used_of(unsigned q) {
    return desc_of(q) + 0x2000;
}
constexpr u64 kBuf = kRamBase + 0x20000;  // buffers, 0x1000 apart

constexpr Mac kMacA{0x52, 0x54, 0x00, 0x12, 0x34, 0x0a};
constexpr Mac kMacB{0x52, 0x54, 0x00, 0x12, 0x34, 0x0b};

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

// One guest: RAM, a virtio-net device on the switch and its transport, and a driver.
struct Guest {
    Guest(net::EthernetSwitch& sw, Mac mac)
        : dev(std::make_unique<VirtioNet>(sw, mac)),
          transport(std::make_unique<VirtioMmioTransport>(ram, *dev, IrqLine{&sink, 1})) {}
    ~Guest() {
        transport.reset();
        dev.reset();
    }

    u32 rd(u64 off) {
        u64 v = 0;
        EXPECT_TRUE(transport->read(off, 4, v));
        return static_cast<u32>(v);
    }
    void wr(u64 off, u32 v) { EXPECT_TRUE(transport->write(off, 4, v)); }
    u16 ring16(u64 pa) {
        return std::atomic_ref<u16>(*reinterpret_cast<u16*>(ram.host(pa)))
            .load(std::memory_order_acquire);
    }
    template <typename T>
    T peek(u64 pa) {
        T v;
        std::memcpy(&v, ram.host(pa), sizeof v);
        return v;
    }
    void write_desc(unsigned q, unsigned i, const Desc& d) {
        const u64 at = desc_of(q) + 16 * i;
        std::memcpy(ram.host(at), &d.addr, 8);
        std::memcpy(ram.host(at + 8), &d.len, 4);
        std::memcpy(ram.host(at + 12), &d.flags, 2);
        std::memcpy(ram.host(at + 14), &d.next, 2);
    }
    // A full driver bring-up (after a reset) with empty rings.
    void start() {
        wr(reg::kStatus, 0);
        std::memset(ram.host(desc_of(0)), 0, 0x8000);
        avail_idx = {};
        used_seen = {};
        wr(reg::kStatus, kStatusAcknowledge | kStatusDriver);
        wr(reg::kDriverFeaturesSel, 0);
        wr(reg::kDriverFeatures, static_cast<u32>(kNetMac | kNetStatus));
        wr(reg::kDriverFeaturesSel, 1);
        wr(reg::kDriverFeatures, static_cast<u32>(kFeatureVersion1 >> 32));
        wr(reg::kStatus, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk);
        ASSERT_TRUE(rd(reg::kStatus) & kStatusFeaturesOk);
        for (unsigned q = 0; q < 2; ++q) {
            wr(reg::kQueueSel, q);
            wr(reg::kQueueNum, kQSize);
            wr(reg::kQueueDescLow, static_cast<u32>(desc_of(q)));
            wr(reg::kQueueDescHigh, static_cast<u32>(desc_of(q) >> 32));
            wr(reg::kQueueDriverLow, static_cast<u32>(avail_of(q)));
            wr(reg::kQueueDriverHigh, static_cast<u32>(avail_of(q) >> 32));
            wr(reg::kQueueDeviceLow, static_cast<u32>(used_of(q)));
            wr(reg::kQueueDeviceHigh, static_cast<u32>(used_of(q) >> 32));
            wr(reg::kQueueReady, 1);
        }
        wr(reg::kStatus, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk | kStatusDriverOk);
        ASSERT_TRUE(rd(reg::kStatus) & kStatusDriverOk);
    }
    // Makes `head` available on queue q; kicks when asked.
    void publish(unsigned q, u16 head, bool kick = true) {
        const u16 idx = avail_idx[q];
        std::memcpy(ram.host(avail_of(q) + 4 + 2 * (idx % kQSize)), &head, 2);
        avail_idx[q] = static_cast<u16>(idx + 1);
        std::atomic_ref<u16>(*reinterpret_cast<u16*>(ram.host(avail_of(q) + 2)))
            .store(avail_idx[q], std::memory_order_release);
        if (kick) wr(reg::kQueueNotify, q);
    }
    // Waits for a used entry on queue q; false on NEEDS_RESET or timeout.
    bool wait_used(unsigned q) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (std::chrono::steady_clock::now() < deadline) {
            if (ring16(used_of(q) + 2) != used_seen[q]) {
                ++used_seen[q];
                return true;
            }
            if (needs_reset()) return false;
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
        ADD_FAILURE() << "device did not answer";
        return false;
    }
    bool used_pending(unsigned q) { return ring16(used_of(q) + 2) != used_seen[q]; }
    u32 last_used_id(unsigned q) {
        return peek<u32>(used_of(q) + 4 + 8 * ((used_seen[q] - 1) % kQSize));
    }
    u32 last_used_len(unsigned q) {
        return peek<u32>(used_of(q) + 4 + 8 * ((used_seen[q] - 1) % kQSize) + 4);
    }
    bool needs_reset() { return rd(reg::kStatus) & kStatusNeedsReset; }

    // Posts a writable rx buffer of `len` bytes at kBuf + slot * 0x1000 as descriptor `slot`.
    void post_rx(u16 slot, u32 len = 2048) {
        std::memset(ram.host(kBuf + slot * 0x1000u), 0xcc, len);
        write_desc(0, slot, {kBuf + slot * 0x1000u, len, kDescWrite, 0});
        publish(0, slot);
    }
    // Transmits header + frame in one descriptor (slot 0 of the tx queue, data at 0x80000).
    bool transmit(std::span<const u8> frame, std::array<u8, kNetHdrBytes> hdr = {}) {
        const u64 at = kRamBase + 0x80000;
        std::memcpy(ram.host(at), hdr.data(), hdr.size());
        std::memcpy(ram.host(at + kNetHdrBytes), frame.data(), frame.size());
        write_desc(1, 0, {at, static_cast<u32>(kNetHdrBytes + frame.size()), 0, 0});
        publish(1, 0);
        return wait_used(1);
    }
    std::vector<u8> bytes(u64 pa, std::size_t n) {
        std::vector<u8> v(n);
        std::memcpy(v.data(), ram.host(pa), n);
        return v;
    }

    mem::GuestRam ram{kRamBase, kRamSize};
    LevelSink sink;
    std::unique_ptr<VirtioNet> dev;
    std::unique_ptr<VirtioMmioTransport> transport;
    std::array<u16, 2> avail_idx{};
    std::array<u16, 2> used_seen{};
};

// A host-side port recording what the switch delivers.
struct Tap : net::NetPort {
    std::mutex mu;
    std::vector<std::vector<u8>> frames;
    void deliver(std::span<const u8> f) override {
        std::lock_guard lock(mu);
        frames.emplace_back(f.begin(), f.end());
    }
    std::size_t count() {
        std::lock_guard lock(mu);
        return frames.size();
    }
};

std::vector<u8> eth_frame(const Mac& dst, const Mac& src, std::size_t len = 60) {
    std::vector<u8> f(len);
    for (std::size_t i = 0; i < len; ++i) f[i] = static_cast<u8>(i * 7);
    std::copy(dst.begin(), dst.end(), f.begin());
    std::copy(src.begin(), src.end(), f.begin() + 6);
    f[12] = 0x08;
    f[13] = 0x00;
    return f;
}

bool wait_for(const std::function<bool()>& cond) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
        if (cond()) return true;
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    return false;
}

class VirtioNetTest : public ::testing::Test {
  protected:
    net::EthernetSwitch sw;
    Guest a{sw, kMacA};
    Guest b{sw, kMacB};
};

TEST_F(VirtioNetTest, IdentifiesAsANetworkDevice) {
    EXPECT_EQ(a.rd(reg::kDeviceId), 1u);
    EXPECT_EQ(a.rd(reg::kQueueNumMax), VirtioNet::kQueueSize);
    a.wr(reg::kQueueSel, 1);
    EXPECT_EQ(a.rd(reg::kQueueNumMax), VirtioNet::kQueueSize);
    a.wr(reg::kQueueSel, 2);
    EXPECT_EQ(a.rd(reg::kQueueNumMax), 0u);  // one queue pair
    a.wr(reg::kDeviceFeaturesSel, 0);
    const u32 lo = a.rd(reg::kDeviceFeatures);
    EXPECT_TRUE(lo & kNetMac);
    EXPECT_TRUE(lo & kNetStatus);
    // No offloads, no mergeable buffers, no control queue, no multiqueue.
    for (unsigned bit : {0u, 1u, 7u, 8u, 9u, 10u, 11u, 12u, 13u, 14u, 15u, 17u, 22u})
        EXPECT_FALSE(lo & (1u << bit)) << bit;
    for (unsigned i = 0; i < 6; ++i) {
        u64 v = 0;
        EXPECT_TRUE(a.transport->read(reg::kConfig + i, 1, v));
        EXPECT_EQ(v, kMacA[i]);
    }
    u64 status = 0;
    EXPECT_TRUE(a.transport->read(reg::kConfig + 6, 2, status));
    EXPECT_EQ(status, kNetSLinkUp);
}

TEST_F(VirtioNetTest, FrameTravelsFromOneGuestToAnother) {
    a.start();
    b.start();
    b.post_rx(0);
    const auto f = eth_frame(kMacB, kMacA, 100);
    ASSERT_TRUE(a.transmit(f));
    EXPECT_EQ(a.last_used_id(1), 0u);
    EXPECT_EQ(a.last_used_len(1), 0u);  // tx buffers are only read
    ASSERT_TRUE(b.wait_used(0));
    EXPECT_EQ(b.last_used_id(0), 0u);
    EXPECT_EQ(b.last_used_len(0), kNetHdrBytes + f.size());
    // Header: all zero (no offloads) but num_buffers = 1.
    std::vector<u8> hdr(kNetHdrBytes, 0);
    hdr[10] = 1;
    EXPECT_EQ(b.bytes(kBuf, kNetHdrBytes), hdr);
    EXPECT_EQ(b.bytes(kBuf + kNetHdrBytes, f.size()), f);
    EXPECT_EQ(b.peek<u8>(kBuf + kNetHdrBytes + f.size()), 0xcc);  // nothing past the frame
    EXPECT_TRUE(b.sink.level);
    EXPECT_TRUE(b.rd(reg::kInterruptStatus) & kIsrUsedBuffer);
    // The switch learned both ends.
    EXPECT_EQ(sw.lookup(kMacA), a.dev->port());
}

TEST_F(VirtioNetTest, TxStripsHeaderAndHandlesSplitChains) {
    Tap tap;
    const net::SwitchPortId t = sw.attach(tap);
    a.start();
    const auto f = eth_frame(Mac{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, kMacA, 80);
    // Header in its own descriptor, frame split over two more (the usual Linux layout).
    const u64 hdr = kRamBase + 0x90000, p1 = kRamBase + 0x91000, p2 = kRamBase + 0x92000;
    std::memset(a.ram.host(hdr), 0xab, kNetHdrBytes);  // ignored flags/gso values
    std::memcpy(a.ram.host(p1), f.data(), 30);
    std::memcpy(a.ram.host(p2), f.data() + 30, f.size() - 30);
    a.write_desc(1, 3, {hdr, kNetHdrBytes, kDescNext, 4});
    a.write_desc(1, 4, {p1, 30, kDescNext, 5});
    a.write_desc(1, 5, {p2, static_cast<u32>(f.size() - 30), 0, 0});
    a.publish(1, 3);
    ASSERT_TRUE(a.wait_used(1));
    EXPECT_EQ(a.last_used_id(1), 3u);
    ASSERT_TRUE(wait_for([&] { return tap.count() == 1; }));
    EXPECT_EQ(tap.frames[0], f);
    sw.detach(t);
}

TEST_F(VirtioNetTest, TxRuntsAreDroppedButReturned) {
    Tap tap;
    const net::SwitchPortId t = sw.attach(tap);
    a.start();
    const auto f = eth_frame(kMacB, kMacA, 60);
    ASSERT_TRUE(a.transmit(std::span<const u8>(f).first(10)));
    ASSERT_TRUE(a.transmit(f));
    ASSERT_TRUE(wait_for([&] { return tap.count() == 1; }));
    EXPECT_EQ(tap.frames[0], f);
    EXPECT_FALSE(a.needs_reset());
    sw.detach(t);
}

TEST_F(VirtioNetTest, StatsCountFramesAndBytesBothWays) {
    Tap tap;
    const net::SwitchPortId t = sw.attach(tap);
    a.start();
    b.start();
    b.post_rx(0);
    ASSERT_TRUE(a.transmit(eth_frame(kMacB, kMacA, 100)));
    ASSERT_TRUE(b.wait_used(0));
    ASSERT_TRUE(a.transmit(eth_frame(kMacB, kMacA, 70)));  // b has no buffer left: dropped
    ASSERT_TRUE(a.transmit(std::span<const u8>(eth_frame(kMacB, kMacA, 60)).first(10)));  // runt
    ASSERT_TRUE(wait_for([&] { return b.dev->rx_dropped() == 1; }));
    const NetStats sa = a.dev->stats();
    EXPECT_EQ(sa.tx_frames, 2u);
    EXPECT_EQ(sa.tx_bytes, 170u);  // frames without the virtio_net_hdr
    EXPECT_EQ(sa.tx_dropped, 1u);
    EXPECT_EQ(sa.rx_frames + sa.rx_bytes + sa.rx_dropped, 0u);
    const NetStats sb = b.dev->stats();
    EXPECT_EQ(sb.rx_frames, 1u);
    EXPECT_EQ(sb.rx_bytes, 100u);
    EXPECT_EQ(sb.rx_dropped, 1u);
    EXPECT_EQ(sb.tx_frames + sb.tx_bytes + sb.tx_dropped, 0u);
    sw.detach(t);
}

TEST_F(VirtioNetTest, RxWithoutBuffersDrops) {
    b.start();
    Tap tap;
    const net::SwitchPortId t = sw.attach(tap);
    const auto f = eth_frame(kMacB, kMacA);
    sw.send(t, f);  // unknown unicast: flooded to both guests, neither has a buffer
    EXPECT_EQ(b.dev->rx_dropped(), 1u);
    EXPECT_FALSE(b.used_pending(0));
    EXPECT_FALSE(b.needs_reset());
    // A frame arriving after a buffer is posted is received; the dropped one is gone.
    b.post_rx(0);
    auto g = f;
    g[20] = 0x99;
    sw.send(t, g);
    ASSERT_TRUE(b.wait_used(0));
    EXPECT_EQ(b.bytes(kBuf + kNetHdrBytes, g.size()), g);
    sw.detach(t);
}

TEST_F(VirtioNetTest, RxBeforeDriverOkDrops) {
    Tap tap;
    const net::SwitchPortId t = sw.attach(tap);
    sw.send(t, eth_frame(kMacB, kMacA));
    EXPECT_EQ(b.dev->rx_dropped(), 1u);
    sw.detach(t);
}

TEST_F(VirtioNetTest, RxBufferTooSmallIsReturnedEmpty) {
    b.start();
    b.post_rx(0, 40);
    Tap tap;
    const net::SwitchPortId t = sw.attach(tap);
    sw.send(t, eth_frame(kMacB, kMacA, 60));
    ASSERT_TRUE(b.wait_used(0));
    EXPECT_EQ(b.last_used_len(0), 0u);
    EXPECT_EQ(b.dev->rx_dropped(), 1u);
    EXPECT_FALSE(b.needs_reset());
    sw.detach(t);
}

TEST_F(VirtioNetTest, RxSpansSeveralDescriptors) {
    b.start();
    const u64 x = kBuf, y = kBuf + 0x1000;
    std::memset(b.ram.host(x), 0xcc, 0x2000);
    b.write_desc(0, 0, {x, 20, kDescWrite | kDescNext, 1});
    b.write_desc(0, 1, {y, 1500, kDescWrite, 0});
    b.publish(0, 0);
    Tap tap;
    const net::SwitchPortId t = sw.attach(tap);
    const auto f = eth_frame(kMacB, kMacA, 64);
    sw.send(t, f);
    ASSERT_TRUE(b.wait_used(0));
    EXPECT_EQ(b.last_used_len(0), kNetHdrBytes + f.size());
    EXPECT_EQ(b.peek<u8>(x + 10), 1);  // num_buffers
    EXPECT_EQ(b.bytes(x + kNetHdrBytes, 8), std::vector<u8>(f.begin(), f.begin() + 8));
    EXPECT_EQ(b.bytes(y, f.size() - 8), std::vector<u8>(f.begin() + 8, f.end()));
    sw.detach(t);
}

TEST_F(VirtioNetTest, TxDescriptorOutsideRamNeedsReset) {
    a.start();
    a.write_desc(1, 0, {0x1000, 100, 0, 0});
    a.publish(1, 0);
    EXPECT_TRUE(wait_for([&] { return a.needs_reset(); }));
    EXPECT_TRUE(a.rd(reg::kInterruptStatus) & kIsrConfigChange);
    // The device survives and works again after a reset.
    a.start();
    EXPECT_FALSE(a.needs_reset());
}

TEST_F(VirtioNetTest, TxDescriptorLoopNeedsReset) {
    a.start();
    a.write_desc(1, 0, {kBuf, 64, kDescNext, 1});
    a.write_desc(1, 1, {kBuf, 64, kDescNext, 0});
    a.publish(1, 0);
    EXPECT_TRUE(wait_for([&] { return a.needs_reset(); }));
}

TEST_F(VirtioNetTest, RxDescriptorOutsideRamOrLoopNeedsReset) {
    Tap tap;
    const net::SwitchPortId t = sw.attach(tap);
    b.start();
    b.write_desc(0, 0, {kRamBase + kRamSize - 16, 2048, kDescWrite, 0});  // runs off RAM
    b.publish(0, 0);
    sw.send(t, eth_frame(kMacB, kMacA));
    EXPECT_TRUE(b.needs_reset());
    sw.send(t, eth_frame(kMacB, kMacA));  // no crash, dropped
    EXPECT_EQ(b.dev->rx_dropped(), 2u);

    b.start();
    EXPECT_FALSE(b.needs_reset());
    b.write_desc(0, 0, {kBuf, 64, kDescWrite | kDescNext, 0});  // points at itself
    b.publish(0, 0);
    sw.send(t, eth_frame(kMacB, kMacA));
    EXPECT_TRUE(b.needs_reset());
    sw.detach(t);
}

TEST_F(VirtioNetTest, ManyFramesBothWays) {
    a.start();
    b.start();
    for (u16 i = 0; i < kQSize; ++i) {
        a.post_rx(i);
        b.post_rx(i);
    }
    for (int i = 0; i < 8; ++i) {
        ASSERT_TRUE(a.transmit(eth_frame(kMacB, kMacA, 60 + i)));
        ASSERT_TRUE(b.transmit(eth_frame(kMacA, kMacB, 60 + i)));
    }
    for (int i = 0; i < 8; ++i) {
        ASSERT_TRUE(a.wait_used(0));
        EXPECT_EQ(a.last_used_len(0), kNetHdrBytes + 60 + i);
        ASSERT_TRUE(b.wait_used(0));
        EXPECT_EQ(b.last_used_len(0), kNetHdrBytes + 60 + i);
    }
    EXPECT_EQ(a.dev->rx_dropped(), 0u);
    EXPECT_EQ(b.dev->rx_dropped(), 0u);
}

}  // namespace
}  // namespace rvisor::devices::virtio
