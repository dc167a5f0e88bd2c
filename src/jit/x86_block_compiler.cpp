#include "jit/x86_block_compiler.hpp"

#include "cpu/int_division.hpp"
#include "jit/host_calls.hpp"

#include <xbyak/xbyak.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <functional>
#include <memory>
#include <type_traits>
#include <vector>

namespace rvisor::jit {

namespace {

using cpu::Block;
using cpu::Hart;
using cpu::HostExit;
using cpu::SoftTlb;
using cpu::TlbEntry;
using isa::Op;
using namespace Xbyak::util;
using namespace host_calls;

static_assert(sizeof(TlbEntry) == 32, "the emitted TLB index scales by 32");

// Ops with host code; the first other op ends the compiled prefix.
bool compilable(Op op) {
    switch (op) {
        case Op::Lui:
        case Op::Auipc:
        case Op::Jal:
        case Op::Jalr:
        case Op::Beq:
        case Op::Bne:
        case Op::Blt:
        case Op::Bge:
        case Op::Bltu:
        case Op::Bgeu:
        case Op::Lb:
        case Op::Lh:
        case Op::Lw:
        case Op::Ld:
        case Op::Lbu:
        case Op::Lhu:
        case Op::Lwu:
        case Op::Sb:
        case Op::Sh:
        case Op::Sw:
        case Op::Sd:
        case Op::Addi:
        case Op::Slti:
        case Op::Sltiu:
        case Op::Xori:
        case Op::Ori:
        case Op::Andi:
        case Op::Slli:
        case Op::Srli:
        case Op::Srai:
        case Op::Add:
        case Op::Sub:
        case Op::Sll:
        case Op::Slt:
        case Op::Sltu:
        case Op::Xor:
        case Op::Srl:
        case Op::Sra:
        case Op::Or:
        case Op::And:
        case Op::Addiw:
        case Op::Slliw:
        case Op::Srliw:
        case Op::Sraiw:
        case Op::Addw:
        case Op::Subw:
        case Op::Sllw:
        case Op::Srlw:
        case Op::Sraw:
        case Op::Fence:
        case Op::Mul:
        case Op::Mulh:
        case Op::Mulhsu:
        case Op::Mulhu:
        case Op::Div:
        case Op::Divu:
        case Op::Rem:
        case Op::Remu:
        case Op::Mulw:
        case Op::Divw:
        case Op::Divuw:
        case Op::Remw:
        case Op::Remuw: return true;
        default: return false;
    }
}

unsigned access_size(Op op) {
    switch (op) {
        case Op::Lb:
        case Op::Lbu:
        case Op::Sb: return 1;
        case Op::Lh:
        case Op::Lhu:
        case Op::Sh: return 2;
        case Op::Lw:
        case Op::Lwu:
        case Op::Sw: return 4;
        default: return 8;
    }
}

// Emits one block. Code goes straight into the hart's code buffer (xbyak user buffer).
class BlockEmitter : public Xbyak::CodeGenerator {
  public:
    BlockEmitter(u8* where, std::size_t room, const Hart::JitLayout& layout, const u8* exit,
                 const u8* lookup, bool check)
        : Xbyak::CodeGenerator(room, where),
          l_(layout),
          exit_(exit),
          lookup_(check ? nullptr : lookup),
          check_(check) {}

    // Emits the block's first `n` instructions; returns false if none can be compiled.
    bool emit(const Block& b) {
        unsigned n = 0;
        // PAUSE (FENCE imm 0x010) yields the host thread: the interpreter runs it.
        while (n < b.insns.size() && compilable(b.insns[n].op) &&
               !(b.insns[n].op == Op::Fence && b.insns[n].imm == 0x010))
            ++n;
        const bool whole = n == b.insns.size() - 1;  // everything before EndOfBlock
        if (n == 0) return false;
        host_insns_ = n;
        page_offset_ = b.ppc & 0xfff;
        page_ = b.ppc & ~0xfffULL;
        allocate_registers(b, n);
        loop_top_ = getCurr();

        i64 off = 0;
        bool ended = false;
        for (unsigned i = 0; i < n && !ended; ++i) {
            ended = emit_insn(b.insns[i], i, off);
            off += b.insns[i].len;
        }
        if (!ended) {
            if (whole)
                static_exit(off, n);  // fell through: page end or size limit
            else
                resume_exit(off, n);
        }
        for (auto& s : slow_) s();
        return true;
    }
    unsigned host_insns() const { return host_insns_; }
    const std::vector<void*>& self_links() const { return self_links_; }

