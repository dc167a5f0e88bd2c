// Attaches the configured execution engine to a hart: nothing for the interpreter, an x86-64
// block compiler (owned by the caller, which must keep it alive as long as the hart) for the
// JIT, with lock-step checking when asked.
#pragma once

#include <memory>

#include "cpu/hart.hpp"
#include "jit/x86_block_compiler.hpp"
#include "machine/vm_config.hpp"

namespace rvisor::machine {

inline std::unique_ptr<cpu::BlockCompiler> attach_engine(
    cpu::Hart& hart, Engine engine, bool check, u32 hot_threshold = cpu::Hart::kHotThreshold) {
    if (engine != Engine::Jit) return nullptr;
    auto compiler =
        std::make_unique<jit::X86BlockCompiler>(hart, jit::CompilerOptions{.check = check});
    hart.set_block_compiler(compiler.get(), hot_threshold);
    hart.set_lockstep_check(check);
    return compiler;
}

}  // namespace rvisor::machine
