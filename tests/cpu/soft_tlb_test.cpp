#include "cpu/soft_tlb.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace rvisor::cpu {
namespace {

bool all_invalid(const SoftTlb& t) {
    for (const auto* set : {&t.read, &t.write, &t.exec})
        for (const TlbEntry& e : *set)
            if (e.tag != TlbEntry::kInvalidTag) return false;
    return true;
}

// flush() clears just the logged entries after a few fills and everything after many; either
// way no entry survives.
TEST(SoftTlb, FlushDropsEveryFilledEntryWhetherFewOrMany) {
    std::vector<u8> page(4096);
    for (unsigned fills : {1u, 3u, 95u, 96u, 97u, 700u}) {
        SoftTlb t;
        for (unsigned i = 0; i < fills; ++i) {
            const u64 va = 0x1000ULL * (i * 7 + 1);
            auto& set = i % 3 == 0 ? t.read : i % 3 == 1 ? t.write : t.exec;
            t.fill(set, va, page.data(), 0x8000'0000);
            ASSERT_EQ(set[SoftTlb::index(va)].tag, va);
        }
        t.flush();
        EXPECT_TRUE(all_invalid(t)) << fills << " fills";
        // The log starts over: a fill after the flush is dropped by the next one.
        t.fill(t.exec, 0x5000, page.data(), 0);
        t.flush();
        EXPECT_TRUE(all_invalid(t)) << fills << " fills, then one";
    }
}

}  // namespace
}  // namespace rvisor::cpu