  private:
    // Guest register r as an operand: its host register when the block caches it, else its
    // slot in the x array.
    const Xbyak::Operand& X(unsigned r) {
        return slot_[r] >= 0 ? static_cast<const Xbyak::Operand&>(kCache64[slot_[r]]) : mem64_[r];
    }
    const Xbyak::Operand& X32(unsigned r) {
        return slot_[r] >= 0 ? static_cast<const Xbyak::Operand&>(kCache32[slot_[r]]) : mem32_[r];
    }
    Xbyak::Address field(i32 off) { return qword[rbx + off]; }

    // Register caching: the guest registers a block uses most (at least twice) live in host
    // registers from the block's entry to its exits, where the ones written are stored back.
    // Helper calls spill and reload the caller-saved ones. Chained blocks load their own.
    void allocate_registers(const Block& b, unsigned n) {
        std::array<unsigned, 33> uses{}, first{};
        first.fill(~0u);
        for (unsigned i = 0; i < n; ++i) {
            const isa::DecodedInsn& in = b.insns[i];
            if (writes_rd(in.op)) written_ |= 1ULL << in.rd;
            for (unsigned r : {unsigned{in.rd}, unsigned{in.rs1}, unsigned{in.rs2}}) {
                if (r == 0 || r >= 32) continue;
                ++uses[r];
                first[r] = std::min(first[r], i);
            }
        }
        std::vector<unsigned> order;
        for (unsigned r = 1; r < 32; ++r)
            if (uses[r] >= 2) order.push_back(r);
        std::stable_sort(order.begin(), order.end(), [&](unsigned a, unsigned c) {
            return uses[a] != uses[c] ? uses[a] > uses[c] : first[a] < first[c];
        });
        if (order.size() > kCacheRegs) order.resize(kCacheRegs);
        for (unsigned k = 0; k < order.size(); ++k) {
            slot_[order[k]] = static_cast<i8>(k);
            cached_ |= 1ULL << order[k];
            mov(kCache64[k], qword[rbx + 8 * order[k]]);
        }
    }
    // Stores the cached registers in `mask` to the x array.
    void write_back(u64 mask) {
        for (unsigned r = 1; r < 32; ++r)
            if ((mask & cached_ & (1ULL << r))) mov(qword[rbx + 8 * r], kCache64[slot_[r]]);
    }
    // Caller-saved cache registers (slots 2..5) around a C++ call.
    void spill() {
        for (unsigned r = 1; r < 32; ++r)
            if (slot_[r] >= 2) mov(qword[rbx + 8 * r], kCache64[slot_[r]]);
    }
    void reload() {
        for (unsigned r = 1; r < 32; ++r)
            if (slot_[r] >= 2) mov(kCache64[slot_[r]], qword[rbx + 8 * r]);
    }
    static bool writes_rd(Op op) {
        switch (op) {
            case Op::Sb:
            case Op::Sh:
            case Op::Sw:
            case Op::Sd:
            case Op::Fence:
            case Op::Beq:
            case Op::Bne:
            case Op::Blt:
            case Op::Bge:
            case Op::Bltu:
            case Op::Bgeu: return false;
            default: return true;
        }
    }

    void call_fn(const void* fn) {
        spill();
        mov(rax, reinterpret_cast<u64>(fn));
        call(rax);
        reload();
    }

