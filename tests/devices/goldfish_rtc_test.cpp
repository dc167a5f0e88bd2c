#include "devices/goldfish_rtc.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "mem/address_map.hpp"
#include "mem/bus.hpp"
#include "mem/guest_ram.hpp"

namespace rvisor::devices {
namespace {

using namespace std::chrono_literals;

constexpr unsigned kIrq = 11;
constexpr u64 kSecond = 1'000'000'000;
// Waits for the alarm thread are generous so a loaded machine cannot make a test flaky; a
// passing test returns as soon as the interrupt arrives.
constexpr auto kPatience = 10s;

u64 host_ns() {
    using namespace std::chrono;
    return static_cast<u64>(
        duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count());
}

// Records the line's levels; the alarm thread calls it, so it is thread-safe and can be waited
// on.
class FakeSink : public InterruptSink {
  public:
    void set_irq_level(unsigned irq, bool level) override {
        std::lock_guard lock(mu);
        EXPECT_EQ(irq, kIrq);
        levels.push_back(level);
        cv.notify_all();
    }
    bool level() {
        std::lock_guard lock(mu);
        return !levels.empty() && levels.back();
    }
    std::vector<bool> snapshot() {
        std::lock_guard lock(mu);
        return levels;
    }
    bool ever_high() {
        const auto l = snapshot();
        return std::find(l.begin(), l.end(), true) != l.end();
    }
    bool wait_for_level(bool want, std::chrono::nanoseconds timeout) {
        std::unique_lock lock(mu);
        return cv.wait_for(lock, timeout, [&] { return !levels.empty() && levels.back() == want; });
    }
    std::mutex mu;
    std::condition_variable cv;
    std::vector<bool> levels;
};

class GoldfishRtcTest : public ::testing::Test {
  protected:
    u32 rd(u64 off) {
        u64 v = 0xdead'beef'dead'beef;
        EXPECT_TRUE(rtc.read(off, 4, v)) << "offset " << off;
        EXPECT_LE(v, 0xffff'ffffu);
        return static_cast<u32>(v);
    }
    void wr(u64 off, u32 v) { EXPECT_TRUE(rtc.write(off, 4, v)) << "offset " << off; }
    // The way Linux's goldfish_rtc_read_time reads the clock.
    u64 time() {
        const u64 low = rd(GoldfishRtc::kTimeLow);
        return static_cast<u64>(rd(GoldfishRtc::kTimeHigh)) << 32 | low;
    }
    // goldfish_rtc_set_time: high half first.
    void set_time(u64 t) {
        wr(GoldfishRtc::kTimeHigh, static_cast<u32>(t >> 32));
        wr(GoldfishRtc::kTimeLow, static_cast<u32>(t));
    }
    // goldfish_rtc_set_alarm with alarm enabled.
    void set_alarm(u64 t) {
        wr(GoldfishRtc::kAlarmHigh, static_cast<u32>(t >> 32));
        wr(GoldfishRtc::kAlarmLow, static_cast<u32>(t));
        wr(GoldfishRtc::kIrqEnabled, 1);
    }

    FakeSink sink;
    GoldfishRtc rtc{IrqLine{&sink, kIrq}};
};

TEST_F(GoldfishRtcTest, PowerOnState) {
    EXPECT_EQ(rtc.name(), "rtc");
    EXPECT_EQ(rtc.min_access_size(), 4u);
    EXPECT_EQ(rtc.max_access_size(), 4u);
    EXPECT_EQ(rd(GoldfishRtc::kAlarmLow), 0u);
    EXPECT_EQ(rd(GoldfishRtc::kAlarmHigh), 0u);
    EXPECT_EQ(rd(GoldfishRtc::kIrqEnabled), 0u);
    EXPECT_EQ(rd(GoldfishRtc::kAlarmStatus), 0u);
    EXPECT_EQ(rd(GoldfishRtc::kClearAlarm), 0u);
    EXPECT_EQ(rd(GoldfishRtc::kClearInterrupt), 0u);
    EXPECT_FALSE(sink.level());
}

TEST_F(GoldfishRtcTest, TimeIsTheHostWallClockInNanoseconds) {
    const u64 before = host_ns();
    const u64 t = time();
    const u64 after = host_ns();
    EXPECT_GE(t, before);
    EXPECT_LE(t, after);
    EXPECT_GT(t, 1'600'000'000 * kSecond);  // after September 2020: really the Unix epoch
    const u64 t2 = time();
    EXPECT_GE(t2, t);  // it runs
    const u64 n = rtc.now_ns();
    EXPECT_GE(n, t2);
    EXPECT_LE(n, host_ns());
}

TEST_F(GoldfishRtcTest, ReadingTimeLowLatchesTimeHigh) {
    set_time(0x0000'0005'ffff'0000);
    const u32 low = rd(GoldfishRtc::kTimeLow);
    EXPECT_GE(low, 0xffff'0000u);  // ~65 us of headroom before the low half wraps... or so
    // Move the clock: the latched half does not follow until the next TIME_LOW read.
    set_time(0x0000'0123'0000'0000);
    EXPECT_EQ(rd(GoldfishRtc::kTimeHigh), 5u);
    EXPECT_EQ(rd(GoldfishRtc::kTimeHigh), 5u);
    rd(GoldfishRtc::kTimeLow);
    EXPECT_EQ(rd(GoldfishRtc::kTimeHigh), 0x123u);
}

TEST_F(GoldfishRtcTest, WritingTheTimeMovesOnlyTheGuestClock) {
    const u64 target = 946'684'800 * kSecond;  // 2000-01-01T00:00:00Z
    const u64 host_before = host_ns();
    set_time(target);
    const u64 t = time();
    EXPECT_GE(t, target);
    EXPECT_LT(t, target + 5 * kSecond);
    EXPECT_GE(host_ns(), host_before);  // the host clock did not go back to 2000
    // The clock keeps running from the written value.
    std::this_thread::sleep_for(20ms);
    EXPECT_GE(time(), t + 20'000'000);

    // Each half can be written on its own; the other half keeps running.
    wr(GoldfishRtc::kTimeHigh, 0x7777);
    EXPECT_EQ(time() >> 32, 0x7777u);
}

TEST_F(GoldfishRtcTest, SetTimeUsesTheWrittenHighHalfEvenIfTheLowHalfWraps) {
    // Park the clock just before the low half wraps, then write a new time: the high half must
    // be the written one, not the one the running clock has reached in between.
    wr(GoldfishRtc::kTimeLow, 0xffff'ffff);
    wr(GoldfishRtc::kTimeHigh, 0x42);
    std::this_thread::sleep_for(2ms);  // the low half has wrapped by now
    wr(GoldfishRtc::kTimeLow, 0x1000);
    const u64 t = time();
    EXPECT_EQ(t >> 32, 0x42u);
    EXPECT_LT(t, (u64{0x42} << 32) + 0x1000 + 5 * kSecond);
}

TEST_F(GoldfishRtcTest, AlarmRaisesTheLineWhenDueAndClearInterruptLowersIt) {
    set_alarm(time() + 50'000'000);  // 50 ms ahead
    EXPECT_EQ(rd(GoldfishRtc::kAlarmStatus), 1u);
    EXPECT_EQ(rd(GoldfishRtc::kIrqEnabled), 1u);
    ASSERT_TRUE(sink.wait_for_level(true, kPatience));
    EXPECT_EQ(rd(GoldfishRtc::kAlarmStatus), 0u);  // fired: no longer armed
    wr(GoldfishRtc::kClearInterrupt, 1);
    EXPECT_FALSE(sink.level());
    // Exactly one rising edge (re-driving an unchanged level is allowed by IrqLine).
    const auto levels = sink.snapshot();
    unsigned rises = 0;
    for (std::size_t i = 0; i < levels.size(); ++i)
        rises += levels[i] && (i == 0 || !levels[i - 1]);
    EXPECT_EQ(rises, 1u);
}

TEST_F(GoldfishRtcTest, AlarmReadsBackAndOnlyAlarmLowArms) {
    const u64 far = time() + 3600 * kSecond;
    wr(GoldfishRtc::kAlarmHigh, static_cast<u32>(far >> 32));
    EXPECT_EQ(rd(GoldfishRtc::kAlarmStatus), 0u);
    wr(GoldfishRtc::kAlarmLow, static_cast<u32>(far));
    EXPECT_EQ(rd(GoldfishRtc::kAlarmStatus), 1u);
    EXPECT_EQ(rd(GoldfishRtc::kAlarmLow), static_cast<u32>(far));
    EXPECT_EQ(rd(GoldfishRtc::kAlarmHigh), static_cast<u32>(far >> 32));
}

TEST_F(GoldfishRtcTest, AlarmInThePastFiresAtOnce) {
    set_alarm(time() - kSecond);
    // Synchronously, in the ALARM_LOW write; IRQ_ENABLED then lets it through.
    EXPECT_TRUE(sink.level());
    EXPECT_EQ(rd(GoldfishRtc::kAlarmStatus), 0u);
}

TEST_F(GoldfishRtcTest, IrqEnabledGatesTheLine) {
    wr(GoldfishRtc::kAlarmLow, 1);  // alarm at 1 ns after the epoch: fired, but not enabled
    EXPECT_FALSE(sink.level());
    wr(GoldfishRtc::kIrqEnabled, 1);
    EXPECT_TRUE(sink.level());
    wr(GoldfishRtc::kIrqEnabled, 0);
    EXPECT_FALSE(sink.level());
    wr(GoldfishRtc::kClearInterrupt, 1);
    wr(GoldfishRtc::kIrqEnabled, 0xffff'fffe);  // only bit 0 counts
    EXPECT_EQ(rd(GoldfishRtc::kIrqEnabled), 0u);
    wr(GoldfishRtc::kIrqEnabled, 1);
    EXPECT_FALSE(sink.level());  // acknowledged while disabled: nothing left to signal
}

TEST_F(GoldfishRtcTest, ClearAlarmCancels) {
    set_alarm(time() + 100'000'000);  // 100 ms ahead
    ASSERT_EQ(rd(GoldfishRtc::kAlarmStatus), 1u);
    wr(GoldfishRtc::kClearAlarm, 1);
    EXPECT_EQ(rd(GoldfishRtc::kAlarmStatus), 0u);
    // Well past the cancelled time: nothing may have fired.
    EXPECT_FALSE(sink.wait_for_level(true, 300ms));
    EXPECT_FALSE(sink.ever_high());
}

TEST_F(GoldfishRtcTest, AlarmFollowsTheGuestClock) {
    const u64 now = time();
    set_alarm(now + 3600 * kSecond);  // an hour ahead
    EXPECT_FALSE(sink.level());
    // The guest moves its clock past the alarm: it is due now, not in an hour.
    set_time(now + 3601 * kSecond);
    ASSERT_TRUE(sink.wait_for_level(true, kPatience));
    EXPECT_EQ(rd(GoldfishRtc::kAlarmStatus), 0u);
}

TEST_F(GoldfishRtcTest, ResetDisarmsButKeepsTheTime) {
    const u64 target = 1'000'000'000 * kSecond;  // 2001-09-09
    set_time(target);
    set_alarm(target - 1);  // fires at once
    ASSERT_TRUE(sink.level());
    set_alarm(time() + 3600 * kSecond);
    rtc.reset();
    EXPECT_FALSE(sink.level());
    EXPECT_EQ(rd(GoldfishRtc::kAlarmStatus), 0u);
    EXPECT_EQ(rd(GoldfishRtc::kAlarmLow), 0u);
    EXPECT_EQ(rd(GoldfishRtc::kAlarmHigh), 0u);
    EXPECT_EQ(rd(GoldfishRtc::kIrqEnabled), 0u);
    const u64 t = time();
    EXPECT_GE(t, target);
    EXPECT_LT(t, target + 5 * kSecond);
}

TEST_F(GoldfishRtcTest, UnknownOffsetsReadZeroAndIgnoreWrites) {
    for (u64 off : {u64{0x20}, u64{0x100}, u64{0xffc}}) {
        wr(off, 0xffff'ffff);
        EXPECT_EQ(rd(off), 0u) << off;
    }
    wr(GoldfishRtc::kAlarmStatus, 1);  // read-only
    EXPECT_EQ(rd(GoldfishRtc::kAlarmStatus), 0u);
    EXPECT_FALSE(sink.ever_high());
}

TEST_F(GoldfishRtcTest, OnlyWordAccessesThroughTheBus) {
    mem::GuestRam ram(0x8000'0000, 0x1000);
    mem::Bus bus(ram);
    const auto& r = mem::region(mem::Region::Rtc);
    ASSERT_EQ(r.base, 0x10'1000u);
    bus.map(r.base, r.size, rtc);
    u64 low = 0, high = 0;
    EXPECT_TRUE(bus.read(r.base + GoldfishRtc::kTimeLow, 4, low));
    EXPECT_TRUE(bus.read(r.base + GoldfishRtc::kTimeHigh, 4, high));
    EXPECT_NEAR(static_cast<double>(high << 32 | low), static_cast<double>(host_ns()),
                5.0 * kSecond);
    u64 v = 0;
    for (unsigned size : {1u, 2u, 8u}) {
        EXPECT_FALSE(bus.read(r.base + GoldfishRtc::kTimeLow, size, v)) << size;
        EXPECT_FALSE(bus.write(r.base + GoldfishRtc::kIrqEnabled, size, 1)) << size;
    }
    EXPECT_EQ(rd(GoldfishRtc::kIrqEnabled), 0u);
    EXPECT_TRUE(bus.write(r.base + GoldfishRtc::kIrqEnabled, 4, 1));
    EXPECT_EQ(rd(GoldfishRtc::kIrqEnabled), 1u);
}

TEST(GoldfishRtcLifetime, DestructionWithAnArmedAlarmIsPrompt) {
    FakeSink sink;
    auto rtc = std::make_unique<GoldfishRtc>(IrqLine{&sink, kIrq});
    const u64 far = rtc->now_ns() + 3600 * kSecond;
    ASSERT_TRUE(rtc->write(GoldfishRtc::kAlarmHigh, 4, far >> 32));
    ASSERT_TRUE(rtc->write(GoldfishRtc::kAlarmLow, 4, static_cast<u32>(far)));
    std::this_thread::sleep_for(10ms);  // let the thread settle into its sleep
    const auto start = std::chrono::steady_clock::now();
    rtc.reset();
    // The thread's sleep is cut short by the stop request, not waited out.
    EXPECT_LT(std::chrono::steady_clock::now() - start, 900ms);
    EXPECT_FALSE(sink.ever_high());
}

TEST(GoldfishRtcLifetime, IrqLineConnectedLater) {
    GoldfishRtc rtc;
    ASSERT_TRUE(rtc.write(GoldfishRtc::kAlarmLow, 4, 1));  // fires at once
    ASSERT_TRUE(rtc.write(GoldfishRtc::kIrqEnabled, 4, 1));
    FakeSink sink;
    rtc.set_irq_line(IrqLine{&sink, kIrq});
    EXPECT_EQ(sink.snapshot(), (std::vector<bool>{true}));
}

}  // namespace
}  // namespace rvisor::devices
