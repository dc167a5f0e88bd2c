// Hart::save / Hart::load: a hart loaded from a save of another is architecturally identical
// and continues exactly as the original would.
#include <gtest/gtest.h>

#include "cpu/hart.hpp"
#include "encode.hpp"

namespace rvisor::cpu {
namespace {

using namespace test;
constexpr u64 kBase = 0x8000'0000;

void expect_same(const Hart& a, Hart& b, Hart& a_mut) {
    EXPECT_EQ(a.pc(), b.pc());
    EXPECT_EQ(a.priv(), b.priv());
    EXPECT_EQ(a.instret(), b.instret());
    for (unsigned i = 0; i < 32; ++i) {
        EXPECT_EQ(a.x(i), b.x(i)) << "x" << i;
        EXPECT_EQ(a.f(i), b.f(i)) << "f" << i;
    }
    const CsrState& ca = a.csrs();
    const CsrState& cb = b.csrs();
    EXPECT_EQ(ca.mstatus, cb.mstatus);
    EXPECT_EQ(ca.mtvec, cb.mtvec);
    EXPECT_EQ(ca.mepc, cb.mepc);
    EXPECT_EQ(ca.mscratch, cb.mscratch);
    EXPECT_EQ(ca.medeleg, cb.medeleg);
    EXPECT_EQ(ca.mideleg, cb.mideleg);
    EXPECT_EQ(ca.mie, cb.mie);
    EXPECT_EQ(ca.mip, cb.mip);
    EXPECT_EQ(ca.menvcfg, cb.menvcfg);
    EXPECT_EQ(ca.stvec, cb.stvec);
    EXPECT_EQ(ca.sscratch, cb.sscratch);
    EXPECT_EQ(ca.satp, cb.satp);
    EXPECT_EQ(ca.stimecmp, cb.stimecmp);
    EXPECT_EQ(ca.minstret_offset, cb.minstret_offset);
    EXPECT_EQ(ca.mcycle_offset, cb.mcycle_offset);
    EXPECT_EQ(ca.fcsr, cb.fcsr);
    for (u16 n :
         {u16(csr::kPmpcfg0), u16(csr::kPmpcfg0 + 2), u16(csr::kPmpaddr0), u16(csr::kPmpaddr0 + 1),
          u16(csr::kPmpaddr0 + 15), u16(csr::kMinstret), u16(csr::kMcycle)}) {
        u64 va = 0, vb = 0;
        EXPECT_TRUE(a_mut.csr_read(n, va));
        EXPECT_TRUE(b.csr_read(n, vb));
        EXPECT_EQ(va, vb) << "csr " << n;
    }
}

class HartStateTest : public ::testing::Test {
  protected:
    HartStateTest() : ram(kBase, 64 * 1024), bus(ram) {
        // x5 += 1; x6 += x5; loop.
        const u32 prog[] = {addi(5, 5, 1), add(6, 6, 5), jal(0, -8)};
        std::memcpy(ram.host(kBase), prog, sizeof prog);
    }
    mem::GuestRam ram;
    mem::Bus bus;
};

TEST_F(HartStateTest, LoadedHartIsIdenticalAndContinuesExactly) {
    Hart a(bus, 0);
    a.reset(kBase);
    ASSERT_TRUE(a.csr_write(csr::kMstatus, mstatus::kFs | mstatus::kMpie | mstatus::kSum));
    ASSERT_TRUE(a.csr_write(csr::kMtvec, kBase + 0x100));
    ASSERT_TRUE(a.csr_write(csr::kMscratch, 0x1234));
    ASSERT_TRUE(a.csr_write(csr::kMedeleg, 0xb1ff));
    ASSERT_TRUE(a.csr_write(csr::kMideleg, 0x222));
    ASSERT_TRUE(a.csr_write(csr::kMie, 0xaaa));
    ASSERT_TRUE(a.csr_write(csr::kMenvcfg, envcfg::kStce));
    ASSERT_TRUE(a.csr_write(csr::kStimecmp, 0x5555'0000));
    ASSERT_TRUE(a.csr_write(csr::kSatp, 9ULL << 60 | 0x81234));
    ASSERT_TRUE(a.csr_write(csr::kFcsr, 0xa5));
    ASSERT_TRUE(a.csr_write(csr::kPmpaddr0 + 1, 0x2000'0000));
    ASSERT_TRUE(a.csr_write(csr::kPmpcfg0, 0x0f00));  // entry 1: TOR, RWX
    ASSERT_TRUE(a.csr_write(csr::kMinstret, 1'000'000));
    for (unsigned i = 0; i < 32; ++i) a.set_f(i, 0x4000'0000'0000'0000ULL + i);
    a.set_x(7, 0xdead'beef);
    a.run(1001);

    mem::StateWriter w;
    a.save(w);
    Hart b(bus, 0);
    mem::StateReader r(w.bytes());
    b.load(r);
    EXPECT_EQ(r.remaining(), 0u);
    expect_same(a, b, a);
    EXPECT_EQ(b.x(7), 0xdead'beefu);
    EXPECT_NE(b.x(5), 0u);

    // Same program, same budget: same result.
    a.run(5000);
    b.run(5000);
    expect_same(a, b, a);
}

TEST_F(HartStateTest, LoadRejectsAnotherHartsStateAndTruncation) {
    Hart a(bus, 0);
    a.reset(kBase);
    mem::StateWriter w;
    a.save(w);
    Hart other(bus, 1);
    mem::StateReader r(w.bytes());
    EXPECT_THROW(other.load(r), std::runtime_error);

    std::vector<u8> cut(w.bytes().begin(), w.bytes().end() - 5);
    Hart b(bus, 0);
    mem::StateReader r2(cut, "snap");
    try {
        b.load(r2);
        FAIL() << "loaded a truncated state";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("snap: truncated"), std::string::npos) << e.what();
    }
}

TEST_F(HartStateTest, LoadRejectsAnInvalidPrivilegeMode) {
    Hart a(bus, 0);
    a.reset(kBase);
    mem::StateWriter w;
    a.save(w);
    std::vector<u8> bytes = w.take();
    // Tag "hart" (4 + 4 bytes), version (4), hart id (8), pc (8), then the privilege byte.
    bytes[4 + 4 + 4 + 8 + 8] = 2;
    Hart b(bus, 0);
    mem::StateReader r(bytes);
    EXPECT_THROW(b.load(r), std::runtime_error);
}

}  // namespace
}  // namespace rvisor::cpu
