// The code every compiled block shares, emitted once at the start of the code buffer: the
// entry from C++ (Hart::run_host through X86BlockCompiler::enter), the exit back to it, and
// the jump-cache lookup that indirect and cross-page exits go through. The register
// conventions are in x86_block_compiler.hpp.
#include <xbyak/xbyak.h>

#include "jit/x86_block_compiler.hpp"

namespace rvisor::jit {

using cpu::SoftTlb;
using cpu::TlbEntry;
using namespace Xbyak::util;

void X86BlockCompiler::emit_entry_stub() {
    Xbyak::CodeGenerator g(buffer_.remaining(), buffer_.cursor());
    // entry(x = rdi, hart = rsi, code = rdx)
    g.push(rbx);
    g.push(rbp);
    g.push(r12);
    g.push(r13);
    g.push(r14);
    g.push(r15);
    // 16-byte alignment for calls; [rsp] is the load helper's out slot, [rsp + 8] the Hart.
    g.sub(rsp, 24);
    g.mov(rbx, rdi);
    g.mov(qword[rsp + 8], rsi);
    g.mov(rbp, qword[rbx + layout_.instret]);
    g.mov(r12, qword[rbx + layout_.dtlb]);
    g.mov(r13, qword[rbx + layout_.pc]);
    g.jmp(rdx);
    g.align(16);
    exit_ = g.getCurr();
    g.mov(qword[rbx + layout_.instret], rbp);
    g.add(rsp, 24);
    g.pop(r15);
    g.pop(r14);
    g.pop(r13);
    g.pop(r12);
    g.pop(rbp);
    g.pop(rbx);
    g.ret();
    g.align(16);

    // lookup: blocks leave through here for a target known only at run time (JALR) or in
    // another guest page, with r13 = the target pc, instret in rbp and the x array current.
    // The checks are Hart::run's and Hart::fetch_block's fast path, exactly: no event and
    // instret below the next check, the jump-cache entry for the pc, and the fetch TLB
    // entry mapping the pc's page to the block's physical page (so SFENCE.VMA, satp and
    // privilege changes, which act on the TLB, are honoured). Any miss returns to the loop
    // with pc = r13, which does the same lookup the slow way.
    lookup_ = g.getCurr();
    {
        using BC = cpu::BlockCache;
        static_assert(sizeof(BC::JumpEntry) == 16, "the jump-table index scales by 16");
        const cpu::Block probe;
        const auto boff = [&probe](const void* p) {
            return static_cast<i32>(static_cast<const u8*>(p) -
                                    reinterpret_cast<const u8*>(&probe));
        };
        const i32 ppc_off = boff(&probe.ppc), code_off = boff(&probe.host_code);
        Xbyak::Label miss;
        g.cmp(dword[rbx + layout_.events], 0);
        g.jne(miss, Xbyak::CodeGenerator::T_NEAR);
        g.cmp(rbp, qword[rbx + layout_.next_check]);
        g.jae(miss, Xbyak::CodeGenerator::T_NEAR);
        g.mov(eax, r13d);
        g.shr(eax, 1);
        g.and_(eax, BC::kJumpCacheEntries - 1);
        g.shl(eax, 4);
        g.lea(rcx, ptr[rbx + rax + layout_.jump_cache]);
        g.cmp(r13, qword[rcx]);
        g.jne(miss, Xbyak::CodeGenerator::T_NEAR);
        g.mov(rcx, qword[rcx + 8]);  // the block
        g.mov(eax, r13d);
        g.shr(eax, 12);
        g.and_(eax, SoftTlb::kIndexMask);
        g.shl(eax, 5);
        g.add(rax, qword[rbx + layout_.itlb]);  // &itlb->exec[index] - offsetof(exec)
        g.mov(rdx, r13);
        g.and_(rdx, -4096);
        g.cmp(rdx, qword[rax + offsetof(SoftTlb, exec) + offsetof(TlbEntry, tag)]);
        g.jne(miss, Xbyak::CodeGenerator::T_NEAR);
        g.mov(rdx, qword[rcx + ppc_off]);
        g.and_(rdx, -4096);
        g.cmp(rdx, qword[rax + offsetof(SoftTlb, exec) + offsetof(TlbEntry, ppage)]);
        g.jne(miss, Xbyak::CodeGenerator::T_NEAR);
        g.mov(rax, qword[rcx + code_off]);
        g.test(rax, rax);
        g.jz(miss, Xbyak::CodeGenerator::T_NEAR);
        g.jmp(rax);
        g.L(miss);
        g.mov(qword[rbx + layout_.pc], r13);
        g.xor_(eax, eax);
        g.jmp(exit_, Xbyak::CodeGenerator::T_NEAR);
    }
    g.align(16);
    entry_ = reinterpret_cast<EntryFn>(buffer_.begin());
    stub_bytes_ = g.getSize();
    buffer_.commit(stub_bytes_);
}

}  // namespace rvisor::jit