    // pc = block start + off, instret += n, return `kind`.
    void resume_exit(i64 off, unsigned n) {
        write_back(written_);
        lea(rax, ptr[r13 + static_cast<i32>(off)]);
        mov(field(l_.pc), rax);
        if (n) add(rbp, n);
        mov(eax, static_cast<u32>(HostExit::Resume));
        jmp(exit_, T_NEAR);
    }
    void trap_exit(i64 off, unsigned n, u64 written) {
        write_back(written);
        lea(rax, ptr[r13 + static_cast<i32>(off)]);
        mov(field(l_.pc), rax);
        if (n) add(rbp, n);
        mov(eax, static_cast<u32>(HostExit::Trap));
        jmp(exit_, T_NEAR);
    }
    // Leaves for the static target block start + delta after retiring n instructions.
    void static_exit(i64 delta, unsigned n) {
        if (delta == 0 && !check_) {
            // A loop back to this block's start: linked now, to the code after the register
            // loads, so the cached registers stay in host registers from pass to pass; they
            // are stored back only when leaving. Unlinking (the block is retired) makes the
            // jump fall through to that exit.
            add(rbp, n);
            Xbyak::Label out;
            cmp(dword[rbx + l_.events], 0);
            jne(out, T_NEAR);
            cmp(rbp, field(l_.next_check));
            jae(out, T_NEAR);
            const u8* site = getCurr();
            db(0xe9);
            dd(static_cast<u32>(static_cast<i32>(loop_top_ - (site + 5))));
            self_links_.push_back(const_cast<u8*>(site));
            L(out);
            write_back(written_);
            mov(field(l_.pc), r13);
            xor_(eax, eax);
            jmp(exit_, T_NEAR);
            return;
        }
        write_back(written_);
        add(rbp, n);
        const i64 target = static_cast<i64>(page_offset_) + delta;
        if (target >= 0 && target < 0x1000) {
            // Linkable: same guest page. The checks mirror the interpreter loop's.
            Xbyak::Label out;
            lea(r13, ptr[r13 + static_cast<i32>(delta)]);
            cmp(dword[rbx + l_.events], 0);
            jne(out, T_NEAR);
            cmp(rbp, field(l_.next_check));
            jae(out, T_NEAR);
            const u8* site = getCurr();
            db(0xe9);  // jmp rel32, patched by link(); 0 falls through to the exit
            dd(0);
            L(out);
            mov(field(l_.pc), r13);
            mov(rax, reinterpret_cast<u64>(site));
            mov(field(l_.link_site), rax);
            mov(rax, static_cast<u64>(page_));
            mov(field(l_.link_page), rax);
        } else if (lookup_) {
            // Another page: the shared lookup finds the target through the jump cache,
            // validated against the fetch TLB as Hart::fetch_block does.
            lea(r13, ptr[r13 + static_cast<i32>(delta)]);
            jmp(lookup_, T_NEAR);
            return;
        } else {
            lea(rax, ptr[r13 + static_cast<i32>(delta)]);
            mov(field(l_.pc), rax);
        }
        xor_(eax, eax);
        jmp(exit_, T_NEAR);
    }

