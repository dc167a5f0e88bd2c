#include "devices/plic.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "mem/address_map.hpp"
#include "mem/bus.hpp"
#include "mem/guest_ram.hpp"

namespace rvisor::devices {
namespace {

constexpr unsigned kHarts = 2;

u64 priority_reg(unsigned id) {
    return Plic::kPriorityBase + 4 * id;
}
u64 pending_reg(unsigned word) {
    return Plic::kPendingBase + 4 * word;
}
u64 enable_reg(unsigned ctx, unsigned word) {
    return Plic::kEnableBase + Plic::kEnableStride * ctx + 4 * word;
}
u64 threshold_reg(unsigned ctx) {
    return Plic::kContextBase + Plic::kContextStride * ctx + Plic::kThresholdOffset;
}
u64 claim_reg(unsigned ctx) {
    return Plic::kContextBase + Plic::kContextStride * ctx + Plic::kClaimOffset;
}

using Call = std::pair<unsigned, bool>;

// Records every output call, in order. Thread-safe: calls come from whichever thread changed
// the PLIC (always with the PLIC's lock held).
class FakeOutputs : public PlicOutputs {
  public:
    void set_context_irq(unsigned context, bool level) override {
        std::lock_guard lock(mu);
        calls.emplace_back(context, level);
    }
    std::vector<Call> take() {
        std::lock_guard lock(mu);
        return std::exchange(calls, {});
    }
    std::mutex mu;
    std::vector<Call> calls;
};

class PlicTest : public ::testing::Test {
  protected:
    u32 rd(u64 off) {
        u64 v = 0xdead'beef'dead'beef;
        EXPECT_TRUE(plic.read(off, 4, v)) << "offset " << off;
        EXPECT_LE(v, 0xffff'ffffu);
        return static_cast<u32>(v);
    }
    void wr(u64 off, u32 v) { EXPECT_TRUE(plic.write(off, 4, v)) << "offset " << off; }
    u32 claim(unsigned ctx) { return rd(claim_reg(ctx)); }
    void complete(unsigned ctx, u32 id) { wr(claim_reg(ctx), id); }
    void enable(unsigned ctx, unsigned id) {
        wr(enable_reg(ctx, id / 32), rd(enable_reg(ctx, id / 32)) | 1u << (id % 32));
    }
    void disable(unsigned ctx, unsigned id) {
        wr(enable_reg(ctx, id / 32), rd(enable_reg(ctx, id / 32)) & ~(1u << (id % 32)));
    }

    FakeOutputs out;
    Plic plic{kHarts, &out};
};

TEST_F(PlicTest, PowerOnState) {
    EXPECT_EQ(plic.name(), "plic");
    EXPECT_EQ(plic.min_access_size(), 4u);
    EXPECT_EQ(plic.max_access_size(), 4u);
    EXPECT_EQ(plic.num_harts(), kHarts);
    EXPECT_EQ(plic.num_contexts(), 2 * kHarts);
    EXPECT_EQ(plic.num_sources(), 96u);
    EXPECT_EQ(Plic::m_context(3), 6u);
    EXPECT_EQ(Plic::s_context(3), 7u);
    for (unsigned id = 0; id < 96; ++id) EXPECT_EQ(rd(priority_reg(id)), 0u) << id;
    for (unsigned w = 0; w < 32; ++w) EXPECT_EQ(rd(pending_reg(w)), 0u) << w;
    for (unsigned ctx = 0; ctx < 2 * kHarts; ++ctx) {
        for (unsigned w = 0; w < 32; ++w) EXPECT_EQ(rd(enable_reg(ctx, w)), 0u);
        EXPECT_EQ(rd(threshold_reg(ctx)), 0u);
        EXPECT_EQ(claim(ctx), 0u);
        EXPECT_FALSE(plic.context_irq(ctx));
    }
    EXPECT_TRUE(out.take().empty());  // nothing driven until something changes
}

TEST_F(PlicTest, PrioritiesAreThreeBitWarl) {
    wr(priority_reg(1), 0xffff'ffff);
    EXPECT_EQ(rd(priority_reg(1)), 7u);
    wr(priority_reg(1), 5);
    EXPECT_EQ(rd(priority_reg(1)), 5u);
    wr(priority_reg(1), 0x18);  // only bits 2:0 are kept
    EXPECT_EQ(rd(priority_reg(1)), 0u);
    wr(priority_reg(95), 3);
    EXPECT_EQ(rd(priority_reg(95)), 3u);
    EXPECT_EQ(rd(priority_reg(2)), 0u);  // neighbours untouched
    EXPECT_EQ(rd(priority_reg(94)), 0u);
}

TEST_F(PlicTest, SourceZeroAndNonexistentSourcesAreHardwiredToZero) {
    wr(priority_reg(0), 7);
    EXPECT_EQ(rd(priority_reg(0)), 0u);
    wr(priority_reg(96), 7);  // first ID past the 96 sources
    EXPECT_EQ(rd(priority_reg(96)), 0u);
    wr(priority_reg(1023), 7);
    EXPECT_EQ(rd(priority_reg(1023)), 0u);

    wr(enable_reg(0, 0), 0xffff'ffff);
    EXPECT_EQ(rd(enable_reg(0, 0)), 0xffff'fffeu);  // ID 0's enable bit is hard-wired to 0
    wr(enable_reg(0, 2), 0xffff'ffff);
    EXPECT_EQ(rd(enable_reg(0, 2)), 0xffff'ffffu);  // IDs 64..95 all exist
    wr(enable_reg(0, 3), 0xffff'ffff);
    EXPECT_EQ(rd(enable_reg(0, 3)), 0u);  // IDs 96..127 do not

    // Levels on ID 0 and past the last source are ignored.
    plic.set_irq_level(0, true);
    plic.set_irq_level(96, true);
    plic.set_irq_level(5000, true);
    for (unsigned w = 0; w < 32; ++w) EXPECT_EQ(rd(pending_reg(w)), 0u);
    EXPECT_EQ(claim(0), 0u);
    complete(0, 0);  // completing ID 0 or a nonexistent ID is harmless
    complete(0, 96);
    complete(0, 0xffff'ffff);
    EXPECT_TRUE(out.take().empty());
}

TEST_F(PlicTest, SourceCountIsAConstructorParameter) {
    Plic small(1, nullptr, 40);  // IDs 0..39
    EXPECT_EQ(small.num_sources(), 40u);
    EXPECT_EQ(small.num_contexts(), 2u);
    u64 v = 0;
    ASSERT_TRUE(small.write(enable_reg(0, 1), 4, 0xffff'ffff));
    ASSERT_TRUE(small.read(enable_reg(0, 1), 4, v));
    EXPECT_EQ(v, 0xffu);  // IDs 32..39
    ASSERT_TRUE(small.write(priority_reg(39), 4, 1));
    ASSERT_TRUE(small.read(priority_reg(39), 4, v));
    EXPECT_EQ(v, 1u);
    ASSERT_TRUE(small.write(priority_reg(40), 4, 1));
    ASSERT_TRUE(small.read(priority_reg(40), 4, v));
    EXPECT_EQ(v, 0u);
    small.set_irq_level(39, true);
    ASSERT_TRUE(small.read(pending_reg(1), 4, v));
    EXPECT_EQ(v, 0x80u);
    ASSERT_TRUE(small.read(claim_reg(0), 4, v));
    EXPECT_EQ(v, 39u);

    // Out-of-range configurations are clamped.
    Plic none(0, nullptr, 0);
    EXPECT_EQ(none.num_harts(), 1u);
    EXPECT_EQ(none.num_sources(), 2u);
    Plic huge(100'000, nullptr, 100'000);
    EXPECT_EQ(huge.num_contexts(), Plic::kMaxContexts);
    EXPECT_EQ(huge.num_sources(), Plic::kMaxSources);
}

TEST_F(PlicTest, PendingFollowsTheLevelAndIsReadOnly) {
    plic.set_irq_level(5, true);
    plic.set_irq_level(33, true);
    plic.set_irq_level(95, true);
    EXPECT_EQ(rd(pending_reg(0)), 1u << 5);
    EXPECT_EQ(rd(pending_reg(1)), 1u << 1);
    EXPECT_EQ(rd(pending_reg(2)), 1u << 31);
    wr(pending_reg(0), 0);  // read-only
    wr(pending_reg(1), 0xffff'ffff);
    EXPECT_EQ(rd(pending_reg(0)), 1u << 5);
    EXPECT_EQ(rd(pending_reg(1)), 1u << 1);
    // Pending does not depend on priority or enables; only the output and claims do.
    EXPECT_TRUE(out.take().empty());
}

TEST_F(PlicTest, LevelDropBeforeClaimClearsPending) {
    wr(priority_reg(10), 1);
    enable(1, 10);
    plic.set_irq_level(10, true);
    EXPECT_EQ(rd(pending_reg(0)), 1u << 10);
    EXPECT_EQ(out.take(), (std::vector<Call>{{1, true}}));
    plic.set_irq_level(10, false);
    EXPECT_EQ(rd(pending_reg(0)), 0u);
    EXPECT_EQ(out.take(), (std::vector<Call>{{1, false}}));
    EXPECT_EQ(claim(1), 0u);
}

TEST_F(PlicTest, EnablesArePerContext) {
    wr(priority_reg(7), 1);
    plic.set_irq_level(7, true);
    EXPECT_TRUE(out.take().empty());  // enabled nowhere
    enable(3, 7);                     // hart 1, S-mode
    EXPECT_EQ(rd(enable_reg(3, 0)), 1u << 7);
    EXPECT_EQ(rd(enable_reg(2, 0)), 0u);
    EXPECT_EQ(out.take(), (std::vector<Call>{{3, true}}));
    EXPECT_TRUE(plic.context_irq(3));
    EXPECT_FALSE(plic.context_irq(0));
    EXPECT_EQ(claim(0), 0u);  // not enabled for context 0
    EXPECT_EQ(claim(2), 0u);
    disable(3, 7);
    EXPECT_EQ(out.take(), (std::vector<Call>{{3, false}}));
    enable(3, 7);
    EXPECT_EQ(out.take(), (std::vector<Call>{{3, true}}));
    EXPECT_EQ(claim(3), 7u);
    EXPECT_EQ(out.take(), (std::vector<Call>{{3, false}}));
}

TEST_F(PlicTest, OutputNeedsPriorityAboveThreshold) {
    enable(0, 4);
    plic.set_irq_level(4, true);
    EXPECT_TRUE(out.take().empty());  // priority 0: "never interrupt"
    wr(priority_reg(4), 3);
    EXPECT_EQ(out.take(), (std::vector<Call>{{0, true}}));
    wr(threshold_reg(0), 3);  // masks priority <= 3
    EXPECT_EQ(out.take(), (std::vector<Call>{{0, false}}));
    wr(threshold_reg(0), 2);
    EXPECT_EQ(out.take(), (std::vector<Call>{{0, true}}));
    wr(priority_reg(4), 2);
    EXPECT_EQ(out.take(), (std::vector<Call>{{0, false}}));
    wr(priority_reg(4), 7);
    EXPECT_EQ(out.take(), (std::vector<Call>{{0, true}}));
    wr(threshold_reg(0), 0xffff'ffff);  // WARL: 7, masks everything
    EXPECT_EQ(rd(threshold_reg(0)), 7u);
    EXPECT_EQ(out.take(), (std::vector<Call>{{0, false}}));
    wr(threshold_reg(0), 0);
    EXPECT_EQ(out.take(), (std::vector<Call>{{0, true}}));
    EXPECT_EQ(rd(threshold_reg(1)), 0u);  // thresholds are per context
}

TEST_F(PlicTest, OutputsToggleExactlyOnce) {
    wr(priority_reg(1), 1);
    wr(priority_reg(2), 1);
    enable(0, 1);
    enable(0, 2);
    // Repeating a level, or adding a second pending source, does not call again.
    plic.set_irq_level(1, true);
    plic.set_irq_level(1, true);
    plic.set_irq_level(2, true);
    plic.set_irq_level(2, true);
    EXPECT_EQ(out.take(), (std::vector<Call>{{0, true}}));
    plic.set_irq_level(1, false);
    EXPECT_TRUE(out.take().empty());  // source 2 still asks
    plic.set_irq_level(2, false);
    plic.set_irq_level(2, false);
    EXPECT_EQ(out.take(), (std::vector<Call>{{0, false}}));
    // Unrelated register writes do not re-drive an unchanged output.
    wr(priority_reg(3), 5);
    wr(threshold_reg(1), 1);
    EXPECT_TRUE(out.take().empty());
}

TEST_F(PlicTest, ClaimReturnsHighestPriorityThenLowestId) {
    for (unsigned id : {3u, 9u, 40u, 70u}) {
        enable(1, id);
        plic.set_irq_level(id, true);
    }
    wr(priority_reg(3), 2);
    wr(priority_reg(9), 6);
    wr(priority_reg(40), 6);
    wr(priority_reg(70), 1);
    EXPECT_EQ(claim(1), 9u);  // 9 and 40 tie at 6: the lower ID wins
    EXPECT_EQ(claim(1), 40u);
    EXPECT_EQ(claim(1), 3u);
    EXPECT_EQ(claim(1), 70u);
    EXPECT_EQ(claim(1), 0u);
    EXPECT_EQ(rd(pending_reg(0)), 0u);  // claims clear the pending bits
    EXPECT_EQ(rd(pending_reg(1)), 0u);
    EXPECT_EQ(rd(pending_reg(2)), 0u);
    EXPECT_EQ(out.take(), (std::vector<Call>{{1, true}, {1, false}}));
}

TEST_F(PlicTest, ClaimWithNothingPendingReturnsZero) {
    enable(0, 1);
    wr(priority_reg(1), 1);
    EXPECT_EQ(claim(0), 0u);
    EXPECT_EQ(claim(0), 0u);
    EXPECT_TRUE(out.take().empty());
}

TEST_F(PlicTest, ClaimIsNotAffectedByTheThreshold) {
    // Spec, "Interrupt Claim Process": a hart may mask notifications with the threshold and
    // poll with claims.
    wr(threshold_reg(0), 7);
    wr(priority_reg(6), 1);
    enable(0, 6);
    plic.set_irq_level(6, true);
    EXPECT_TRUE(out.take().empty());
    EXPECT_EQ(claim(0), 6u);
    // Priority 0 is "never interrupt": not even a claim returns it.
    wr(priority_reg(8), 0);
    enable(0, 8);
    plic.set_irq_level(8, true);
    EXPECT_EQ(claim(0), 0u);
    EXPECT_EQ(rd(pending_reg(0)), 1u << 8);
}

TEST_F(PlicTest, ClaimedSourceWaitsForCompletion) {
    wr(priority_reg(10), 1);
    enable(0, 10);
    plic.set_irq_level(10, true);
    EXPECT_EQ(claim(0), 10u);
    EXPECT_EQ(out.take(), (std::vector<Call>{{0, true}, {0, false}}));
    // In flight: the gateway forwards nothing, whatever the level does.
    plic.set_irq_level(10, false);
    plic.set_irq_level(10, true);
    EXPECT_EQ(rd(pending_reg(0)), 0u);
    EXPECT_EQ(claim(0), 0u);
    EXPECT_TRUE(out.take().empty());
    // Completion with the level still high: pending again at once.
    complete(0, 10);
    EXPECT_EQ(rd(pending_reg(0)), 1u << 10);
    EXPECT_EQ(out.take(), (std::vector<Call>{{0, true}}));
    EXPECT_EQ(claim(0), 10u);
    EXPECT_EQ(out.take(), (std::vector<Call>{{0, false}}));
    // Completion with the level low: nothing pending; the next assertion is forwarded.
    plic.set_irq_level(10, false);
    complete(0, 10);
    EXPECT_EQ(rd(pending_reg(0)), 0u);
    EXPECT_TRUE(out.take().empty());
    plic.set_irq_level(10, true);
    EXPECT_EQ(out.take(), (std::vector<Call>{{0, true}}));
    // Completing a source that is not in flight changes nothing.
    complete(0, 10);
    EXPECT_EQ(rd(pending_reg(0)), 1u << 10);
    EXPECT_TRUE(out.take().empty());
}

TEST_F(PlicTest, CompletionForASourceNotEnabledInTheContextIsIgnored) {
    wr(priority_reg(12), 1);
    enable(1, 12);
    plic.set_irq_level(12, true);
    EXPECT_EQ(claim(1), 12u);
    // Context 0 does not enable 12: its completion is silently ignored.
    complete(0, 12);
    EXPECT_EQ(rd(pending_reg(0)), 0u);
    // Masked in the claiming context too (Linux's "EOI failed when masked" case).
    disable(1, 12);
    complete(1, 12);
    EXPECT_EQ(rd(pending_reg(0)), 0u);
    // Any context with the source enabled may complete it, not only the claimer.
    enable(2, 12);
    out.take();
    complete(2, 12);
    EXPECT_EQ(rd(pending_reg(0)), 1u << 12);
    EXPECT_EQ(out.take(), (std::vector<Call>{{2, true}}));
}

TEST_F(PlicTest, NotificationsAreMulticastAndTheFirstClaimWins) {
    wr(priority_reg(20), 1);
    enable(0, 20);
    enable(3, 20);
    out.take();
    plic.set_irq_level(20, true);
    EXPECT_EQ(out.take(), (std::vector<Call>{{0, true}, {3, true}}));
    EXPECT_EQ(claim(3), 20u);
    EXPECT_EQ(out.take(), (std::vector<Call>{{0, false}, {3, false}}));
    EXPECT_EQ(claim(0), 0u);  // the other hart finds nothing
}

TEST_F(PlicTest, SetOutputsDrivesEveryContext) {
    Plic p(2, nullptr);
    u64 v = 0;
    ASSERT_TRUE(p.write(priority_reg(1), 4, 1));
    ASSERT_TRUE(p.write(enable_reg(2, 0), 4, 1u << 1));
    p.set_irq_level(1, true);  // no outputs yet: recorded, not driven
    EXPECT_TRUE(p.context_irq(2));
    FakeOutputs o;
    p.set_outputs(&o);
    EXPECT_EQ(o.take(), (std::vector<Call>{{0, false}, {1, false}, {2, true}, {3, false}}));
    ASSERT_TRUE(p.read(claim_reg(2), 4, v));
    EXPECT_EQ(v, 1u);
    EXPECT_EQ(o.take(), (std::vector<Call>{{2, false}}));
    p.set_outputs(nullptr);
    ASSERT_TRUE(p.write(claim_reg(2), 4, 1));  // no outputs: nothing to call
    EXPECT_TRUE(o.take().empty());
}

TEST_F(PlicTest, ResetClearsConfigurationButKeepsInputLevels) {
    wr(priority_reg(1), 4);
    wr(priority_reg(2), 4);
    enable(0, 1);
    enable(0, 2);
    wr(threshold_reg(0), 1);
    plic.set_irq_level(1, true);
    plic.set_irq_level(2, true);
    EXPECT_EQ(claim(0), 1u);  // 1 in flight, 2 pending
    out.take();

    plic.reset();
    EXPECT_EQ(out.take(), (std::vector<Call>{{0, false}}));
    EXPECT_EQ(rd(priority_reg(1)), 0u);
    EXPECT_EQ(rd(enable_reg(0, 0)), 0u);
    EXPECT_EQ(rd(threshold_reg(0)), 0u);
    // Both wires are still high and nothing is in flight: both pending.
    EXPECT_EQ(rd(pending_reg(0)), (1u << 1) | (1u << 2));
    wr(priority_reg(1), 1);
    enable(0, 1);
    EXPECT_EQ(out.take(), (std::vector<Call>{{0, true}}));
    EXPECT_EQ(claim(0), 1u);
}

TEST_F(PlicTest, ReservedOffsetsReadZeroAndIgnoreWrites) {
    for (u64 off : {u64{0x1080}, u64{0x1ffc}, u64{0x1f'2000}, u64{0x1f'fffc},
                    Plic::kContextBase + 8, Plic::kContextBase + 0xffc}) {
        wr(off, 0xffff'ffff);
        EXPECT_EQ(rd(off), 0u) << off;
    }
    // Nonexistent contexts (4 and up with two harts), up to the last one of the window.
    for (unsigned ctx : {4u, 100u, Plic::kMaxContexts - 1}) {
        wr(enable_reg(ctx, 0), 0xffff'ffff);
        EXPECT_EQ(rd(enable_reg(ctx, 0)), 0u);
        wr(threshold_reg(ctx), 5);
        EXPECT_EQ(rd(threshold_reg(ctx)), 0u);
        EXPECT_EQ(claim(ctx), 0u);
        complete(ctx, 1);
    }
    EXPECT_EQ(rd(Plic::kSize - 4), 0u);
    EXPECT_TRUE(out.take().empty());
}

TEST_F(PlicTest, SixtyFourHartsUseTheFullContextLayout) {
    FakeOutputs o;
    Plic p(64, &o);
    const unsigned ctx = Plic::s_context(63);
    ASSERT_EQ(ctx, 127u);
    ASSERT_TRUE(p.write(priority_reg(95), 4, 2));
    ASSERT_TRUE(p.write(enable_reg(ctx, 2), 4, 1u << 31));
    ASSERT_TRUE(p.write(threshold_reg(ctx), 4, 1));
    p.set_irq_level(95, true);
    EXPECT_EQ(o.take(), (std::vector<Call>{{127, true}}));
    u64 v = 0;
    ASSERT_TRUE(p.read(claim_reg(ctx), 4, v));
    EXPECT_EQ(v, 95u);
    ASSERT_TRUE(p.write(claim_reg(ctx), 4, 95));
    EXPECT_EQ(o.take(), (std::vector<Call>{{127, false}, {127, true}}));
}

TEST_F(PlicTest, OnlyWordAccessesThroughTheBus) {
    mem::GuestRam ram(0x8000'0000, 0x1000);
    mem::Bus bus(ram);
    const auto& r = mem::region(mem::Region::Plic);
    ASSERT_EQ(r.base, 0x0c00'0000u);
    ASSERT_EQ(r.size, Plic::kSize);
    bus.map(r.base, r.size, plic);

    EXPECT_TRUE(bus.write(r.base + priority_reg(1), 4, 0xffff'ffff));
    u64 v = 0;
    EXPECT_TRUE(bus.read(r.base + priority_reg(1), 4, v));
    EXPECT_EQ(v, 7u);
    for (unsigned size : {1u, 2u, 8u}) {
        EXPECT_FALSE(bus.read(r.base + priority_reg(2), size, v)) << size;
        EXPECT_FALSE(bus.write(r.base + priority_reg(2), size, 1)) << size;
    }
    EXPECT_FALSE(bus.read(r.base + priority_reg(1) + 2, 4, v));  // misaligned
    EXPECT_EQ(rd(priority_reg(2)), 0u);

    // The last context's claim register is inside the window.
    EXPECT_TRUE(bus.read(r.base + 0x3ff'f004, 4, v));
    EXPECT_EQ(v, 0u);

    enable(1, 10);
    plic.set_irq_level(10, true);
    EXPECT_TRUE(bus.read(r.base + claim_reg(1), 4, v));
    EXPECT_EQ(v, 0u);  // priority 0
    wr(priority_reg(10), 1);
    EXPECT_TRUE(bus.read(r.base + claim_reg(1), 4, v));
    EXPECT_EQ(v, 10u);
    EXPECT_TRUE(bus.write(r.base + claim_reg(1), 4, 10));
    EXPECT_EQ(rd(pending_reg(0)), 1u << 10);
}

// Device threads toggle their lines (as devices do, under a lock of their own) while hart
// threads claim and complete. Afterwards the state must be consistent: every line low, nothing
// pending or in flight, every output low, and each context's calls strictly alternating.
TEST(PlicConcurrency, DevicesAndHartsSmoke) {
    constexpr unsigned kSources = 8;
    constexpr unsigned kIterations = 3000;
    constexpr unsigned kMinClaims = 200;
    FakeOutputs out;
    Plic plic(kHarts, &out);
    for (unsigned id = 1; id <= kSources; ++id) {
        ASSERT_TRUE(plic.write(priority_reg(id), 4, 1 + id % 7));
    }
    for (unsigned ctx = 0; ctx < 2 * kHarts; ++ctx) {
        ASSERT_TRUE(plic.write(enable_reg(ctx, 0), 4, 0x1fe));  // sources 1..8 everywhere
    }

    std::atomic<bool> devices_done{false};
    std::atomic<unsigned> claims{0};
    std::vector<std::thread> threads;
    // Devices keep toggling until the harts have claimed a fair number of times, so the test
    // exercises interleaving even when the scheduler starts the harts late (bounded, so a
    // regression that stops claims fails instead of hanging).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (unsigned id = 1; id <= kSources; ++id) {
        threads.emplace_back([&, id] {
            std::mutex device_lock;  // the device's own lock, held while driving the line
            for (unsigned i = 0; i < kIterations || (claims.load() < kMinClaims &&
                                                     std::chrono::steady_clock::now() < deadline);
                 ++i) {
                std::lock_guard lock(device_lock);
                plic.set_irq_level(id, i % 2 == 0);
            }
            std::lock_guard lock(device_lock);
            plic.set_irq_level(id, false);
        });
    }
    for (unsigned ctx = 0; ctx < 2 * kHarts; ++ctx) {
        threads.emplace_back([&, ctx] {
            u64 id = 0;
            while (!devices_done.load()) {
                if (plic.read(claim_reg(ctx), 4, id) && id != 0) {
                    claims.fetch_add(1);
                    plic.write(claim_reg(ctx), 4, id);
                }
            }
        });
    }
    for (unsigned i = 0; i < kSources; ++i) threads[i].join();
    devices_done = true;
    for (unsigned i = kSources; i < threads.size(); ++i) threads[i].join();

    u64 v = 0;
    ASSERT_TRUE(plic.read(pending_reg(0), 4, v));
    EXPECT_EQ(v, 0u);
    std::map<unsigned, bool> last;
    for (const auto& [ctx, level] : out.take()) {
        auto it = last.find(ctx);
        const bool previous = it != last.end() && it->second;
        EXPECT_NE(level, previous) << "context " << ctx << " driven twice with " << level;
        last[ctx] = level;
    }
    for (unsigned ctx = 0; ctx < 2 * kHarts; ++ctx) {
        EXPECT_FALSE(plic.context_irq(ctx));
        EXPECT_FALSE(last[ctx]);
    }
    // Every source was completed: a new assertion is forwarded and claimable.
    plic.set_irq_level(1, true);
    ASSERT_TRUE(plic.read(claim_reg(0), 4, v));
    EXPECT_EQ(v, 1u);
    EXPECT_GE(claims.load(), kMinClaims);
}

}  // namespace
}  // namespace rvisor::devices
