// The L2 learning switch: learning, flooding, no hairpin, ageing, detach, runts.
#include "net/ethernet_switch.hpp"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <thread>
#include <vector>

namespace rvisor::net {
namespace {

using Mac = std::array<u8, 6>;
constexpr Mac kBroadcast{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
constexpr Mac kMulticast{0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
constexpr Mac kA{0x52, 0x54, 0x00, 0x00, 0x00, 0x0a};
constexpr Mac kB{0x52, 0x54, 0x00, 0x00, 0x00, 0x0b};
constexpr Mac kC{0x52, 0x54, 0x00, 0x00, 0x00, 0x0c};

struct Recorder : NetPort {
    std::vector<std::vector<u8>> frames;
    void deliver(std::span<const u8> f) override { frames.emplace_back(f.begin(), f.end()); }
};

std::vector<u8> frame(const Mac& dst, const Mac& src, u8 payload = 0x42, std::size_t len = 60) {
    std::vector<u8> f(len, payload);
    std::copy(dst.begin(), dst.end(), f.begin());
    std::copy(src.begin(), src.end(), f.begin() + 6);
    f[12] = 0x08;
    f[13] = 0x00;
    return f;
}

class SwitchTest : public ::testing::Test {
  protected:
    void SetUp() override {
        p1 = sw.attach(r1);
        p2 = sw.attach(r2);
        p3 = sw.attach(r3);
    }
    void clear() {
        r1.frames.clear();
        r2.frames.clear();
        r3.frames.clear();
    }
    EthernetSwitch::Clock::time_point now{};
    EthernetSwitch sw{EthernetSwitch::kDefaultAgeing, [this] { return now; }};
    Recorder r1, r2, r3;
    SwitchPortId p1{}, p2{}, p3{};
};

TEST_F(SwitchTest, PortIdsAreDistinctAndValid) {
    EXPECT_NE(p1, kInvalidPort);
    EXPECT_NE(p1, p2);
    EXPECT_NE(p2, p3);
    EXPECT_EQ(sw.port_count(), 3u);
}

TEST_F(SwitchTest, FloodsUnknownUnicastToAllOtherPorts) {
    const auto f = frame(kB, kA);
    sw.send(p1, f);
    EXPECT_TRUE(r1.frames.empty());
    ASSERT_EQ(r2.frames.size(), 1u);
    ASSERT_EQ(r3.frames.size(), 1u);
    EXPECT_EQ(r2.frames[0], f);
    EXPECT_EQ(r3.frames[0], f);
}

TEST_F(SwitchTest, FloodsBroadcastAndMulticast) {
    sw.send(p2, frame(kA, kB));  // learn A? no: learn B on p2
    clear();
    sw.send(p1, frame(kBroadcast, kA));
    sw.send(p1, frame(kMulticast, kA));
    EXPECT_TRUE(r1.frames.empty());
    EXPECT_EQ(r2.frames.size(), 2u);
    EXPECT_EQ(r3.frames.size(), 2u);
}

TEST_F(SwitchTest, LearnsAndForwardsUnicastToOnePort) {
    sw.send(p2, frame(kBroadcast, kB));
    EXPECT_EQ(sw.lookup(kB), p2);
    clear();
    const auto f = frame(kB, kA, 0x77);
    sw.send(p1, f);
    EXPECT_TRUE(r1.frames.empty());
    ASSERT_EQ(r2.frames.size(), 1u);
    EXPECT_EQ(r2.frames[0], f);
    EXPECT_TRUE(r3.frames.empty());
    // And the reply goes straight back, A having been learned on p1.
    sw.send(p2, frame(kA, kB));
    EXPECT_EQ(r1.frames.size(), 1u);
    EXPECT_TRUE(r3.frames.empty());
}

TEST_F(SwitchTest, MacMovesToTheLatestPort) {
    sw.send(p2, frame(kBroadcast, kB));
    sw.send(p3, frame(kBroadcast, kB));
    EXPECT_EQ(sw.lookup(kB), p3);
    clear();
    sw.send(p1, frame(kB, kA));
    EXPECT_TRUE(r2.frames.empty());
    EXPECT_EQ(r3.frames.size(), 1u);
}

TEST_F(SwitchTest, NeverHairpins) {
    sw.send(p1, frame(kBroadcast, kB));  // B lives behind p1
    clear();
    sw.send(p1, frame(kB, kA));  // A, also on p1, talks to B
    EXPECT_TRUE(r1.frames.empty());
    EXPECT_TRUE(r2.frames.empty());
    EXPECT_TRUE(r3.frames.empty());
}

TEST_F(SwitchTest, DoesNotLearnGroupSourceAddresses) {
    sw.send(p1, frame(kBroadcast, kMulticast));
    EXPECT_EQ(sw.lookup(kMulticast), kInvalidPort);
}

TEST_F(SwitchTest, AgesOutEntries) {
    sw.send(p2, frame(kBroadcast, kB));
    now += std::chrono::seconds(300);
    EXPECT_EQ(sw.lookup(kB), p2);        // exactly the ageing time: still there
    sw.send(p2, frame(kBroadcast, kB));  // refreshed
    now += std::chrono::seconds(299);
    EXPECT_EQ(sw.lookup(kB), p2);
    now += std::chrono::seconds(2);
    clear();
    sw.send(p1, frame(kB, kA));  // aged out: flooded
    EXPECT_EQ(r2.frames.size(), 1u);
    EXPECT_EQ(r3.frames.size(), 1u);
    EXPECT_EQ(sw.lookup(kB), kInvalidPort);
}

TEST_F(SwitchTest, AgeingTimeIsConfigurable) {
    sw.set_ageing(std::chrono::seconds(10));
    sw.send(p2, frame(kBroadcast, kB));
    now += std::chrono::seconds(11);
    EXPECT_EQ(sw.lookup(kB), kInvalidPort);
}

TEST_F(SwitchTest, DetachForgetsPortAndItsMacs) {
    sw.send(p2, frame(kBroadcast, kB));
    sw.send(p2, frame(kBroadcast, kC));
    sw.send(p3, frame(kBroadcast, kA));
    sw.detach(p2);
    EXPECT_EQ(sw.port_count(), 2u);
    EXPECT_EQ(sw.lookup(kB), kInvalidPort);
    EXPECT_EQ(sw.lookup(kC), kInvalidPort);
    EXPECT_EQ(sw.lookup(kA), p3);
    clear();
    sw.send(p1, frame(kB, kA));  // unknown again: flooded to what is left
    EXPECT_TRUE(r2.frames.empty());
    EXPECT_EQ(r3.frames.size(), 1u);
    // Frames from a detached port are dropped; detaching twice is harmless.
    clear();
    sw.send(p2, frame(kBroadcast, kB));
    EXPECT_TRUE(r1.frames.empty());
    EXPECT_TRUE(r3.frames.empty());
    sw.detach(p2);
    EXPECT_EQ(sw.port_count(), 2u);
}

TEST_F(SwitchTest, DropsRunts) {
    for (std::size_t len : {0u, 1u, 6u, 13u}) {
        const auto f = frame(kBroadcast, kA, 0, 60);
        sw.send(p1, std::span<const u8>(f).first(len));
    }
    EXPECT_TRUE(r2.frames.empty());
    EXPECT_EQ(sw.lookup(kA), kInvalidPort);
    const auto f = frame(kBroadcast, kA, 0, 14);  // a bare header is a frame
    sw.send(p1, f);
    EXPECT_EQ(r2.frames.size(), 1u);
}

TEST(SwitchThreads, ConcurrentSendersAndDetach) {
    struct Counter : NetPort {
        std::atomic<int> n{0};
        void deliver(std::span<const u8>) override { ++n; }
    };
    EthernetSwitch sw;
    Counter c1, c2, c3;
    const SwitchPortId a = sw.attach(c1), b = sw.attach(c2);
    const SwitchPortId c = sw.attach(c3);
    std::vector<std::jthread> threads;
    for (SwitchPortId from : {a, b}) {
        threads.emplace_back([&sw, from] {
            Mac src = kA;
            src[5] = static_cast<u8>(from);
            for (int i = 0; i < 2000; ++i) sw.send(from, frame(kBroadcast, src));
        });
    }
    sw.detach(c);
    const int seen = c3.n;
    threads.clear();
    EXPECT_EQ(c3.n, seen);  // nothing after detach returned
    EXPECT_EQ(c1.n, 2000);
    EXPECT_EQ(c2.n, 2000);
}

}  // namespace
}  // namespace rvisor::net
