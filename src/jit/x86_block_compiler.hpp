// The x86-64 JIT: compiles a hot decoded block (cpu::Block) into host code with xbyak.
//
// What it compiles: RV64I and M integer ops, LUI/AUIPC, loads and stores (soft-TLB lookup
// inline, a C++ slow path on a miss that may raise the architected trap), FENCE, and the
// block-ending JAL, JALR and branches. Compressed instructions arrive decoded to the same
// ops. Anything else (CSR, AMO, LR/SC, FP, FENCE.I, SFENCE.VMA, WFI, ECALL, EBREAK, xRET,
// illegal) ends the compiled prefix: the host code returns HostExit::Resume and the
// interpreter runs the rest of the block, so every instruction with side effects on hart
// state beyond x registers, pc, instret and memory stays in one place (the interpreter).
//
// Host state: rbx = the hart's x array (every guest register has its slot there; other hart
// fields are reached at fixed offsets from it, Hart::jit_layout()), rbp = the hart's instret
// (stored back by the shared exit code), r12 = the current data SoftTlb, r13 = the guest
// virtual pc of the running block's first instruction, [rsp + 8] = the Hart (helper calls).
// These are set by a shared entry stub and valid across chained blocks. Within a block the
// guest registers it uses most live in r14, r15, r8-r11 (stored back at every exit). Exits with a
// static target in the same guest page can be linked: the exit's final `jmp rel32` is patched to
// the target block's code after checking events and the instret limit exactly as the interpreter's
// loop would; unlink() patches it back.
#pragma once

#include "cpu/block_compiler.hpp"
#include "cpu/hart.hpp"
#include "jit/code_buffer.hpp"

namespace rvisor::jit {

struct CompilerOptions {
    // Size of the code buffer; when full, every block is dropped and compiling starts over.
    std::size_t buffer_bytes = 32u << 20;
    // Lock-step check mode: every store goes through Hart::jit_store_slow (which logs it).
    bool check = false;
};

class X86BlockCompiler final : public cpu::BlockCompiler {
  public:
    X86BlockCompiler(cpu::Hart& hart, CompilerOptions options = {});

    bool compile(cpu::Block& b, u64 vpc) override;
    void reset() override;
    cpu::HostExit enter(u64* x, cpu::Hart& hart, const void* host_code) override;
    void link(void* site, cpu::Block& next) override;
    void unlink(cpu::Block& b) override;

    // For tests and statistics.
    std::size_t code_bytes_used() const;
    u64 blocks_compiled() const { return blocks_compiled_; }

  private:
    void emit_entry_stub();

    CompilerOptions options_;
    cpu::Hart::JitLayout layout_;
    CodeBuffer buffer_;
    std::size_t stub_bytes_ = 0;
    using EntryFn = u32 (*)(u64* x, cpu::Hart* hart, const void* code);
    EntryFn entry_ = nullptr;
    const u8* exit_ = nullptr;    // epilogue: returns eax to the hart
    const u8* lookup_ = nullptr;  // jump-cache lookup for indirect and cross-page exits
    u64 blocks_compiled_ = 0;
};

}  // namespace rvisor::jit
