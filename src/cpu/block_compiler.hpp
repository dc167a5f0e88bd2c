// The hook through which a compiler (src/jit) turns hot decoded blocks into host code. The
// cpu library only knows this interface; it never depends on a particular compiler.
//
// Host-code ABI (what the interpreter loop relies on):
//  - The hart calls `enter(x, hart, host_code)`: x is the hart's integer register array
//    (x[0] = 0, x[32] = the write sink for rd = x0), host_code a Block's entry point.
//  - Host code runs a prefix of the block (`Block::host_insns` instructions; possibly chained
//    into further blocks of the same page) and returns a HostExit. Before returning it has
//    stored the hart's pc and added every retired instruction to instret.
//  - Kind::Trap: an instruction raised an exception (pending_ is set); pc is its address.
//  - Kind::Resume: the prefix ended before an instruction the compiler does not handle; the
//    interpreter continues the block at index `Block::host_insns` with the hart's pc.
//  - Chained blocks test the hart's events word and instret against `jit_next_check` exactly
//    where the interpreter would test them: at each block boundary.
#pragma once

#include "base/types.hpp"

namespace rvisor::cpu {

class Hart;
struct Block;

enum class HostExit : u32 {
    Done = 0,    // block (chain) finished; pc and instret are up to date
    Trap = 1,    // take the pending trap at pc
    Resume = 2,  // interpret the rest of the block from Block::host_insns
};

class BlockCompiler {
  public:
    virtual ~BlockCompiler() = default;

    // Called once per hot block, between blocks. Sets b.host_code (and b.host_insns) or
    // leaves host_code null when nothing in the block can be compiled. false: the code
    // buffer is full; the hart then retires every block and calls reset().
    virtual bool compile(Block& b, u64 vpc) = 0;
    // Forgets all host code (every block holding some has been retired).
    virtual void reset() = 0;
    // Runs compiled code (see the ABI above).
    virtual HostExit enter(u64* x, Hart& hart, const void* host_code) = 0;
    // The hart left the block chain through a linkable exit (`site`) to `next`, which has host
    // code: patch the exit to jump there directly. Only exits to the same guest page link.
    virtual void link(void* site, Block& next) = 0;
    // `b` is being retired (its code changed, or a flush): every jump patched into its host
    // code must be reverted before anything can run again.
    virtual void unlink(Block& b) = 0;
};

}  // namespace rvisor::cpu