    // Returns true when the instruction ended the block.
    bool emit_insn(const isa::DecodedInsn& in, unsigned i, i64 off) {
        const unsigned rd = in.rd, rs1 = in.rs1, rs2 = in.rs2;
        const i32 imm = static_cast<i32>(in.imm);
        switch (in.op) {
            case Op::Lui: mov(X(rd), imm); return false;
            case Op::Auipc:
                mov(rax, static_cast<u64>(off + in.imm));
                add(rax, r13);
                mov(X(rd), rax);
                return false;
            case Op::Jal:
                lea(rax, ptr[r13 + static_cast<i32>(off + in.len)]);
                mov(X(rd), rax);
                static_exit(off + in.imm, i + 1);
                return true;
            case Op::Jalr:
                mov(rax, X(rs1));  // read rs1 before writing rd
                add(rax, imm);
                and_(rax, -2);
                lea(rcx, ptr[r13 + static_cast<i32>(off + in.len)]);
                mov(X(rd), rcx);
                write_back(written_);
                add(rbp, i + 1);
                if (lookup_) {
                    mov(r13, rax);
                    jmp(lookup_, T_NEAR);
                    return true;
                }
                mov(field(l_.pc), rax);
                xor_(eax, eax);
                jmp(exit_, T_NEAR);
                return true;
            case Op::Beq:
            case Op::Bne:
            case Op::Blt:
            case Op::Bge:
            case Op::Bltu:
            case Op::Bgeu: {
                Xbyak::Label taken;
                mov(rax, X(rs1));
                cmp(rax, X(rs2));
                switch (in.op) {
                    case Op::Beq: je(taken, T_NEAR); break;
                    case Op::Bne: jne(taken, T_NEAR); break;
                    case Op::Blt: jl(taken, T_NEAR); break;
                    case Op::Bge: jge(taken, T_NEAR); break;
                    case Op::Bltu: jb(taken, T_NEAR); break;
                    default: jae(taken, T_NEAR); break;
                }
                static_exit(off + in.len, i + 1);
                L(taken);
                static_exit(off + in.imm, i + 1);
                return true;
            }
            case Op::Lb:
            case Op::Lh:
            case Op::Lw:
            case Op::Ld:
            case Op::Lbu:
            case Op::Lhu:
            case Op::Lwu: emit_load(in, i, off); return false;
            case Op::Sb:
            case Op::Sh:
            case Op::Sw:
            case Op::Sd: emit_store(in, i, off); return false;

            case Op::Addi:
                if (rd == rs1) {
                    add(X(rd), imm);
                } else {
                    mov(rax, X(rs1));
                    add(rax, imm);
                    mov(X(rd), rax);
                }
                return false;
            case Op::Slti:
            case Op::Sltiu:
            case Op::Slt:
            case Op::Sltu:
                xor_(ecx, ecx);
                mov(rax, X(rs1));
                if (in.op == Op::Slti || in.op == Op::Sltiu)
                    cmp(rax, imm);
                else
                    cmp(rax, X(rs2));
                if (in.op == Op::Slti || in.op == Op::Slt)
                    setl(cl);
                else
                    setb(cl);
                mov(X(rd), rcx);
                return false;
            case Op::Xori:
            case Op::Ori:
            case Op::Andi:
                mov(rax, X(rs1));
                emit_alu(in.op, rax, imm);
                mov(X(rd), rax);
                return false;
            case Op::Add:
            case Op::Sub:
            case Op::Xor:
            case Op::Or:
            case Op::And:
                mov(rax, X(rs1));
                emit_alu(in.op, rax, X(rs2));
                mov(X(rd), rax);
                return false;
            case Op::Addiw:
                mov(eax, X32(rs1));
                add(eax, imm);
                movsxd(rax, eax);
                mov(X(rd), rax);
                return false;
            case Op::Addw:
            case Op::Subw:
            case Op::Mulw:
                mov(eax, X32(rs1));
                emit_alu(in.op, eax, X32(rs2));
                movsxd(rax, eax);
                mov(X(rd), rax);
                return false;
            case Op::Slli:
            case Op::Srli:
            case Op::Srai:
            case Op::Sll:
            case Op::Srl:
            case Op::Sra:
            case Op::Slliw:
            case Op::Srliw:
            case Op::Sraiw:
            case Op::Sllw:
            case Op::Srlw:
            case Op::Sraw: {
                // x86 masks the count of a 64-bit shift to 6 bits and of a 32-bit one to 5,
                // as RV64 does for SLL and SLLW; the W forms sign-extend the 32-bit result.
                const Shift s = shift_of(in.op);
                const Xbyak::Reg& r = s.word ? static_cast<const Xbyak::Reg&>(eax) : rax;
                if (!s.by_register) {
                    mov(r, s.word ? X32(rs1) : X(rs1));
                    emit_shift(s, r, imm & (s.word ? 31 : 63));
                } else {
                    mov(rcx, X(rs2));
                    mov(r, s.word ? X32(rs1) : X(rs1));
                    emit_shift(s, r, cl);
                }
                if (s.word) movsxd(rax, eax);
                mov(X(rd), rax);
                return false;
            }
            case Op::Fence:
                // As in the interpreter: only W->R ordering needs a host fence under TSO.
                if ((in.imm & 0x10) && (in.imm & 0x02)) mfence();
                return false;
            case Op::Mul:
                mov(rax, X(rs1));
                imul(rax, X(rs2));
                mov(X(rd), rax);
                return false;
            case Op::Mulh:
            case Op::Mulhu:
                mov(rax, X(rs1));
                if (in.op == Op::Mulh)
                    imul(X(rs2));
                else
                    mul(X(rs2));
                mov(X(rd), rdx);
                return false;
            case Op::Mulhsu:
                // high(signed a * unsigned b) = high(unsigned a * b) - (a < 0 ? b : 0)
                mov(rax, X(rs1));
                mov(rcx, rax);
                sar(rcx, 63);
                and_(rcx, X(rs2));
                mul(X(rs2));
                sub(rdx, rcx);
                mov(X(rd), rdx);
                return false;
            case Op::Div:
            case Op::Divu:
            case Op::Rem:
            case Op::Remu:
            case Op::Divw:
            case Op::Divuw:
            case Op::Remw:
            case Op::Remuw: {
                namespace d = cpu::int_division;
                const void* fn = in.op == Op::Div     ? reinterpret_cast<const void*>(&d::div)
                                 : in.op == Op::Divu  ? reinterpret_cast<const void*>(&d::divu)
                                 : in.op == Op::Rem   ? reinterpret_cast<const void*>(&d::rem)
                                 : in.op == Op::Remu  ? reinterpret_cast<const void*>(&d::remu)
                                 : in.op == Op::Divw  ? reinterpret_cast<const void*>(&d::divw)
                                 : in.op == Op::Divuw ? reinterpret_cast<const void*>(&d::divuw)
                                 : in.op == Op::Remw  ? reinterpret_cast<const void*>(&d::remw)
                                                      : reinterpret_cast<const void*>(&d::remuw);
                mov(rdi, X(rs1));
                mov(rsi, X(rs2));
                call_fn(fn);
                mov(X(rd), rax);
                return false;
            }
            default: return false;  // not reached: compilable() filtered the prefix
        }
    }

