#include "devices/clint.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "mem/address_map.hpp"
#include "mem/bus.hpp"
#include "mem/guest_ram.hpp"

namespace rvisor::devices {
namespace {

constexpr u64 kMsip = Clint::kMsipBase;
constexpr u64 kCmp = Clint::kMtimecmpBase;
constexpr u64 kTime = Clint::kMtimeOffset;
constexpr unsigned kHarts = 4;

// Records every call, in order.
class FakeTarget : public HartInterruptTarget {
  public:
    void set_software_interrupt(unsigned hart, bool level) override {
        std::lock_guard lock(mu);
        msip.emplace_back(hart, level);
    }
    void set_timer_compare(unsigned hart, u64 mtimecmp) override {
        std::lock_guard lock(mu);
        cmp.emplace_back(hart, mtimecmp);
    }
    void clear() {
        msip.clear();
        cmp.clear();
    }
    std::mutex mu;
    std::vector<std::pair<unsigned, bool>> msip;
    std::vector<std::pair<unsigned, u64>> cmp;
};

class ClintTest : public ::testing::Test {
  protected:
    u64 rd(u64 off, unsigned size) {
        u64 v = 0xdead'beef'dead'beef;
        EXPECT_TRUE(clint.read(off, size, v)) << "offset " << off << " size " << size;
        return v;
    }
    void wr(u64 off, unsigned size, u64 v) {
        EXPECT_TRUE(clint.write(off, size, v)) << "offset " << off << " size " << size;
    }

