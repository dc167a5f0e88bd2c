// Decode once, execute many: guest code is decoded into basic blocks that are cached by
// guest-physical address, plus a small direct-mapped jump cache keyed by virtual pc (one per
// privilege mode, since execute permission depends on it).
#pragma once

#include <array>
#include <memory>
#include <unordered_map>
#include <vector>

#include "base/types.hpp"
#include "isa/decoded_insn.hpp"

namespace rvisor::cpu {

// Executor-private opcodes that follow isa::Op in the dispatch table.
enum class ExecOp : u16 {
    EndOfBlock = isa::kOpCount,  // fall through to the next block at pc
    Count,
};

struct Block {
    u64 vpc = 0;          // virtual address of the first instruction
    u64 ppc = 0;          // its guest-physical address
    u32 guest_bytes = 0;  // bytes of guest code covered, all within one page
    bool valid = true;
    // Decoded instructions followed by one EndOfBlock sentinel. Integer destinations x0 are
    // rewritten to the sink register 32 so no instruction has to test for x0.
    std::vector<isa::DecodedInsn> insns;
};

class BlockCache {
  public:
    static constexpr unsigned kJumpCacheEntries = 4096;

    // Jump-cache lookup for a virtual pc under one privilege mode: nullptr on a miss.
    Block* lookup_virtual(unsigned mode, u64 vpc) const {
        Block* b = jump_[mode][jump_index(vpc)];
        return (b && b->vpc == vpc) ? b : nullptr;
    }
    void remember_virtual(unsigned mode, Block* b) { jump_[mode][jump_index(b->vpc)] = b; }

    Block* lookup_physical(u64 ppc) const {
        auto it = blocks_.find(ppc);
        return it == blocks_.end() ? nullptr : it->second.get();
    }
    // Takes ownership; the block is indexed by its ppc and its page.
    Block* insert(std::unique_ptr<Block> block);

    // Forgets virtual->block associations (satp write, SFENCE.VMA, PMP change): blocks stay
    // cached by physical address and are found again after re-translation.
    void flush_virtual();
    // Drops every block on guest-physical page `ppage` (its code was written to). Blocks are
    // retired, not freed, because the block executing right now may be one of them.
    void invalidate_page(u64 ppage);
    void invalidate_all();
    // Frees retired blocks; called between blocks, when none is executing.
    void release_retired() {
        if (!retired_.empty()) retired_.clear();
    }

    std::size_t size() const { return blocks_.size(); }

  private:
    static constexpr unsigned kModes = 4;  // indexed by PrivMode value
    static unsigned jump_index(u64 vpc) { return (vpc >> 1) & (kJumpCacheEntries - 1); }

    std::array<std::array<Block*, kJumpCacheEntries>, kModes> jump_{};
    std::unordered_map<u64, std::unique_ptr<Block>> blocks_;
    std::unordered_map<u64, std::vector<u64>> page_blocks_;  // ppage -> ppcs
    std::vector<std::unique_ptr<Block>> retired_;
};

}  // namespace rvisor::cpu
