#include "cpu/block_cache.hpp"

#include <gtest/gtest.h>

namespace rvisor::cpu {
namespace {

std::unique_ptr<Block> make_block(u64 vpc, u64 ppc) {
    auto b = std::make_unique<Block>();
    b->vpc = vpc;
    b->ppc = ppc;
    return b;
}

TEST(BlockCache, FindsBlocksPhysicallyAndVirtuallyPerMode) {
    BlockCache cache;
    Block* b = cache.insert(make_block(0x1000, 0x8000'1000));
    EXPECT_EQ(cache.lookup_physical(0x8000'1000), b);
    EXPECT_EQ(cache.lookup_virtual(3, 0x1000), nullptr);
    cache.remember_virtual(3, b);
    EXPECT_EQ(cache.lookup_virtual(3, 0x1000), b);
    EXPECT_EQ(cache.lookup_virtual(1, 0x1000), nullptr) << "jump caches are per mode";
    cache.flush_virtual();
    EXPECT_EQ(cache.lookup_virtual(3, 0x1000), nullptr);
    EXPECT_EQ(cache.lookup_physical(0x8000'1000), b);
}

TEST(BlockCache, InvalidatingAPageRetiresOnlyItsBlocks) {
    BlockCache cache;
    Block* a = cache.insert(make_block(0x1000, 0x8000'1000));
    Block* a2 = cache.insert(make_block(0x1040, 0x8000'1040));
    Block* other = cache.insert(make_block(0x2000, 0x8000'2000));
    cache.remember_virtual(3, a);
    cache.invalidate_page(0x8000'1000);
    EXPECT_FALSE(a->valid) << "retired but still readable until release_retired()";
    EXPECT_FALSE(a2->valid);
    EXPECT_TRUE(other->valid);
    EXPECT_EQ(cache.lookup_physical(0x8000'1000), nullptr);
    EXPECT_EQ(cache.lookup_virtual(3, 0x1000), nullptr);
    EXPECT_EQ(cache.lookup_physical(0x8000'2000), other);
    EXPECT_EQ(cache.size(), 1u);
    cache.release_retired();
}

}  // namespace
}  // namespace rvisor::cpu