    // The x86 instruction for a RISC-V ALU op: r = r op src (a register, memory slot or
    // immediate; the W forms pass 32-bit operands). MULW takes no immediate.
    template <class Src>
    void emit_alu(Op op, const Xbyak::Reg& r, const Src& src) {
        switch (op) {
            case Op::Add:
            case Op::Addw: add(r, src); break;
            case Op::Sub:
            case Op::Subw: sub(r, src); break;
            case Op::Xor:
            case Op::Xori: xor_(r, src); break;
            case Op::Or:
            case Op::Ori: or_(r, src); break;
            case Op::And:
            case Op::Andi: and_(r, src); break;
            default:
                if constexpr (!std::is_integral_v<Src>) imul(r, src);  // Mulw
                break;
        }
    }

    // A RISC-V shift as the x86 instruction that does it.
    struct Shift {
        enum class Kind : u8 { Left, Logical, Arithmetic } kind;
        bool word;         // the W forms: 32-bit operand, result sign-extended
        bool by_register;  // the count is rs2, not the immediate
    };
    static Shift shift_of(Op op) {
        using K = Shift::Kind;
        switch (op) {
            case Op::Slli: return {K::Left, false, false};
            case Op::Srli: return {K::Logical, false, false};
            case Op::Srai: return {K::Arithmetic, false, false};
            case Op::Sll: return {K::Left, false, true};
            case Op::Srl: return {K::Logical, false, true};
            case Op::Sra: return {K::Arithmetic, false, true};
            case Op::Slliw: return {K::Left, true, false};
            case Op::Srliw: return {K::Logical, true, false};
            case Op::Sraiw: return {K::Arithmetic, true, false};
            case Op::Sllw: return {K::Left, true, true};
            case Op::Srlw: return {K::Logical, true, true};
            default: return {K::Arithmetic, true, true};  // Sraw
        }
    }
    template <class Count>
    void emit_shift(const Shift& s, const Xbyak::Reg& r, Count count) {
        switch (s.kind) {
            case Shift::Kind::Left: shl(r, count); break;
            case Shift::Kind::Logical: shr(r, count); break;
            case Shift::Kind::Arithmetic: sar(r, count); break;
        }
    }

