// Decode once, execute many: guest code is decoded into basic blocks that are cached by
// guest-physical address, plus a small direct-mapped jump cache keyed by virtual pc.
#pragma once

#include <array>
#include <memory>
#include <unordered_map>
#include <vector>

#include "base/types.hpp"
#include "cpu/block_compiler.hpp"
#include "isa/decoded_insn.hpp"

namespace rvisor::cpu {

// Executor-private opcodes that follow isa::Op in the dispatch table.
enum class ExecOp : u16 {
    EndOfBlock = isa::kOpCount,  // fall through to the next block at pc
    Count,
};

struct Block {
    static constexpr u32 kNoSlot = ~0u;

    u64 ppc = 0;              // guest-physical address of the first instruction
    u32 guest_bytes = 0;      // bytes of guest code covered, all within one page
    u32 jump_slot = kNoSlot;  // the jump-cache slot that may point here
    bool valid = true;
    // Compiled code (BlockCompiler): entry point, or null. exec_count counts interpreted
    // runs until the block is hot; host_insns is how many leading instructions the host code
    // covers; links_in are the patched jumps of other blocks' host code into this one.
    bool compile_tried = false;
    u16 host_insns = 0;
    u32 exec_count = 0;
    const void* host_code = nullptr;
    std::vector<void*> links_in;
    // Decoded instructions followed by one EndOfBlock sentinel. Integer destinations x0 are
    // rewritten to the sink register 32 so no instruction has to test for x0.
    std::vector<isa::DecodedInsn> insns;
};

class BlockCache {
  public:
    static constexpr unsigned kJumpCacheEntries = 16384;

    // The jump cache maps a virtual pc to the block last executed there. The caller must
    // still check that the pc's page translates to the block's physical page (the hart does
    // this against its fetch TLB), so the jump cache never needs flushing on a TLB flush.
    struct JumpEntry {
        u64 vpc = ~0ULL;
        Block* block = nullptr;
    };
    const JumpEntry& jump_entry(u64 vpc) const { return jump_[jump_index(vpc)]; }
    // The table itself, for compiled code's inline lookup (index: jump_index()).
    const JumpEntry* jump_table() const { return jump_.data(); }
    static unsigned jump_index(u64 vpc) { return (vpc >> 1) & (kJumpCacheEntries - 1); }
    void remember_virtual(u64 vpc, Block* b);

    Block* lookup_physical(u64 ppc) const {
        auto it = blocks_.find(ppc);
        return it == blocks_.end() ? nullptr : it->second.get();
    }
    // Takes ownership; the block is indexed by its ppc and its page.
    Block* insert(std::unique_ptr<Block> block);

    // Drops every block on guest-physical page `ppage` (its code was written to). Blocks are
    // retired, not freed, because the block executing right now may be one of them.
    void invalidate_page(u64 ppage);
    void invalidate_all();
    // Frees retired blocks; called between blocks, when none is executing.
    void release_retired() {
        if (!retired_.empty()) retired_.clear();
    }

    std::size_t size() const { return blocks_.size(); }

    // The compiler whose host code the blocks may carry: retiring a block unlinks it.
    void set_compiler(BlockCompiler* c) { compiler_ = c; }

  private:
    void retire(std::unique_ptr<Block> b);

    std::array<JumpEntry, kJumpCacheEntries> jump_{};
    std::unordered_map<u64, std::unique_ptr<Block>> blocks_;
    std::unordered_map<u64, std::vector<u64>> page_blocks_;  // ppage -> ppcs
    std::vector<std::unique_ptr<Block>> retired_;
    BlockCompiler* compiler_ = nullptr;
};

}  // namespace rvisor::cpu
