// Snapshot save/load of the board's devices (CLINT, PLIC, UART, Goldfish RTC, test device)
// and the Timebase's pause: each device saved, loaded into a fresh instance, must read back
// the same through its registers and drive the same outputs.
#include <gtest/gtest.h>

#include <map>
#include <thread>
#include <vector>

#include "devices/clint.hpp"
#include "devices/goldfish_rtc.hpp"
#include "devices/plic.hpp"
#include "devices/test_device.hpp"
#include "devices/timebase.hpp"
#include "devices/uart16550.hpp"

namespace rvisor::devices {
namespace {

struct Target : HartInterruptTarget {
    std::map<unsigned, bool> msip;
    std::map<unsigned, u64> cmp;
    void set_software_interrupt(unsigned h, bool l) override { msip[h] = l; }
    void set_timer_compare(unsigned h, u64 c) override { cmp[h] = c; }
};

struct Outputs : PlicOutputs {
    std::map<unsigned, bool> level;
    void set_context_irq(unsigned ctx, bool l) override { level[ctx] = l; }
};

struct Sink : InterruptSink {
    std::map<unsigned, bool> level;
    void set_irq_level(unsigned irq, bool l) override { level[irq] = l; }
};

u64 rd(mem::MmioDevice& d, u64 off, unsigned size = 4) {
    u64 v = 0;
    EXPECT_TRUE(d.read(off, size, v));
    return v;
}
void wr(mem::MmioDevice& d, u64 off, u64 v, unsigned size = 4) {
    EXPECT_TRUE(d.write(off, size, v));
}

TEST(TimebaseTest, PauseFreezesAndResumeContinuesFromTheSameValue) {
    Timebase tb(1000);
    tb.pause();
    const u64 frozen = tb.now();
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    EXPECT_EQ(tb.now(), frozen);
    EXPECT_TRUE(tb.paused());
    tb.resume();
    const u64 after = tb.now();
    EXPECT_GE(after, frozen);
    EXPECT_LT(after - frozen, Timebase::ticks(std::chrono::milliseconds(20)));  // not +30 ms
    tb.pause();
    tb.set(5);  // set while paused: stays there
    EXPECT_EQ(tb.now(), 5u);
    tb.resume();
    EXPECT_LT(tb.now(), 5u + Timebase::ticks(std::chrono::milliseconds(20)));
}

TEST(DeviceStateTest, ClintRoundTrips) {
    Timebase tb;
    Target t1;
    Clint a(3, tb, &t1);
    wr(a, 4 * 1, 1);  // msip[1]
    wr(a, Clint::kMtimecmpBase + 8 * 2, 0x1234'5678'9abcULL, 8);
    mem::StateWriter w;
    a.save(w);
    Target t2;
    Clint b(3, tb, &t2);
    t2.msip.clear();
    t2.cmp.clear();
    mem::StateReader r(w.bytes());
    b.load(r);
    EXPECT_EQ(r.remaining(), 0u);
    EXPECT_TRUE(b.msip(1));
    EXPECT_FALSE(b.msip(0));
    EXPECT_EQ(b.mtimecmp(2), 0x1234'5678'9abcULL);
    EXPECT_EQ(b.mtimecmp(0), ~0ULL);
    // The harts were driven with the loaded values.
    EXPECT_EQ(t2.msip, (std::map<unsigned, bool>{{0, false}, {1, true}, {2, false}}));
    EXPECT_EQ(t2.cmp[2], 0x1234'5678'9abcULL);

    Clint four(4, tb, &t2);
    mem::StateReader r2(w.bytes());
    EXPECT_THROW(four.load(r2), std::runtime_error);
}

TEST(DeviceStateTest, PlicRoundTripsIncludingClaimedSources) {
    Outputs o1;
    Plic a(2, &o1, 96);
    wr(a, Plic::kPriorityBase + 4 * 5, 3);
    wr(a, Plic::kPriorityBase + 4 * 40, 6);
    wr(a, Plic::kEnableBase + Plic::kEnableStride * 1, 1u << 5);      // ctx 1: source 5
    wr(a, Plic::kEnableBase + Plic::kEnableStride * 2 + 4, 1u << 8);  // ctx 2: source 40
    wr(a, Plic::kContextBase + Plic::kContextStride * 3, 2);          // threshold ctx 3
    a.set_irq_level(5, true);
    a.set_irq_level(40, true);
    EXPECT_EQ(rd(a, Plic::kContextBase + Plic::kContextStride * 1 + 4), 5u);  // claim 5
    EXPECT_TRUE(o1.level[2]);
    mem::StateWriter w;
    a.save(w);

    Outputs o2;
    Plic b(2, &o2, 96);
    mem::StateReader r(w.bytes());
    b.load(r);
    EXPECT_EQ(r.remaining(), 0u);
    EXPECT_EQ(rd(b, Plic::kPriorityBase + 4 * 5), 3u);
    EXPECT_EQ(rd(b, Plic::kPriorityBase + 4 * 40), 6u);
    EXPECT_EQ(rd(b, Plic::kEnableBase + Plic::kEnableStride * 1), 1u << 5);
    EXPECT_EQ(rd(b, Plic::kContextBase + Plic::kContextStride * 3), 2u);
    EXPECT_EQ(rd(b, Plic::kPendingBase + 4), 1u << 8);  // 40 pending, 5 claimed
    EXPECT_EQ(rd(b, Plic::kPendingBase), 0u);
    // Every context driven: only ctx 2 (source 40) is high.
    EXPECT_EQ(o2.level, (std::map<unsigned, bool>{{0, false}, {1, false}, {2, true}, {3, false}}));
    // Source 5 is still in flight: completing it with the level high makes it pending again.
    wr(b, Plic::kContextBase + Plic::kContextStride * 1 + 4, 5);
    EXPECT_EQ(rd(b, Plic::kPendingBase), 1u << 5);
    EXPECT_TRUE(o2.level[1]);

    Plic other(1, &o2, 96);  // another hart count
    mem::StateReader r2(w.bytes());
    EXPECT_THROW(other.load(r2), std::runtime_error);
}

TEST(DeviceStateTest, UartRoundTripsRegistersAndFifo) {
    Sink s1;
    Uart16550 a([](u8) {}, IrqLine{&s1, 10});
    wr(a, 3, 0x80);  // DLAB
    wr(a, 0, 0x01);
    wr(a, 1, 0x02);
    wr(a, 3, 0x03);  // 8N1
    wr(a, 2, 0x81);  // FIFO on, trigger 8
    wr(a, 1, 0x01);  // IER: RDA
    wr(a, 4, 0x0b);
    wr(a, 7, 0x5a);
    const u8 in[] = {'a', 'b', 'c'};
    a.push_rx(in);
    EXPECT_EQ(rd(a, 0), 'a');
    a.rx_idle();  // two bytes below the trigger: character timeout
    EXPECT_TRUE(s1.level[10]);
    mem::StateWriter w;
    a.save(w);

    Sink s2;
    Uart16550 b([](u8) {}, IrqLine{&s2, 10});
    mem::StateReader r(w.bytes());
    b.load(r);
    EXPECT_EQ(r.remaining(), 0u);
    EXPECT_TRUE(s2.level[10]);
    EXPECT_EQ(rd(b, 2), 0xccu);  // timeout interrupt, FIFOs enabled
    EXPECT_EQ(rd(b, 3), 0x03u);
    EXPECT_EQ(rd(b, 4), 0x0bu);
    EXPECT_EQ(rd(b, 7), 0x5au);
    EXPECT_EQ(rd(b, 1), 0x01u);
    wr(b, 3, 0x83);
    EXPECT_EQ(rd(b, 0), 0x01u);
    EXPECT_EQ(rd(b, 1), 0x02u);
    wr(b, 3, 0x03);
    EXPECT_EQ(rd(b, 0), 'b');
    EXPECT_EQ(rd(b, 0), 'c');
    EXPECT_EQ(rd(b, 5) & 1, 0u);  // FIFO empty
}

TEST(DeviceStateTest, UartRejectsABadFifoPosition) {
    Uart16550 a([](u8) {});
    mem::StateWriter w;
    a.save(w);
    std::vector<u8> bytes = w.take();
    // After the tag (4 + 9 bytes), version (4) and the FIFO array (4 + 16): rx_head.
    bytes[4 + 9 + 4 + 4 + 16] = 200;
    Uart16550 b([](u8) {});
    mem::StateReader r(bytes);
    EXPECT_THROW(b.load(r), std::runtime_error);
}

TEST(DeviceStateTest, RtcRoundTripsTimeAlarmAndInterrupt) {
    Sink s1;
    GoldfishRtc a(IrqLine{&s1, 11});
    // Set the clock a day back, fire an alarm in the past, enable the interrupt.
    const u64 day_ago = a.now_ns() - 86'400'000'000'000ULL;
    wr(a, GoldfishRtc::kTimeHigh, day_ago >> 32);
    wr(a, GoldfishRtc::kTimeLow, static_cast<u32>(day_ago));
    wr(a, GoldfishRtc::kIrqEnabled, 1);
    wr(a, GoldfishRtc::kAlarmHigh, 0);
    wr(a, GoldfishRtc::kAlarmLow, 1);
    EXPECT_TRUE(s1.level[11]);
    mem::StateWriter w;
    a.save(w);

    Sink s2;
    GoldfishRtc b(IrqLine{&s2, 11});
    mem::StateReader r(w.bytes());
    b.load(r);
    EXPECT_EQ(r.remaining(), 0u);
    EXPECT_TRUE(s2.level[11]);
    EXPECT_EQ(rd(b, GoldfishRtc::kIrqEnabled), 1u);
    EXPECT_EQ(rd(b, GoldfishRtc::kAlarmLow), 1u);
    const u64 t = b.now_ns();
    EXPECT_LT(t, day_ago + 10'000'000'000ULL);
    EXPECT_GE(t, day_ago);
    wr(b, GoldfishRtc::kClearInterrupt, 1);
    EXPECT_FALSE(s2.level[11]);
}

TEST(DeviceStateTest, PausedRtcFiresItsAlarmOnlyAfterResume) {
    Sink s;
    GoldfishRtc rtc(IrqLine{&s, 11});
    rtc.pause();
    const u64 soon = rtc.now_ns() + 20'000'000;  // 20 ms
    wr(rtc, GoldfishRtc::kIrqEnabled, 1);
    wr(rtc, GoldfishRtc::kAlarmHigh, soon >> 32);
    wr(rtc, GoldfishRtc::kAlarmLow, static_cast<u32>(soon));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_EQ(rd(rtc, GoldfishRtc::kAlarmStatus), 1u);  // still armed
    rtc.resume();
    for (int i = 0; i < 200 && rd(rtc, GoldfishRtc::kAlarmStatus); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_EQ(rd(rtc, GoldfishRtc::kAlarmStatus), 0u);
}

TEST(DeviceStateTest, SectionsAreCheckedByTag) {
    TestDevice test([](PowerRequest) {});
    mem::StateWriter w;
    test.save(w);
    Sink s;
    Uart16550 uart([](u8) {}, IrqLine{&s, 10});
    mem::StateReader r(w.bytes(), "snap");
    try {
        uart.load(r);
        FAIL() << "loaded a test-device section into the UART";
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "snap: expected section 'uart16550' at byte 0, found 'sifive-test'");
    }
    mem::StateReader r2(w.bytes());
    TestDevice other([](PowerRequest) {});
    other.load(r2);
    EXPECT_EQ(r2.remaining(), 0u);
}

}  // namespace
}  // namespace rvisor::devices
