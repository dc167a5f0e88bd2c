#include "cpu/block_cache.hpp"

#include <gtest/gtest.h>

namespace rvisor::cpu {
namespace {

std::unique_ptr<Block> make_block(u64 ppc) {
    auto b = std::make_unique<Block>();
    b->ppc = ppc;
    return b;
}

TEST(BlockCache, FindsBlocksPhysicallyAndThroughTheJumpCache) {
    BlockCache cache;
    Block* b = cache.insert(make_block(0x8000'1000));
    EXPECT_EQ(cache.lookup_physical(0x8000'1000), b);
    EXPECT_EQ(cache.jump_entry(0x1000).block, nullptr);
    cache.remember_virtual(0x1000, b);
    EXPECT_EQ(cache.jump_entry(0x1000).block, b);
    EXPECT_EQ(cache.jump_entry(0x1000).vpc, 0x1000u);
}

TEST(BlockCache, ABlockOccupiesOneJumpSlotAtATime) {
    BlockCache cache;
    Block* b = cache.insert(make_block(0x8000'1000));
    cache.remember_virtual(0x1000, b);
    cache.remember_virtual(0x7000'0010, b);  // another alias of the same code
    EXPECT_EQ(cache.jump_entry(0x1000).block, nullptr);
    EXPECT_EQ(cache.jump_entry(0x7000'0010).block, b);
}

TEST(BlockCache, InvalidatingAPageRetiresOnlyItsBlocksAndTheirJumpSlots) {
    BlockCache cache;
    Block* a = cache.insert(make_block(0x8000'1000));
    Block* a2 = cache.insert(make_block(0x8000'1040));
    Block* other = cache.insert(make_block(0x8000'2000));
    cache.remember_virtual(0x1000, a);
    cache.remember_virtual(0x2000, other);
    cache.invalidate_page(0x8000'1000);
    EXPECT_FALSE(a->valid) << "retired but still readable until release_retired()";
    EXPECT_FALSE(a2->valid);
    EXPECT_TRUE(other->valid);
    EXPECT_EQ(cache.lookup_physical(0x8000'1000), nullptr);
    EXPECT_EQ(cache.jump_entry(0x1000).block, nullptr);
    EXPECT_EQ(cache.jump_entry(0x2000).block, other);
    EXPECT_EQ(cache.lookup_physical(0x8000'2000), other);
    EXPECT_EQ(cache.size(), 1u);
    cache.release_retired();
}

}  // namespace
}  // namespace rvisor::cpu