    // Inline soft-TLB lookup (SoftTlb::index / tag_of): va in rsi; on a hit rsi becomes the
    // host address; a miss jumps to `miss`. Keeps rdx.
    void tlb_lookup(i32 set_offset, unsigned size, const Xbyak::Label& miss) {
        mov(rax, rsi);
        shr(rax, 12);
        and_(eax, SoftTlb::kIndexMask);
        shl(eax, 5);
        mov(rcx, rsi);
        and_(rcx, static_cast<i32>(~0xfffULL | (size - 1)));
        cmp(rcx, qword[r12 + rax + set_offset]);
        jne(miss, T_NEAR);
        add(rsi, qword[r12 + rax + set_offset + 8]);
    }

    void extend(Op op) {
        switch (op) {
            case Op::Lb: movsx(rax, al); break;
            case Op::Lbu: movzx(eax, al); break;
            case Op::Lh: movsx(rax, ax); break;
            case Op::Lhu: movzx(eax, ax); break;
            case Op::Lw: movsxd(rax, eax); break;
            case Op::Lwu: mov(eax, eax); break;
            default: break;
        }
    }

    void emit_load(const isa::DecodedInsn& in, unsigned i, i64 off) {
        const unsigned size = access_size(in.op);
        auto miss = std::make_shared<Xbyak::Label>();
        auto back = std::make_shared<Xbyak::Label>();
        mov(rsi, X(in.rs1));
        add(rsi, static_cast<i32>(in.imm));
        tlb_lookup(static_cast<i32>(offsetof(SoftTlb, read)), size, *miss);
        switch (in.op) {
            case Op::Lb: movsx(rax, byte[rsi]); break;
            case Op::Lbu: movzx(eax, byte[rsi]); break;
            case Op::Lh: movsx(rax, word[rsi]); break;
            case Op::Lhu: movzx(eax, word[rsi]); break;
            case Op::Lw: movsxd(rax, dword[rsi]); break;
            case Op::Lwu: mov(eax, dword[rsi]); break;
            default: mov(rax, qword[rsi]); break;
        }
        mov(X(in.rd), rax);
        L(*back);
        const isa::DecodedInsn insn = in;
        const u64 written = written_;
        slow_.push_back([this, insn, i, off, size, miss, back, written] {
            L(*miss);
            mov(rdi, qword[rsp + 8]);  // the Hart; rsi = va
            mov(edx, size);
            mov(rcx, rsp);  // the entry stub's scratch slot
            call_fn(reinterpret_cast<const void*>(&load_helper));
            Xbyak::Label fault;
            test(al, al);
            jz(fault, T_NEAR);
            mov(rax, qword[rsp]);
            extend(insn.op);
            mov(X(insn.rd), rax);
            jmp(*back, T_NEAR);
            L(fault);
            trap_exit(off, i, written);
        });
    }

    void emit_store(const isa::DecodedInsn& in, unsigned i, i64 off) {
        const unsigned size = access_size(in.op);
        auto miss = std::make_shared<Xbyak::Label>();
        auto back = std::make_shared<Xbyak::Label>();
        mov(rsi, X(in.rs1));
        add(rsi, static_cast<i32>(in.imm));
        mov(rdx, X(in.rs2));
        if (check_) {
            jmp(*miss, T_NEAR);  // every store is logged through the slow path
        } else {
            tlb_lookup(static_cast<i32>(offsetof(SoftTlb, write)), size, *miss);
            switch (size) {
                case 1: mov(byte[rsi], dl); break;
                case 2: mov(word[rsi], dx); break;
                case 4: mov(dword[rsi], edx); break;
                default: mov(qword[rsi], rdx); break;
            }
        }
        L(*back);
        const u64 written = written_;
        slow_.push_back([this, i, off, size, miss, back, written] {
            L(*miss);
            mov(rdi, qword[rsp + 8]);  // the Hart; rsi = va
            mov(rcx, rdx);             // value
            mov(edx, size);
            call_fn(reinterpret_cast<const void*>(&store_helper));
            Xbyak::Label fault;
            test(al, al);
            jz(fault, T_NEAR);
            jmp(*back, T_NEAR);
            L(fault);
            trap_exit(off, i, written);
        });
    }

