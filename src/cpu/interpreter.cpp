// The hot loop: executes cached decoded blocks with a threaded (computed-goto) interpreter.
// Per guest instruction there is no allocation, no virtual call, no map lookup and no lock;
// loads and stores hit the software TLB inline. Anything rare leaves through a slow path.
#include <bit>

#include <thread>
#include "cpu/fpu.hpp"

#include "cpu/hart.hpp"
#include "cpu/int_division.hpp"

namespace rvisor::cpu {

namespace {

inline u64 mulh(i64 a, i64 b) {
    return static_cast<u64>((static_cast<i128>(a) * b) >> 64);
}
inline u64 mulhu(u64 a, u64 b) {
    return static_cast<u64>((static_cast<u128>(a) * b) >> 64);
}
inline u64 mulhsu(i64 a, u64 b) {
    return static_cast<u64>((static_cast<i128>(a) * static_cast<i128>(b)) >> 64);
}

inline u64 sx32(u64 v) {
    return static_cast<u64>(static_cast<i64>(static_cast<i32>(v)));
}

}  // namespace

HostExit Hart::run_host(Block& b) {
    if (RVISOR_UNLIKELY(check_)) return run_checked(b);
    return compiler_->enter(x_, *this, b.host_code);
}

RunResult Hart::run(u64 max_instructions) {
    // Dispatch table: one entry per isa::Op plus the executor's own ops. Label addresses are
    // constants, so the table is filled once: by the first hart thread to get here, under a
    // lock, since several harts may start at the same time.
    static const void* dispatch[static_cast<unsigned>(ExecOp::Count)];
    static std::atomic<bool> dispatch_ready{false};
    static std::mutex dispatch_mutex;
    if (RVISOR_UNLIKELY(!dispatch_ready.load(std::memory_order_acquire))) {
        std::lock_guard lock(dispatch_mutex);
        if (!dispatch_ready.load(std::memory_order_relaxed)) {
            for (auto& d : dispatch) d = &&op_Illegal;
#define RVISOR_IMPL(name) dispatch[static_cast<unsigned>(isa::Op::name)] = &&op_##name;
#include "cpu/interpreter_fp_ops.inc"
#include "cpu/interpreter_ops.inc"
#undef RVISOR_IMPL
            dispatch[static_cast<unsigned>(ExecOp::EndOfBlock)] = &&op_EndOfBlock;
            dispatch_ready.store(true, std::memory_order_release);
        }
    }

    const u64 target = instret_ + max_instructions;
    u64 next_check = instret_;  // the first block boundary checks everything
    u64* const x = x_;
    // Lock-step checking (lockstep.cpp) calls run() to interpret exactly one block.
    Block* const replay = replay_block_;
    // A linkable exit of the host code that ran last, and where it went (see run_host).
    void* link_site = nullptr;
    u64 link_pc = 0, link_page = 0;

    for (;;) {
        Block* block;
        u32 resume_at = 0;  // first instruction to interpret
        if (RVISOR_UNLIKELY(replay != nullptr)) {
            block = replay;
            goto interpret;
        }
        // One compare and one load per block on the fast path; everything asynchronous
        // (stop requests, interrupt lines, timers, WFI, the budget) is handled in here.
        if (RVISOR_UNLIKELY(events_.load(std::memory_order_relaxed) != 0 ||
                            instret_ >= next_check)) {
            const u32 ev = events_.fetch_and(~(kEventStop | kEventInterrupt | kEventCode),
                                             std::memory_order_acq_rel);
            if (ev & kEventStop) return RunResult::StopRequested;
            if (ev & kEventCode) process_code_events();
            if (instret_ >= target) return RunResult::BudgetExhausted;
            next_check = std::min(target, instret_ + kTimerCheckInterval);
            if (in_wfi_) {
                if (!wait_for_interrupt()) return RunResult::WaitingForInterrupt;
                in_wfi_ = false;
            }
            take_interrupt();
        }
        blocks_.release_retired();

        block = fetch_block();
        if (RVISOR_UNLIKELY(!block)) {
            take_trap();
            continue;
        }

        if (compiler_) {
            // Compiled code: hot blocks get host code once; a linkable exit that led here is
            // patched to jump straight to this block next time (same guest page only, so
            // the translation checked by fetch_block() covers the linked path too).
            if (link_site) {
                if (block->host_code && pc_ == link_pc && (block->ppc & ~0xfffULL) == link_page)
                    compiler_->link(link_site, *block);
                link_site = nullptr;
            }
            if (RVISOR_UNLIKELY(!block->host_code) && !block->compile_tried &&
                block != &scratch_block_ && ++block->exec_count >= hot_threshold_) {
                block->compile_tried = true;
                if (!compiler_->compile(*block, pc_)) {
                    // The code buffer is full: drop every block (and so all host code and
                    // links) before the compiler starts its buffer afresh.
                    blocks_.invalidate_all();
                    compiler_->reset();
                }
            }
            if (block->host_code) {
                jit_next_check_ = next_check;
                jit_link_site_ = nullptr;
                const HostExit r = run_host(*block);
                if (RVISOR_LIKELY(r == HostExit::Done)) {
                    if (jit_link_site_ && !check_) {
                        link_site = jit_link_site_;
                        link_pc = pc_;
                        link_page = jit_link_page_;
                    }
                    continue;
                }
                if (r == HostExit::Trap) {
                    take_trap();
                    continue;
                }
                // Resume: the interpreter runs the rest of the block.
                resume_at = block->host_insns;
            }
        }

    interpret:
        const isa::DecodedInsn* first = block->insns.data() + resume_at;
        const isa::DecodedInsn* in = first;
        u64 pc = pc_;

#define DISPATCH() goto* dispatch[static_cast<unsigned>(in->op)]
#define NEXT()         \
    do {               \
        pc += in->len; \
        ++in;          \
        DISPATCH();    \
    } while (0)
// Leaves the block after retiring the current instruction, continuing at `newpc`.
#define END_BLOCK_AT(newpc)           \
    do {                              \
        pc_ = (newpc);                \
        instret_ += (in - first) + 1; \
        goto block_done;              \
    } while (0)
#define BRANCH(cond) END_BLOCK_AT((cond) ? pc + in->imm : pc + in->len)
#define RD x[in->rd]
#define RS1 x[in->rs1]
#define RS2 x[in->rs2]
#define LOAD(T, EXT)                                \
    do {                                            \
        T v;                                        \
        if (!load<T>(RS1 + in->imm, v)) goto fault; \
        RD = static_cast<u64>(static_cast<EXT>(v)); \
        NEXT();                                     \
    } while (0)
#define STORE(T)                                                       \
    do {                                                               \
        if (!store<T>(RS1 + in->imm, static_cast<T>(RS2))) goto fault; \
        NEXT();                                                        \
    } while (0)

        DISPATCH();

    op_Lui:
        RD = static_cast<u64>(in->imm);
        NEXT();
    op_Auipc:
        RD = pc + in->imm;
        NEXT();
    op_Jal : {
        const u64 target_pc = pc + in->imm;
        RD = pc + in->len;
        END_BLOCK_AT(target_pc);
    }
    op_Jalr : {
        const u64 target_pc = (RS1 + in->imm) & ~1ULL;  // read rs1 before writing rd
        RD = pc + in->len;
        END_BLOCK_AT(target_pc);
    }
    op_Beq:
        BRANCH(RS1 == RS2);
    op_Bne:
        BRANCH(RS1 != RS2);
    op_Blt:
        BRANCH(static_cast<i64>(RS1) < static_cast<i64>(RS2));
    op_Bge:
        BRANCH(static_cast<i64>(RS1) >= static_cast<i64>(RS2));
    op_Bltu:
        BRANCH(RS1 < RS2);
    op_Bgeu:
        BRANCH(RS1 >= RS2);

    op_Lb:
        LOAD(i8, i64);
    op_Lh:
        LOAD(i16, i64);
    op_Lw:
        LOAD(i32, i64);
    op_Ld:
        LOAD(u64, u64);
    op_Lbu:
        LOAD(u8, u64);
    op_Lhu:
        LOAD(u16, u64);
    op_Lwu:
        LOAD(u32, u64);
    op_Sb:
        STORE(u8);
    op_Sh:
        STORE(u16);
    op_Sw:
        STORE(u32);
    op_Sd:
        STORE(u64);

    op_Addi:
        RD = RS1 + in->imm;
        NEXT();
    op_Slti:
        RD = static_cast<i64>(RS1) < in->imm;
        NEXT();
    op_Sltiu:
        RD = RS1 < static_cast<u64>(in->imm);
        NEXT();
    op_Xori:
        RD = RS1 ^ in->imm;
        NEXT();
    op_Ori:
        RD = RS1 | in->imm;
        NEXT();
    op_Andi:
        RD = RS1 & in->imm;
        NEXT();
    op_Slli:
        RD = RS1 << (in->imm & 63);
        NEXT();
    op_Srli:
        RD = RS1 >> (in->imm & 63);
        NEXT();
    op_Srai:
        RD = static_cast<u64>(static_cast<i64>(RS1) >> (in->imm & 63));
        NEXT();
    op_Add:
        RD = RS1 + RS2;
        NEXT();
    op_Sub:
        RD = RS1 - RS2;
        NEXT();
    op_Sll:
        RD = RS1 << (RS2 & 63);
        NEXT();
    op_Slt:
        RD = static_cast<i64>(RS1) < static_cast<i64>(RS2);
        NEXT();
    op_Sltu:
        RD = RS1 < RS2;
        NEXT();
    op_Xor:
        RD = RS1 ^ RS2;
        NEXT();
    op_Srl:
        RD = RS1 >> (RS2 & 63);
        NEXT();
    op_Sra:
        RD = static_cast<u64>(static_cast<i64>(RS1) >> (RS2 & 63));
        NEXT();
    op_Or:
        RD = RS1 | RS2;
        NEXT();
    op_And:
        RD = RS1 & RS2;
        NEXT();
    op_Addiw:
        RD = sx32(RS1 + in->imm);
        NEXT();
    op_Slliw:
        RD = sx32(static_cast<u32>(RS1) << (in->imm & 31));
        NEXT();
    op_Srliw:
        RD = sx32(static_cast<u32>(RS1) >> (in->imm & 31));
        NEXT();
    op_Sraiw:
        RD = static_cast<u64>(static_cast<i64>(static_cast<i32>(RS1) >> (in->imm & 31)));
        NEXT();
    op_Addw:
        RD = sx32(RS1 + RS2);
        NEXT();
    op_Subw:
        RD = sx32(RS1 - RS2);
        NEXT();
    op_Sllw:
        RD = sx32(static_cast<u32>(RS1) << (RS2 & 31));
        NEXT();
    op_Srlw:
        RD = sx32(static_cast<u32>(RS1) >> (RS2 & 31));
        NEXT();
    op_Sraw:
        RD = static_cast<u64>(static_cast<i64>(static_cast<i32>(RS1) >> (RS2 & 31)));
        NEXT();

    op_Mul:
        RD = RS1 * RS2;
        NEXT();
    op_Mulh:
        RD = mulh(static_cast<i64>(RS1), static_cast<i64>(RS2));
        NEXT();
    op_Mulhsu:
        RD = mulhsu(static_cast<i64>(RS1), RS2);
        NEXT();
    op_Mulhu:
        RD = mulhu(RS1, RS2);
        NEXT();
    op_Div:
        RD = int_division::div(RS1, RS2);
        NEXT();
    op_Divu:
        RD = int_division::divu(RS1, RS2);
        NEXT();
    op_Rem:
        RD = int_division::rem(RS1, RS2);
        NEXT();
    op_Remu:
        RD = int_division::remu(RS1, RS2);
        NEXT();
    op_Mulw:
        RD = sx32(static_cast<u32>(RS1) * static_cast<u32>(RS2));
        NEXT();
    op_Divw:
        RD = int_division::divw(RS1, RS2);
        NEXT();
    op_Divuw:
        RD = int_division::divuw(RS1, RS2);
        NEXT();
    op_Remw:
        RD = int_division::remw(RS1, RS2);
        NEXT();
    op_Remuw:
        RD = int_division::remuw(RS1, RS2);
        NEXT();

        // ---- A: AMOs are host atomics on guest RAM (seq_cst covers every aq/rl combination) ----
#define AMO_W(EXPR_OLD_TO_NEW)                                                          \
    do {                                                                                \
        u8* h = atomic_host_pointer(RS1, 4);                                            \
        if (!h) goto fault;                                                             \
        auto* p = reinterpret_cast<u32*>(h);                                            \
        const u32 src = static_cast<u32>(RS2);                                          \
        u32 old = __atomic_load_n(p, __ATOMIC_RELAXED);                                 \
        u32 desired;                                                                    \
        do {                                                                            \
            desired = EXPR_OLD_TO_NEW;                                                  \
        } while (!__atomic_compare_exchange_n(p, &old, desired, true, __ATOMIC_SEQ_CST, \
                                              __ATOMIC_RELAXED));                       \
        RD = sx32(old);                                                                 \
        NEXT();                                                                         \
    } while (0)
#define AMO_D(EXPR_OLD_TO_NEW)                                                          \
    do {                                                                                \
        u8* h = atomic_host_pointer(RS1, 8);                                            \
        if (!h) goto fault;                                                             \
        auto* p = reinterpret_cast<u64*>(h);                                            \
        const u64 src = RS2;                                                            \
        u64 old = __atomic_load_n(p, __ATOMIC_RELAXED);                                 \
        u64 desired;                                                                    \
        do {                                                                            \
            desired = EXPR_OLD_TO_NEW;                                                  \
        } while (!__atomic_compare_exchange_n(p, &old, desired, true, __ATOMIC_SEQ_CST, \
                                              __ATOMIC_RELAXED));                       \
        RD = old;                                                                       \
        NEXT();                                                                         \
    } while (0)

    op_AmoswapW : {
        u8* h = atomic_host_pointer(RS1, 4);
        if (!h) goto fault;
        const u32 want = static_cast<u32>(RS2);
        const u32 was = __atomic_exchange_n(reinterpret_cast<u32*>(h), want, __ATOMIC_SEQ_CST);
        if (RVISOR_UNLIKELY(was == want)) note_idle_swap(h);
        RD = sx32(was);
        NEXT();
    }
    op_AmoaddW : {
        u8* h = atomic_host_pointer(RS1, 4);
        if (!h) goto fault;
        RD = sx32(
            __atomic_fetch_add(reinterpret_cast<u32*>(h), static_cast<u32>(RS2), __ATOMIC_SEQ_CST));
        NEXT();
    }
    op_AmoxorW:
        AMO_W(old ^ src);
    op_AmoandW:
        AMO_W(old & src);
    op_AmoorW:
        AMO_W(old | src);
    op_AmominW:
        AMO_W(static_cast<i32>(old) < static_cast<i32>(src) ? old : src);
    op_AmomaxW:
        AMO_W(static_cast<i32>(old) > static_cast<i32>(src) ? old : src);
    op_AmominuW:
        AMO_W(old < src ? old : src);
    op_AmomaxuW:
        AMO_W(old > src ? old : src);
    op_AmoswapD : {
        u8* h = atomic_host_pointer(RS1, 8);
        if (!h) goto fault;
        const u64 want = RS2;
        const u64 was = __atomic_exchange_n(reinterpret_cast<u64*>(h), want, __ATOMIC_SEQ_CST);
        if (RVISOR_UNLIKELY(was == want)) note_idle_swap(h);
        RD = was;
        NEXT();
    }
    op_AmoaddD : {
        u8* h = atomic_host_pointer(RS1, 8);
        if (!h) goto fault;
        RD = __atomic_fetch_add(reinterpret_cast<u64*>(h), RS2, __ATOMIC_SEQ_CST);
        NEXT();
    }
    op_AmoxorD:
        AMO_D(old ^ src);
    op_AmoandD:
        AMO_D(old & src);
    op_AmoorD:
        AMO_D(old | src);
    op_AmominD:
        AMO_D(static_cast<i64>(old) < static_cast<i64>(src) ? old : src);
    op_AmomaxD:
        AMO_D(static_cast<i64>(old) > static_cast<i64>(src) ? old : src);
    op_AmominuD:
        AMO_D(old < src ? old : src);
    op_AmomaxuD:
        AMO_D(old > src ? old : src);

    // LR/SC: the reservation is the physical address and the value LR observed; SC succeeds
    // by compare-and-swap against that value, so another hart's intervening store (which
    // changes the value) makes it fail.
    op_LrW : {
        u8* h = atomic_host_pointer(RS1, 4, Access::Read);
        if (!h) goto fault;
        const u32 v = __atomic_load_n(reinterpret_cast<u32*>(h), __ATOMIC_SEQ_CST);
        reservation_ = reinterpret_cast<u64>(h);
        reservation_value_ = v;
        RD = sx32(v);
        NEXT();
    }
    op_LrD : {
        u8* h = atomic_host_pointer(RS1, 8, Access::Read);
        if (!h) goto fault;
        const u64 v = __atomic_load_n(reinterpret_cast<u64*>(h), __ATOMIC_SEQ_CST);
        reservation_ = reinterpret_cast<u64>(h);
        reservation_value_ = v;
        RD = v;
        NEXT();
    }
    op_ScW : {
        u8* h = atomic_host_pointer(RS1, 4);
        if (!h) goto fault;
        bool ok = false;
        if (reservation_ == reinterpret_cast<u64>(h)) {
            u32 expected = static_cast<u32>(reservation_value_);
            ok = __atomic_compare_exchange_n(reinterpret_cast<u32*>(h), &expected,
                                             static_cast<u32>(RS2), false, __ATOMIC_SEQ_CST,
                                             __ATOMIC_SEQ_CST);
        }
        reservation_ = ~0ULL;
        RD = ok ? 0 : 1;
        NEXT();
    }
    op_ScD : {
        u8* h = atomic_host_pointer(RS1, 8);
        if (!h) goto fault;
        bool ok = false;
        if (reservation_ == reinterpret_cast<u64>(h)) {
            u64 expected = reservation_value_;
            ok = __atomic_compare_exchange_n(reinterpret_cast<u64*>(h), &expected, RS2, false,
                                             __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
        }
        reservation_ = ~0ULL;
        RD = ok ? 0 : 1;
        NEXT();
    }

    op_Fence:
        // Zihintpause: PAUSE is FENCE pred=W succ=0 (imm 0x010). Guests execute it in spin
        // loops (Linux's cpu_relax()); giving the host core away lets a descheduled vCPU
        // holding the lock run, which matters when vCPUs outnumber host cores.
        if (RVISOR_UNLIKELY(in->imm == 0x010)) std::this_thread::yield();
        // RVWMO on an x86-64 host (TSO): only ordering earlier stores before later loads
        // (pred has W, succ has R; imm = pred<<4 | succ, bits i o r w) needs a host fence;
        // every other ordering x86 already keeps, so a compiler barrier suffices.
        if ((in->imm & 0x10) && (in->imm & 0x02))
            std::atomic_thread_fence(std::memory_order_seq_cst);
        else
            std::atomic_signal_fence(std::memory_order_seq_cst);
        NEXT();
    op_FenceI:
        // Stores into cached code already invalidated the affected blocks (hart_memory.cpp),
        // this hart's directly and other harts' through the code event log, which FENCE.I
        // drains now rather than at the next event check.
        events_.fetch_and(~kEventCode, std::memory_order_acq_rel);
        process_code_events();
        END_BLOCK_AT(pc + in->len);

    op_Ecall:
        raise(priv_ == PrivMode::Machine      ? Exception::EcallFromM
              : priv_ == PrivMode::Supervisor ? Exception::EcallFromS
                                              : Exception::EcallFromU,
              0);
        goto fault;
    op_Ebreak:
        raise(Exception::Breakpoint, pc);
        goto fault;

        // ---- Zicsr: CSR instructions end their block, since they may change how the hart runs
        // ----
#define CSR_OP(SRC, WRITES, NEWVAL)                                                   \
    do {                                                                              \
        const u64 src = (SRC);                                                        \
        u64 old = 0;                                                                  \
        const bool do_read =                                                          \
            !(in->op == isa::Op::Csrrw || in->op == isa::Op::Csrrwi) || in->rd != 32; \
        pc_ = pc;                                                                     \
        instret_ += in - first; /* counters read by the CSR op are exact */           \
        first = in;                                                                   \
        if (do_read && !csr_read(in->csr, old)) goto illegal;                         \
        const u64 read_value = old;                                                   \
        old = csr_rmw_base(in->csr, old);                                             \
        if (WRITES && !csr_write(in->csr, (NEWVAL))) goto illegal;                    \
        RD = read_value;                                                              \
        END_BLOCK_AT(pc + in->len);                                                   \
    } while (0)
    op_Csrrw:
        CSR_OP(RS1, true, src);
    op_Csrrs:
        CSR_OP(RS1, in->rs1 != 0, old | src);
    op_Csrrc:
        CSR_OP(RS1, in->rs1 != 0, old & ~src);
    op_Csrrwi:
        CSR_OP(in->rs1, true, src);
    op_Csrrsi:
        CSR_OP(in->rs1, in->rs1 != 0, old | src);
    op_Csrrci:
        CSR_OP(in->rs1, in->rs1 != 0, old & ~src);

    op_Mret:
        if (priv_ != PrivMode::Machine) goto illegal;
        instret_ += (in - first) + 1;
        do_mret();
        local_event(kEventInterrupt);  // interrupts may be enabled now
        goto block_done;
    op_Sret:
        // Illegal in U-mode, and in S-mode when mstatus.TSR is set (3.1.6.5).
        if (priv_ == PrivMode::User ||
            (priv_ == PrivMode::Supervisor && (csr_.mstatus & mstatus::kTsr)))
            goto illegal;
        instret_ += (in - first) + 1;
        do_sret();
        local_event(kEventInterrupt);
        goto block_done;
    op_Wfi:
        // Illegal in U-mode, and in S-mode when mstatus.TW is set (3.1.6.5); otherwise the
        // hart parks at the next block boundary until an interrupt is pending.
        if (priv_ == PrivMode::User ||
            (priv_ == PrivMode::Supervisor && (csr_.mstatus & mstatus::kTw)))
            goto illegal;
        in_wfi_ = true;
        next_check = 0;
        END_BLOCK_AT(pc + in->len);
    op_SfenceVma:
        // Illegal in U-mode, and in S-mode when mstatus.TVM is set (3.1.6.5). The TLB is not
        // tagged by ASID, so the ASID forms flush as much as the address forms (4.2.1).
        if (priv_ == PrivMode::User ||
            (priv_ == PrivMode::Supervisor && (csr_.mstatus & mstatus::kTvm)))
            goto illegal;
        if (in->rs1 != 0)
            flush_translation_page(RS1);
        else
            flush_translations();
        END_BLOCK_AT(pc + in->len);

    op_EndOfBlock:
        pc_ = pc;
        instret_ += in - first;
        goto block_done;

        // ---- F and D: handlers in interpreter_fp.inc, arithmetic in fpu.cpp ----
// FP_BEGIN(): the op traps as illegal when mstatus.FS is Off (privileged spec 3.1.6.6).
// FP_RM(var): the effective rounding mode; rm 7 means frm, and an invalid frm is illegal.
// FP_DIRTY(): marks FS Dirty after writing an f register or fflags.
#define FR(n) f_[n]
#define FP_BEGIN()                                            \
    do {                                                      \
        if ((csr_.mstatus & mstatus::kFs) == 0) goto illegal; \
    } while (0)
#define FP_RM(var)                                                      \
    const unsigned var = in->rm == 7 ? ((csr_.fcsr >> 5) & 7) : in->rm; \
    if (var > 4) goto illegal
#define FP_DIRTY() (csr_.mstatus |= mstatus::kFs | mstatus::kSd)
#define FP_FLAGS(flags) (csr_.fcsr |= (flags))
#include "cpu/interpreter_fp.inc"
#undef FR
#undef FP_BEGIN
#undef FP_RM
#undef FP_DIRTY
#undef FP_FLAGS

    op_Illegal:
    illegal:
        raise(Exception::IllegalInsn, in->raw);
    fault:
        // The current instruction did not retire; the trap is taken at its address.
        pc_ = pc;
        instret_ += in - first;
        take_trap();
    block_done:
        if (RVISOR_UNLIKELY(replay != nullptr)) return RunResult::BudgetExhausted;
#undef DISPATCH
#undef NEXT
#undef END_BLOCK_AT
#undef BRANCH
#undef RD
#undef RS1
#undef RS2
#undef LOAD
#undef STORE
#undef AMO_W
#undef AMO_D
#undef CSR_OP
    }
}

}  // namespace rvisor::cpu
