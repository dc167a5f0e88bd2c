#include "cpu/block_cache.hpp"

namespace rvisor::cpu {

void BlockCache::remember_virtual(u64 vpc, Block* b) {
    // Keep each block in at most one slot, so retiring it can clear that slot exactly.
    if (b->jump_slot != Block::kNoSlot && jump_[b->jump_slot].block == b) jump_[b->jump_slot] = {};
    const unsigned slot = jump_index(vpc);
    if (Block* old = jump_[slot].block; old && old != b) old->jump_slot = Block::kNoSlot;
    jump_[slot] = {vpc, b};
    b->jump_slot = slot;
}

Block* BlockCache::insert(std::unique_ptr<Block> block) {
    Block* b = block.get();
    page_blocks_[b->ppc & ~0xfffULL].push_back(b->ppc);
    blocks_[b->ppc] = std::move(block);
    return b;
}

void BlockCache::retire(std::unique_ptr<Block> b) {
    b->valid = false;
    // Jumps patched into this block's code must go before any host code runs again; the
    // block itself may still be finishing (in the interpreter or its own host code).
    if (b->host_code && compiler_) compiler_->unlink(*b);
    b->host_code = nullptr;
    if (b->jump_slot != Block::kNoSlot && jump_[b->jump_slot].block == b.get())
        jump_[b->jump_slot] = {};
    retired_.push_back(std::move(b));
}

void BlockCache::invalidate_page(u64 ppage) {
    auto pit = page_blocks_.find(ppage);
    if (pit == page_blocks_.end()) return;
    for (u64 ppc : pit->second) {
        auto it = blocks_.find(ppc);
        if (it == blocks_.end()) continue;
        retire(std::move(it->second));
        blocks_.erase(it);
    }
    page_blocks_.erase(pit);
}

void BlockCache::invalidate_all() {
    for (auto& [ppc, block] : blocks_) retire(std::move(block));
    blocks_.clear();
    page_blocks_.clear();
    jump_.fill({});
}

}  // namespace rvisor::cpu
