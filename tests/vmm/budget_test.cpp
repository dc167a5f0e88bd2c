#include "vmm/budget.hpp"

#include <gtest/gtest.h>

#include "vmm/resource_limits.hpp"

namespace rvisor::vmm {
namespace {

TEST(Budget, DefaultsLeaveOneGibAndGiveFourVcpusPerCore) {
    const Budget b = default_budget(16384, 8);
    EXPECT_EQ(b.max_memory_mib, 15360u);
    EXPECT_EQ(b.max_vcpus, 32u);
    EXPECT_EQ(default_budget(512, 0).max_memory_mib, 256u);  // never below 256 MiB
    EXPECT_EQ(default_budget(512, 0).max_vcpus, 4u);
}

TEST(Budget, AStartFitsExactlyUpToTheLimit) {
    const Budget b{1024, 4};
    EXPECT_EQ(check_budget(b, {768, 3}, {256, 1}, "a"), std::nullopt);
    EXPECT_EQ(check_budget(b, {0, 0}, {1024, 4}, "a"), std::nullopt);
}

TEST(Budget, RefusalsNameEveryNumber) {
    const Budget b{1024, 4};
    const auto memory = check_budget(b, {768, 1}, {512, 1}, "big");
    ASSERT_TRUE(memory);
    EXPECT_EQ(*memory,
              "host budget exceeded: VM 'big' needs 512 MiB and 1 vCPUs, running VMs use 768 "
              "of 1024 MiB and 1 of 4 vCPUs");
    EXPECT_TRUE(check_budget(b, {128, 4}, {128, 1}, "c"));
    EXPECT_EQ(check_fits_at_all(b, {1024, 4}), std::nullopt);
    const auto never = check_fits_at_all(b, {2048, 1});
    ASSERT_TRUE(never);
    EXPECT_NE(never->find("2048 MiB"), std::string::npos);
}

TEST(ResourceLimits, MemoryLimitIsGuestRamPlusBoundedOverhead) {
    EXPECT_EQ(memory_limit_bytes(128), (128u + 64 + 16) << 20);
    EXPECT_EQ(memory_limit_bytes(1024), (1024u + 64 + 128) << 20);
}

TEST(ResourceLimits, CpuMaxIsPercentOfOneCorePerPeriod) {
    EXPECT_EQ(cpu_max_value(0), "max 100000");
    EXPECT_EQ(cpu_max_value(50), "50000 100000");
    EXPECT_EQ(cpu_max_value(250), "250000 100000");
}

TEST(ResourceLimits, NiceFollowsTheWeightRatio) {
    EXPECT_EQ(nice_for_weight(100), 0);
    EXPECT_EQ(nice_for_weight(80), 1);  // 100/80 = 1.25: one step
    EXPECT_EQ(nice_for_weight(125), -1);
    EXPECT_EQ(nice_for_weight(1), 19);  // clamped
    EXPECT_EQ(nice_for_weight(10000), -20);
}

}  // namespace
}  // namespace rvisor::vmm