    const Hart::JitLayout& l_;
    const u8* exit_;
    const u8* lookup_;  // the shared jump-cache lookup, null in check mode
    bool check_;
    unsigned host_insns_ = 0;
    u64 page_offset_ = 0;
    u64 page_ = 0;
    static constexpr unsigned kCacheRegs = 6;
    // Callee-saved first: the most used guest registers need no spill around calls.
    const std::array<Xbyak::Reg64, kCacheRegs> kCache64{r14, r15, r8, r9, r10, r11};
    const std::array<Xbyak::Reg32, kCacheRegs> kCache32{r14d, r15d, r8d, r9d, r10d, r11d};
    // The x array slots as operands: the same for every block, built once.
    static std::vector<Xbyak::Address> slots(bool wide) {
        std::vector<Xbyak::Address> v;
        namespace u = Xbyak::util;
        for (unsigned r = 0; r < 33; ++r)
            v.push_back(wide ? u::qword[u::rbx + 8 * r] : u::dword[u::rbx + 8 * r]);
        return v;
    }
    inline static const std::vector<Xbyak::Address> mem64_ = slots(true);
    inline static const std::vector<Xbyak::Address> mem32_ = slots(false);
    std::array<i8, 33> slot_ = make_slots();
    const u8* loop_top_ = nullptr;   // after the register loads
    std::vector<void*> self_links_;  // jumps from this block back to loop_top_
    u64 cached_ = 0;                 // guest registers held in host registers
    // Guest registers the block writes anywhere. Every exit stores all of them back: with a
    // self-loop, a register written late in one pass is live in its host register during the
    // next pass, also at a trap before that instruction. (Cached registers always hold the
    // current value, so storing one early is never wrong.)
    u64 written_ = 0;
    static std::array<i8, 33> make_slots() {
        std::array<i8, 33> a;
        a.fill(-1);
        return a;
    }
    std::vector<std::function<void()>> slow_;  // out-of-line slow paths, after the block
};

// Room one block may need at most (128 instructions with their slow paths, generously).
constexpr std::size_t kMaxBlockBytes = 64 * 1024;

}  // namespace

X86BlockCompiler::X86BlockCompiler(Hart& hart, CompilerOptions options)
    : options_(options), layout_(hart.jit_layout()), buffer_(options.buffer_bytes) {
    emit_entry_stub();
}

bool X86BlockCompiler::compile(Block& b, u64 /*vpc*/) {
    if (buffer_.remaining() < kMaxBlockBytes) return false;
    try {
        BlockEmitter e(buffer_.cursor(), buffer_.remaining(), layout_, exit_, lookup_,
                       options_.check);
        if (!e.emit(b)) return true;  // nothing compilable: stays interpreted
        e.align(16);
        b.host_code = buffer_.cursor();
        b.host_insns = static_cast<u16>(e.host_insns());
        b.links_in = e.self_links();
        buffer_.commit(e.getSize());
        ++blocks_compiled_;
        return true;
    } catch (const Xbyak::Error&) {
        return false;  // out of room after all: flush and start over
    }
}

void X86BlockCompiler::reset() {
    buffer_.reset(stub_bytes_);
}

cpu::HostExit X86BlockCompiler::enter(u64* x, Hart& hart, const void* host_code) {
    return static_cast<HostExit>(entry_(x, &hart, host_code));
}

void X86BlockCompiler::link(void* site, Block& next) {
    auto* p = static_cast<u8*>(site);
    const i64 rel = static_cast<const u8*>(next.host_code) - (p + 5);
    const auto rel32 = static_cast<i32>(rel);
    // A linked site still exits when an event or the next check is due, and the loop offers
    // it again: record each link once, or links_in grows by one per timer check.
    i32 current;
    std::memcpy(&current, p + 1, 4);
    if (current == rel32) return;
    std::memcpy(p + 1, &rel32, 4);
    next.links_in.push_back(site);
}

void X86BlockCompiler::unlink(Block& b) {
    // Each incoming jump falls through to its exit again.
    for (void* site : b.links_in) {
        const i32 zero = 0;
        std::memcpy(static_cast<u8*>(site) + 1, &zero, 4);
    }
    b.links_in.clear();
}

std::size_t X86BlockCompiler::code_bytes_used() const {
    return static_cast<std::size_t>(buffer_.cursor() - buffer_.begin());
}

}  // namespace rvisor::jit