    Timebase timebase;
    FakeTarget target;
    Clint clint{kHarts, timebase, &target};
};

TEST_F(ClintTest, PowerOnState) {
    EXPECT_EQ(clint.name(), "clint");
    EXPECT_EQ(clint.num_harts(), kHarts);
    EXPECT_EQ(clint.min_access_size(), 4u);
    EXPECT_EQ(clint.max_access_size(), 8u);
    for (unsigned h = 0; h < kHarts; ++h) {
        EXPECT_EQ(rd(kMsip + 4 * h, 4), 0u);
        EXPECT_EQ(rd(kCmp + 8 * h, 8), ~0ULL);
        EXPECT_FALSE(clint.msip(h));
        EXPECT_EQ(clint.mtimecmp(h), ~0ULL);
    }
    // The constructor drove every hart with its power-on state.
    std::vector<std::pair<unsigned, bool>> msip;
    std::vector<std::pair<unsigned, u64>> cmp;
    for (unsigned h = 0; h < kHarts; ++h) {
        msip.emplace_back(h, false);
        cmp.emplace_back(h, ~0ULL);
    }
    EXPECT_EQ(target.msip, msip);
    EXPECT_EQ(target.cmp, cmp);
}

TEST_F(ClintTest, SetTargetDrivesTheCurrentState) {
    Clint c(2, timebase);
    EXPECT_TRUE(c.write(kMsip + 4, 4, 1));
    EXPECT_TRUE(c.write(kCmp, 8, 1234));
    FakeTarget t;
    c.set_target(&t);
    EXPECT_EQ(t.msip, (std::vector<std::pair<unsigned, bool>>{{0, false}, {1, true}}));
    EXPECT_EQ(t.cmp, (std::vector<std::pair<unsigned, u64>>{{0, 1234}, {1, ~0ULL}}));
}

TEST_F(ClintTest, MsipKeepsOnlyBitZeroAndIsForwarded) {
    target.clear();
    wr(kMsip + 4, 4, 0xffff'ffff);
    EXPECT_EQ(rd(kMsip + 4, 4), 1u);
    EXPECT_EQ(rd(kMsip, 4), 0u);  // other harts untouched
    EXPECT_TRUE(clint.msip(1));
    wr(kMsip + 4, 4, 0xffff'fffe);  // bit 0 clear: level drops
    EXPECT_EQ(rd(kMsip + 4, 4), 0u);
    wr(kMsip + 12, 4, 1);
    EXPECT_EQ(target.msip,
              (std::vector<std::pair<unsigned, bool>>{{1, true}, {1, false}, {3, true}}));
    EXPECT_TRUE(target.cmp.empty());
}

TEST_F(ClintTest, MsipIsThirtyTwoBitOnly) {
    u64 v = 0;
    EXPECT_FALSE(clint.read(kMsip, 8, v));
    EXPECT_FALSE(clint.write(kMsip, 8, 1));
    EXPECT_FALSE(clint.msip(0));
}

TEST_F(ClintTest, MtimecmpSixtyFourBitAndForwarded) {
    target.clear();
    wr(kCmp + 8 * 2, 8, 0x0123'4567'89ab'cdef);
    EXPECT_EQ(rd(kCmp + 8 * 2, 8), 0x0123'4567'89ab'cdefu);
    EXPECT_EQ(clint.mtimecmp(2), 0x0123'4567'89ab'cdefu);
    EXPECT_EQ(rd(kCmp + 8 * 1, 8), ~0ULL);
    EXPECT_EQ(target.cmp, (std::vector<std::pair<unsigned, u64>>{{2, 0x0123'4567'89ab'cdef}}));
    EXPECT_TRUE(target.msip.empty());
}

TEST_F(ClintTest, MtimecmpThirtyTwoBitHalves) {
    target.clear();
    // RV32-style update: high half to all ones first, then low, then high (no spurious
    // interrupt in between); each write is forwarded with the merged 64-bit value.
    wr(kCmp + 4, 4, 0xffff'ffff);
    wr(kCmp, 4, 0x89ab'cdef);
    wr(kCmp + 4, 4, 0x0123'4567);
    EXPECT_EQ(rd(kCmp, 8), 0x0123'4567'89ab'cdefu);
    EXPECT_EQ(rd(kCmp, 4), 0x89ab'cdefu);
    EXPECT_EQ(rd(kCmp + 4, 4), 0x0123'4567u);
    EXPECT_EQ(target.cmp, (std::vector<std::pair<unsigned, u64>>{
                              {0, 0xffff'ffff'ffff'ffff},
                              {0, 0xffff'ffff'89ab'cdef},
                              {0, 0x0123'4567'89ab'cdef},
                          }));
}

TEST_F(ClintTest, MtimeRunsAtTenMegahertz) {
    using Clock = std::chrono::steady_clock;
    // Bracket both reads with host clock reads: the guest ticks elapsed lie between the
    // inner and the outer host interval (plus one tick of rounding at each end), whatever
    // the scheduler does, so the check is exact without being flaky.
    const auto t0 = Clock::now();
    const u64 v0 = rd(kTime, 8);
    const auto t1 = Clock::now();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const auto t2 = Clock::now();
    const u64 v1 = rd(kTime, 8);
    const auto t3 = Clock::now();
    const u64 inner = Timebase::ticks(t2 - t1);
    const u64 outer = Timebase::ticks(t3 - t0);
    EXPECT_GE(v1 - v0 + 1, inner);
    EXPECT_LE(v1 - v0, outer + 1);
    EXPECT_GE(v1 - v0, 200'000u - 1);  // slept at least 20 ms = 200,000 ticks
    EXPECT_EQ(Timebase::kFrequencyHz, 10'000'000u);
}

TEST_F(ClintTest, MtimeIsTheSharedTimebase) {
    const u64 a = timebase.now();
    const u64 b = rd(kTime, 8);
    const u64 c = timebase.now();
    EXPECT_LE(a, b);
    EXPECT_LE(b, c);
}

TEST_F(ClintTest, MtimeWritesMoveTheTimebase) {
    target.clear();
    wr(kTime, 8, 0x0000'1000'0000'0000);
    const u64 t = rd(kTime, 8);
    EXPECT_GE(t, 0x0000'1000'0000'0000u);
    EXPECT_LT(t, 0x0000'1000'0000'0000u + 10'000'000);  // well under a second later
    EXPECT_GE(timebase.now(), t);                       // the harts see the same time
    // The counter keeps running from the written value.
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    EXPECT_GE(rd(kTime, 8), t + 20'000);
    // No hart call is needed: harts compare against the shared Timebase.
    EXPECT_TRUE(target.cmp.empty());
    EXPECT_TRUE(target.msip.empty());
}

TEST_F(ClintTest, MtimeThirtyTwoBitHalves) {
    // High half write keeps the low half running.
    wr(kTime + 4, 4, 0x55);
    EXPECT_EQ(rd(kTime + 4, 4), 0x55u);
    // Low half write: a value far from wrapping, so the high half cannot carry meanwhile.
    wr(kTime, 4, 0x1000);
    const u64 t = rd(kTime, 8);
    EXPECT_EQ(t >> 32, 0x55u);
    EXPECT_GE(t & 0xffff'ffff, 0x1000u);
    EXPECT_LT(t & 0xffff'ffff, 0x1000u + 10'000'000);
    const u64 lo = rd(kTime, 4);
    EXPECT_GE(lo, t & 0xffff'ffff);
}

TEST_F(ClintTest, MissingHartsReadZeroAndIgnoreWrites) {
    target.clear();
    for (u64 off : {kMsip + 4 * kHarts, kMsip + 0x3ffc}) {
        wr(off, 4, 1);
        EXPECT_EQ(rd(off, 4), 0u);
    }
    for (u64 off : {kCmp + 8 * kHarts, kTime - 8}) {
        wr(off, 8, 5);
        EXPECT_EQ(rd(off, 8), 0u);
        wr(off + 4, 4, 5);
        EXPECT_EQ(rd(off + 4, 4), 0u);
    }
    for (u64 off : {u64{0xc000}, u64{0xfff8}}) {  // past mtime, inside the window
        wr(off, 8, 5);
        EXPECT_EQ(rd(off, 8), 0u);
    }
    EXPECT_TRUE(target.msip.empty());
    EXPECT_TRUE(target.cmp.empty());
    EXPECT_FALSE(clint.msip(kHarts));
    EXPECT_EQ(clint.mtimecmp(kHarts), 0u);
}

TEST_F(ClintTest, RejectsBadSizesAndOffsetsWhenCalledDirectly) {
    u64 v = 0;
    EXPECT_FALSE(clint.read(kCmp, 1, v));
    EXPECT_FALSE(clint.read(kCmp, 2, v));
    EXPECT_FALSE(clint.write(kCmp, 2, 0));
    EXPECT_FALSE(clint.read(kCmp + 4, 8, v));  // misaligned 64-bit
    EXPECT_FALSE(clint.read(Clint::kSize, 4, v));
    EXPECT_EQ(clint.mtimecmp(0), ~0ULL);
}

TEST_F(ClintTest, AccessesThroughTheBus) {
    mem::GuestRam ram(0x8000'0000, 0x1000);
    mem::Bus bus(ram);
    const u64 base = mem::region(mem::Region::Clint).base;
    ASSERT_EQ(base, 0x0200'0000u);
    ASSERT_EQ(mem::region(mem::Region::Clint).size, Clint::kSize);
    bus.map(base, Clint::kSize, clint);

    u64 v = 0;
    // Byte and halfword accesses are access faults, and leave the registers alone.
    EXPECT_FALSE(bus.write(base + kMsip, 1, 1));
    EXPECT_FALSE(bus.read(base + kMsip, 2, v));
    EXPECT_FALSE(bus.write(base + kCmp, 1, 0));
    EXPECT_FALSE(bus.read(base + kTime, 2, v));
    EXPECT_FALSE(bus.read(base + kMsip, 8, v));     // msip is 32-bit only
    EXPECT_FALSE(bus.read(base + kCmp + 4, 8, v));  // natural alignment
    EXPECT_FALSE(clint.msip(0));
    EXPECT_EQ(clint.mtimecmp(0), ~0ULL);

    EXPECT_TRUE(bus.write(base + kMsip, 4, 3));
    EXPECT_TRUE(bus.read(base + kMsip, 4, v));
    EXPECT_EQ(v, 1u);
    EXPECT_TRUE(bus.write(base + kCmp + 8, 8, 0x1122'3344'5566'7788));
    EXPECT_TRUE(bus.read(base + kCmp + 12, 4, v));
    EXPECT_EQ(v, 0x1122'3344u);
    EXPECT_TRUE(bus.read(base + kTime, 8, v));
    EXPECT_TRUE(bus.read(base + kTime + 4, 4, v));
}

TEST_F(ClintTest, ResetRestoresPowerOnState) {
    wr(kMsip, 4, 1);
    wr(kCmp + 8, 8, 42);
    wr(kTime, 8, 1'000'000'000);
    target.clear();
    clint.reset();
    EXPECT_EQ(rd(kMsip, 4), 0u);
    EXPECT_EQ(rd(kCmp + 8, 8), ~0ULL);
    EXPECT_LT(rd(kTime, 8), 10'000'000u);  // back near 0
    EXPECT_EQ(target.msip.size(), kHarts);
    EXPECT_EQ(target.cmp.size(), kHarts);
    EXPECT_EQ(target.msip[0], (std::pair<unsigned, bool>{0, false}));
    EXPECT_EQ(target.cmp[1], (std::pair<unsigned, u64>{1, ~0ULL}));
}

TEST_F(ClintTest, HartCountIsClamped) {
    Clint none(0, timebase);
    EXPECT_EQ(none.num_harts(), 1u);
    Clint many(100'000, timebase);
    EXPECT_EQ(many.num_harts(), Clint::kMaxHarts);
    // The last hart's mtimecmp sits just below mtime.
    EXPECT_TRUE(many.write(kCmp + 8 * (Clint::kMaxHarts - 1), 8, 7));
    EXPECT_EQ(many.mtimecmp(Clint::kMaxHarts - 1), 7u);
    u64 v = 0;
    EXPECT_TRUE(many.read(kTime, 8, v));
    EXPECT_NE(v, 7u);
}

TEST_F(ClintTest, ConcurrentAccessesKeepForwardingInOrder) {
    // Each thread owns one hart and writes increasing compare values; the target must see
    // each hart's values in increasing order, ending with the register's final value.
    constexpr int kWrites = 2000;
    target.clear();
    std::vector<std::thread> threads;
    for (unsigned h = 0; h < kHarts; ++h) {
        threads.emplace_back([this, h] {
            for (int i = 1; i <= kWrites; ++i) {
                clint.write(kCmp + 8 * h, 8, static_cast<u64>(i));
                clint.write(kMsip + 4 * h, 4, static_cast<u64>(i & 1));
                u64 v = 0;
                clint.read(kTime, 8, v);
            }
        });
    }
    for (auto& t : threads) t.join();
    std::vector<u64> last(kHarts, 0);
    for (auto [h, v] : target.cmp) {
        ASSERT_LT(h, kHarts);
        EXPECT_EQ(v, last[h] + 1);
        last[h] = v;
    }
    for (unsigned h = 0; h < kHarts; ++h) {
        EXPECT_EQ(last[h], static_cast<u64>(kWrites));
        EXPECT_EQ(clint.mtimecmp(h), static_cast<u64>(kWrites));
        EXPECT_FALSE(clint.msip(h));  // kWrites is even
    }
}

TEST(TimebaseTest, SetAndConversions) {
    Timebase tb(5'000'000);
    const u64 t = tb.now();
    EXPECT_GE(t, 5'000'000u);
    EXPECT_LT(t, 5'000'000u + 10'000'000);
    tb.set(~0ULL - 5);  // wraps like a hardware counter
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    EXPECT_LT(tb.now(), 10'000'000u);
    EXPECT_EQ(Timebase::ticks(std::chrono::seconds(1)), 10'000'000u);
    EXPECT_EQ(Timebase::ticks(std::chrono::nanoseconds(-5)), 0u);
    EXPECT_EQ(Timebase::duration(3), std::chrono::nanoseconds(300));
    EXPECT_EQ(Timebase::duration(~0ULL), std::chrono::nanoseconds::max());
}

}  // namespace
}  // namespace rvisor::devices
