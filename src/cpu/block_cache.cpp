#include "cpu/block_cache.hpp"

namespace rvisor::cpu {

Block* BlockCache::insert(std::unique_ptr<Block> block) {
    Block* b = block.get();
    page_blocks_[b->ppc & ~0xfffULL].push_back(b->ppc);
    auto [it, inserted] = blocks_.insert_or_assign(b->ppc, std::move(block));
    (void)it;
    (void)inserted;
    return b;
}

void BlockCache::flush_virtual() {
    for (auto& table : jump_) table.fill(nullptr);
}

void BlockCache::invalidate_page(u64 ppage) {
    auto pit = page_blocks_.find(ppage);
    if (pit == page_blocks_.end()) return;
    for (u64 ppc : pit->second) {
        auto it = blocks_.find(ppc);
        if (it == blocks_.end()) continue;
        it->second->valid = false;
        retired_.push_back(std::move(it->second));
        blocks_.erase(it);
    }
    page_blocks_.erase(pit);
    // Jump-cache entries may point at the retired blocks; dropping them all is simpler than
    // finding them and code-page writes are rare.
    flush_virtual();
}

void BlockCache::invalidate_all() {
    for (auto& [ppc, block] : blocks_) {
        block->valid = false;
        retired_.push_back(std::move(block));
    }
    blocks_.clear();
    page_blocks_.clear();
    flush_virtual();
}

}  // namespace rvisor::cpu
