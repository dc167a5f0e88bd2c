// Memory slow paths: address translation, TLB fills, misaligned accesses, device accesses,
// atomics, and the bookkeeping that keeps cached code coherent with stores.
#include "cpu/hart.hpp"

namespace rvisor::cpu {

namespace {
constexpr Exception access_fault(AccessType a) {
    return a == AccessType::Execute ? Exception::InsnAccessFault
           : a == AccessType::Read  ? Exception::LoadAccessFault
                                    : Exception::StoreAccessFault;
}
constexpr u8 pmp_bit(AccessType a) {
    return a == AccessType::Read    ? Pmp::kPermRead
           : a == AccessType::Write ? Pmp::kPermWrite
                                    : Pmp::kPermExec;
}
}  // namespace

bool Hart::translate(u64 va, Access access, u64& pa, bool* cacheable) {
    const PrivMode mode = access == Access::Execute ? priv_ : data_priv();
    if (mode == PrivMode::Machine || (csr_.satp >> 60) == 0) {
        pa = va;
    } else {
        const WalkResult r =
            walk(ram_, pmp_,
                 WalkRequest{csr_.satp, va, access, mode, (csr_.mstatus & mstatus::kSum) != 0,
                             (csr_.mstatus & mstatus::kMxr) != 0});
        if (!r.ok) {
            raise(r.fault, va);
            return false;
        }
        pa = r.pa;
        // The TLB holds 4 KiB pieces; SFENCE.VMA of one address must then drop them all.
        if (r.level > 0) note_superpage(va, r.level);
        // The walker's A/D update is a store into guest RAM like any other.
        if (r.pte_written && (ram_.page_flags(r.pte_pa) & mem::kPageHasCode))
            note_code_write(r.pte_pa);
    }
    // PMP (3.7): checked on the physical address for the effective privilege. A page whose
    // PMP decision is not uniform is never cached, so each access is checked exactly.
    if (pmp_.any_active() || mode != PrivMode::Machine) {
        if (!pmp_.check(pa, 1, access, mode)) {
            raise(access_fault(access), va);
            return false;
        }
        if (cacheable) *cacheable = pmp_.page_permissions(pa & ~0xfffULL, mode) & pmp_bit(access);
    } else if (cacheable) {
        *cacheable = true;
    }
    if (access == Access::Execute && !ram_.contains(pa, 2)) {
        // Only RAM holds code; fetching from a device region or a hole is an access fault.
        raise(Exception::InsnAccessFault, va);
        return false;
    }
    return true;
}

namespace {
constexpr bool crosses_page(u64 va, unsigned size) {
    return (va & 0xfff) + size > 0x1000;
}

// Other harts may access guest RAM at the same time. As on the TLB fast path, a naturally
// aligned access is one relaxed atomic (a plain mov on x86-64); a misaligned one is done byte
// by byte (RVWMO lets misaligned accesses be split).
u64 ram_read(const u8* p, unsigned size) {
    if ((reinterpret_cast<uintptr_t>(p) & (size - 1)) == 0) {
        switch (size) {
            case 1: return __atomic_load_n(p, __ATOMIC_RELAXED);
            case 2: return __atomic_load_n(reinterpret_cast<const u16*>(p), __ATOMIC_RELAXED);
            case 4: return __atomic_load_n(reinterpret_cast<const u32*>(p), __ATOMIC_RELAXED);
            case 8: return __atomic_load_n(reinterpret_cast<const u64*>(p), __ATOMIC_RELAXED);
            default: break;
        }
    }
    u64 v = 0;
    for (unsigned i = 0; i < size; ++i)
        v |= static_cast<u64>(__atomic_load_n(p + i, __ATOMIC_RELAXED)) << (8 * i);
    return v;
}

void ram_write(u8* p, unsigned size, u64 value) {
    if ((reinterpret_cast<uintptr_t>(p) & (size - 1)) == 0) {
        switch (size) {
            case 1: __atomic_store_n(p, static_cast<u8>(value), __ATOMIC_RELAXED); return;
            case 2:
                __atomic_store_n(reinterpret_cast<u16*>(p), static_cast<u16>(value),
                                 __ATOMIC_RELAXED);
                return;
            case 4:
                __atomic_store_n(reinterpret_cast<u32*>(p), static_cast<u32>(value),
                                 __ATOMIC_RELAXED);
                return;
            case 8: __atomic_store_n(reinterpret_cast<u64*>(p), value, __ATOMIC_RELAXED); return;
            default: break;
        }
    }
    for (unsigned i = 0; i < size; ++i)
        __atomic_store_n(p + i, static_cast<u8>(value >> (8 * i)), __ATOMIC_RELAXED);
}
}  // namespace

// Misaligned loads and stores are performed in hardware (unprivileged spec 2.6 permits it):
// within a page directly, across pages byte by byte so each page is translated on its own.
// Devices accept only naturally aligned accesses; a misaligned one is an access fault.

bool Hart::load_slow(u64 va, unsigned size, u64& out) {
    if (crosses_page(va, size)) {
        u64 v = 0;
        for (unsigned i = 0; i < size; ++i) {
            u64 b;
            if (!load_slow(va + i, 1, b)) return false;
            v |= b << (8 * i);
        }
        out = v;
        return true;
    }
    const bool user = dtlb_ == &tlbs_[0];
    if (user) {
        // The second level holds only cacheable RAM pages (PMP uniform over the page), so a
        // hit needs no further check.
        if (const VictimTlb::Entry* v = user_victim_.find(va)) {
            const u64 page = va & ~0xfffULL;
            dtlb_->fill(dtlb_->read, va, reinterpret_cast<u8*>(v->addend + page), v->ppage);
            out = ram_read(reinterpret_cast<const u8*>(v->addend + va), size);
            return true;
        }
    }
    u64 pa;
    bool cacheable = false;
    if (!translate(va, Access::Read, pa, &cacheable)) return false;
    if (size > 1 && !pmp_.check(pa, size, Access::Read, data_priv())) {
        raise(Exception::LoadAccessFault, va);
        return false;
    }
    if (ram_.contains(pa, size)) {
        u8* host = ram_.host(pa);
        if (cacheable) {
            u8* host_page = host - (pa & 0xfff);
            dtlb_->fill(dtlb_->read, va, host_page, pa & ~0xfffULL);
            if (user)
                user_victim_.fill(va, reinterpret_cast<u64>(host_page) - (va & ~0xfffULL),
                                  pa & ~0xfffULL);
        }
        out = ram_read(host, size);
        return true;
    }
    ++device_accesses_;
    if (!bus_.read(pa, size, out)) {
        raise(Exception::LoadAccessFault, va);
        return false;
    }
    return true;
}

bool Hart::store_slow(u64 va, unsigned size, u64 value) {
    if (crosses_page(va, size)) {
        // Translate both pages first so a faulting store writes nothing.
        u64 pa;
        if (!translate(va, Access::Write, pa) || !translate(va + size - 1, Access::Write, pa))
            return false;
        for (unsigned i = 0; i < size; ++i)
            if (!store_slow(va + i, 1, (value >> (8 * i)) & 0xff)) return false;
        return true;
    }
    u64 pa;
    bool cacheable = false;
    if (!translate(va, Access::Write, pa, &cacheable)) return false;
    if (size > 1 && !pmp_.check(pa, size, Access::Write, data_priv())) {
        raise(Exception::StoreAccessFault, va);
        return false;
    }
    if (ram_.contains(pa, size)) {
        const u8 flags = ram_.page_flags(pa);
        if (flags & mem::kPageHasCode) note_code_write(pa);
        u8* host = ram_.host(pa);
        ram_write(host, size, value);
        if (flags & mem::kPageWatched) {
            ++device_accesses_;
            if (on_watched_store) on_watched_store(pa);
        } else if (cacheable) {
            dtlb_->fill(dtlb_->write, va, host - (pa & 0xfff), pa & ~0xfffULL);
        }
        return true;
    }
    ++device_accesses_;
    if (!bus_.write(pa, size, value)) {
        raise(Exception::StoreAccessFault, va);
        return false;
    }
    return true;
}

u8* Hart::atomic_host_pointer(u64 va, unsigned size, Access access) {
    // AMOs and LR/SC must be naturally aligned (unprivileged spec 8.4): misaligned ones raise
    // the store/AMO (or, for LR, load) address-misaligned exception. They work on RAM only.
    const bool lr = access == Access::Read;
    if (va & (size - 1)) {
        raise(lr ? Exception::LoadMisaligned : Exception::StoreMisaligned, va);
        return nullptr;
    }
    u64 pa;
    if (!translate(va, access, pa)) return nullptr;
    if (!pmp_.check(pa, size, access, data_priv())) {
        raise(lr ? Exception::LoadAccessFault : Exception::StoreAccessFault, va);
        return nullptr;
    }
    if (!ram_.contains(pa, size)) {
        raise(lr ? Exception::LoadAccessFault : Exception::StoreAccessFault, va);
        return nullptr;
    }
    if (lr) return ram_.host(pa);
    if (ram_.page_flags(pa) & mem::kPageHasCode) note_code_write(pa);
    return ram_.host(pa);
}

void Hart::note_code_write(u64 pa) {
    const u64 ppage = pa & ~0xfffULL;
    ram_.clear_page_flags(pa, mem::kPageHasCode);
    blocks_.invalidate_page(ppage);
    // Other harts may cache code from this page too.
    ram_.code_events().publish({ppage, static_cast<u32>(hart_id_), mem::CodeEvent::Kind::Written});
}

void Hart::process_code_events() {
    code_events_seen_ = ram_.code_events().drain(
        code_events_seen_,
        [this](const mem::CodeEvent& e) {
            if (e.source == hart_id_) return;  // handled when it happened
            if (e.kind == mem::CodeEvent::Kind::Written) {
                blocks_.invalidate_page(e.ppage);
            } else {
                for (SoftTlb& t : tlbs_) t.flush_physical_writes(e.ppage);
            }
        },
        [this] {
            blocks_.invalidate_all();
            for (SoftTlb& t : tlbs_) t.flush();
        });
}

Block* Hart::fetch_block() {
    // Fast path: the jump cache names the block last run at this pc, and the fetch TLB
    // confirms the pc's page still maps to that block's physical page.
    const BlockCache::JumpEntry& j = blocks_.jump_entry(pc_);
    const TlbEntry& e = itlb_->exec[SoftTlb::index(pc_)];
    if (RVISOR_LIKELY(j.vpc == pc_ && e.tag == (pc_ & ~0xfffULL) &&
                      e.ppage == (j.block->ppc & ~0xfffULL)))
        return j.block;

    u64 ppc;
    bool cacheable = false;
    if (!translate(pc_, Access::Execute, ppc, &cacheable)) return nullptr;
    // After a TLB flush (every context switch) the jump cache usually still names the right
    // block: its physical address confirms it without the hash-table lookup.
    Block* b = j.vpc == pc_ && j.block->ppc == ppc ? j.block : blocks_.lookup_physical(ppc);
    if (!b) b = decode_block(ppc);
    if (!b) return nullptr;
    if (b != &scratch_block_ && cacheable) {
        itlb_->fill(itlb_->exec, pc_, ram_.host(ppc & ~0xfffULL), ppc & ~0xfffULL);
        blocks_.remember_virtual(pc_, b);
    }
    return b;
}

namespace {

// Instructions after which the block ends: control transfers, traps, and anything that may
// change privilege, translation or interrupt state.
constexpr bool ends_block(isa::Op op) {
    using isa::Op;
    switch (op) {
        case Op::Jal:
        case Op::Jalr:
        case Op::Beq:
        case Op::Bne:
        case Op::Blt:
        case Op::Bge:
        case Op::Bltu:
        case Op::Bgeu:
        case Op::Ecall:
        case Op::Ebreak:
        case Op::Mret:
        case Op::Sret:
        case Op::Wfi:
        case Op::FenceI:
        case Op::SfenceVma:
        case Op::Illegal:
        case Op::Csrrw:
        case Op::Csrrs:
        case Op::Csrrc:
        case Op::Csrrwi:
        case Op::Csrrsi:
        case Op::Csrrci: return true;
        default: return false;
    }
}

// Ops whose rd names an FP register (so rd == 0 is f0, a real register).
constexpr bool writes_fp_rd(isa::Op op) {
    using isa::Op;
    switch (op) {
        case Op::Flw:
        case Op::Fld:
        case Op::FmaddS:
        case Op::FmsubS:
        case Op::FnmsubS:
        case Op::FnmaddS:
        case Op::FaddS:
        case Op::FsubS:
        case Op::FmulS:
        case Op::FdivS:
        case Op::FsqrtS:
        case Op::FsgnjS:
        case Op::FsgnjnS:
        case Op::FsgnjxS:
        case Op::FminS:
        case Op::FmaxS:
        case Op::FcvtSW:
        case Op::FcvtSWu:
        case Op::FcvtSL:
        case Op::FcvtSLu:
        case Op::FmvWX:
        case Op::FmaddD:
        case Op::FmsubD:
        case Op::FnmsubD:
        case Op::FnmaddD:
        case Op::FaddD:
        case Op::FsubD:
        case Op::FmulD:
        case Op::FdivD:
        case Op::FsqrtD:
        case Op::FsgnjD:
        case Op::FsgnjnD:
        case Op::FsgnjxD:
        case Op::FminD:
        case Op::FmaxD:
        case Op::FcvtSD:
        case Op::FcvtDS:
        case Op::FcvtDW:
        case Op::FcvtDWu:
        case Op::FcvtDL:
        case Op::FcvtDLu:
        case Op::FmvDX: return true;
        default: return false;
    }
}

constexpr unsigned kMaxBlockInsns = 128;  // bounds interrupt latency between block checks

}  // namespace

Block* Hart::decode_block(u64 ppc) {
    const u64 page_end = (ppc & ~0xfffULL) + 0x1000;
    auto block = std::make_unique<Block>();
    block->ppc = ppc;
    // Decoded into a reused buffer first, then copied at its exact size: a boot caches tens of
    // thousands of blocks of ~5 instructions, and a growing vector's spare room would double
    // the block cache's memory.
    std::vector<isa::DecodedInsn>& insns = decode_buffer_;
    insns.clear();

    u64 p = ppc;
    while (p < page_end && insns.size() < kMaxBlockInsns) {
        u16 low;
        std::memcpy(&low, ram_.host(p), 2);
        u32 bits = low;
        if (isa::insn_length(low) == 4) {
            if (p + 4 > page_end) {
                if (!insns.empty()) break;
                return decode_straddling(pc_);
            }
            std::memcpy(&bits, ram_.host(p), 4);
        }
        isa::DecodedInsn insn = isa::decode(bits);
        if (insn.rd == 0 && !writes_fp_rd(insn.op)) insn.rd = 32;
        insns.push_back(insn);
        p += insn.len;
        if (ends_block(insn.op)) break;
    }
    block->guest_bytes = static_cast<u32>(p - ppc);
    isa::DecodedInsn end;
    end.op = static_cast<isa::Op>(ExecOp::EndOfBlock);
    end.len = 0;
    insns.push_back(end);
    block->insns.assign(insns.begin(), insns.end());

    // From now on stores to this page must invalidate its blocks: take it off the fast path,
    // here and (through the event log) in every other hart's TLB.
    // A page already marked has no write entries left anywhere (none are filled for it).
    const u64 ppage = ppc & ~0xfffULL;
    if (!(ram_.set_page_flags(ppc, mem::kPageHasCode) & mem::kPageHasCode)) {
        ram_.code_events().publish(
            {ppage, static_cast<u32>(hart_id_), mem::CodeEvent::Kind::Marked});
        for (SoftTlb& t : tlbs_) t.flush_physical_writes(ppage);
    }
    return blocks_.insert(std::move(block));
}

Block* Hart::decode_straddling(u64 vpc) {
    // A 4-byte instruction whose halves lie in two pages, each translated on its own. It is
    // decoded afresh each time rather than cached, since either mapping may change alone.
    u64 pa_lo, pa_hi;
    if (!translate(vpc, Access::Execute, pa_lo)) return nullptr;
    if (!translate(vpc + 2, Access::Execute, pa_hi)) return nullptr;
    u16 lo, hi;
    std::memcpy(&lo, ram_.host(pa_lo), 2);
    std::memcpy(&hi, ram_.host(pa_hi), 2);
    isa::DecodedInsn insn = isa::decode(static_cast<u32>(lo) | (static_cast<u32>(hi) << 16));
    if (insn.rd == 0 && !writes_fp_rd(insn.op)) insn.rd = 32;
    scratch_block_.ppc = pa_lo;
    scratch_block_.guest_bytes = 4;
    scratch_block_.insns.clear();
    scratch_block_.insns.push_back(insn);
    isa::DecodedInsn end;
    end.op = static_cast<isa::Op>(ExecOp::EndOfBlock);
    end.len = 0;
    scratch_block_.insns.push_back(end);
    return &scratch_block_;
}

}  // namespace rvisor::cpu
