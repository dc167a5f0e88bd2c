// One RISC-V hart: architectural state plus the executor's caches (software TLB, decoded
// blocks). The hot loop lives in interpreter.cpp; memory slow paths in hart_memory.cpp; CSRs
// and traps in csr.cpp and trap.cpp.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "base/types.hpp"
#include "cpu/block_cache.hpp"
#include "cpu/csr.hpp"
#include "cpu/mmu.hpp"
#include "cpu/pmp.hpp"
#include "cpu/soft_tlb.hpp"
#include "cpu/trap.hpp"
#include "cpu/victim_tlb.hpp"
#include "isa/decoder.hpp"
#include "mem/bus.hpp"
#include "mem/state_io.hpp"

namespace rvisor::cpu {

// Why Hart::run returned.
enum class RunResult : u8 {
    BudgetExhausted,      // executed the requested number of instructions (or slightly more)
    StopRequested,        // request_stop() was called (device, timer thread, another hart)
    WaitingForInterrupt,  // parked in WFI for the longest allowed park; call run() again
};

// mip/mie bit masks (privileged spec 3.1.9).
namespace irq {
inline constexpr u64 kSsip = 1ULL << 1, kMsip = 1ULL << 3, kStip = 1ULL << 5;
inline constexpr u64 kMtip = 1ULL << 7, kSeip = 1ULL << 9, kMeip = 1ULL << 11;
inline constexpr u64 kAll = kSsip | kMsip | kStip | kMtip | kSeip | kMeip;
inline constexpr u64 kSupervisor = kSsip | kStip | kSeip;
}  // namespace irq

class Hart {
  public:
    Hart(mem::Bus& bus, u64 hart_id);
    ~Hart();
    Hart(const Hart&) = delete;
    Hart& operator=(const Hart&) = delete;

    // Power-on state: M-mode, pc = reset_pc, registers zero.
    void reset(u64 reset_pc);

    // Executes until about `max_instructions` more have retired, a stop is requested, or the
    // hart has been parked in WFI for `max_park` without an interrupt. Never throws.
    RunResult run(u64 max_instructions);

    // ---- thread-safe controls, for devices and other harts ----
    // Makes run() return at the next block boundary (or out of WFI).
    void request_stop() { post_event(kEventStop); }
    // Drives an interrupt line into mip: irq::kMsip (CLINT), irq::kMeip / irq::kSeip (PLIC).
    void set_interrupt_line(u64 mask, bool level);
    // The CLINT's mtimecmp for this hart: MTIP is pending while time >= mtimecmp.
    void set_mtimecmp(u64 value);
    // The 10 MHz time base shared with the CLINT (the `time` CSR, timer comparisons).
    // Defaults to the host's monotonic clock. A plain function and its context (not a
    // std::function): the guest reads `time` and the timer checks read it on the hot path.
    using TimeSource = u64 (*)(const void* context);
    void set_time_source(TimeSource source, const void* context) {
        time_source_ = source;
        time_context_ = context;
    }
    u64 time() const { return time_source_(time_context_); }
    // How often a polling swap gave up the host CPU (see note_idle_swap).
    u64 idle_swap_yields() const { return idle_swap_yields_; }

    // Architectural state, for loaders, tests and debuggers.
    u64 pc() const { return pc_; }
    void set_pc(u64 pc) { pc_ = pc; }
    u64 x(unsigned n) const { return n == 0 ? 0 : x_[n]; }
    void set_x(unsigned n, u64 v) {
        if (n != 0 && n < 32) x_[n] = v;
    }
    u64 f(unsigned n) const { return f_[n & 31]; }
    void set_f(unsigned n, u64 v) { f_[n & 31] = v; }
    u64 hart_id() const { return hart_id_; }
    PrivMode priv() const { return priv_; }
    u64 instret() const { return instret_; }
    const CsrState& csrs() const { return csr_; }
    // mip as software reads it: written bits plus the live interrupt lines and timers.
    u64 mip() const;

    // Snapshots (hart_state.cpp): every architectural register, CSR, PMP entry and counter,
    // and whether the hart sits in WFI. The LR reservation is not kept (a restored SC fails,
    // which software must handle anyway). Call only while the hart's thread is not in run().
    // mtimecmp and the interrupt lines are the CLINT's and PLIC's state: they drive them again
    // when loaded. load() throws std::runtime_error on a malformed or mismatching section.
    void save(mem::StateWriter& w) const;
    void load(mem::StateReader& r);

    // The most recent traps, for status reports and debugging hangs (oldest first).
    struct TrapRecord {
        u64 cause;  // with the interrupt bit
        u64 epc;
        u64 tval;
        PrivMode from;
    };
    std::vector<TrapRecord> recent_traps() const;

    // CSR access as an instruction would do it from the current privilege mode; false means
    // illegal instruction. Public for tests and debuggers.
    bool csr_read(u16 number, u64& value);
    bool csr_write(u16 number, u64 value);
    // The value CSRRS/CSRRC modify: what was read, except that for mip/sip the external
    // SEIP signal is left out, only the software-writable SEIP bit counts (priv spec 3.1.9).
    u64 csr_rmw_base(u16 number, u64 read_value) const {
        if (number == csr::kMip || number == csr::kSip)
            return (read_value & ~irq::kSeip) | (csr_.mip & irq::kSeip);
        return read_value;
    }

    // Called by a store that hits a watched page (kPageWatched), after the store is done.
    // The machine uses it for the HTIF tohost word.
    std::function<void(u64 paddr)> on_watched_store;

    // Longest time WFI parks inside run() before returning WaitingForInterrupt, so callers
    // can enforce their own limits.
    std::chrono::milliseconds max_park{50};

    // ---- compiled code (src/jit through cpu/block_compiler.hpp) ----
    // Blocks run this many times in the interpreter before they are compiled (by default;
    // tests use 1 to compile every block on its first run).
    static constexpr u32 kHotThreshold = 16;
    // Installs the compiler for hot blocks (null: interpreter only). Call before run(); the
    // compiler must outlive the hart's use of it (reset() or destruction).
    void set_block_compiler(BlockCompiler* compiler, u32 hot_threshold = kHotThreshold);
    // Lock-step checking: every compiled block also runs in the interpreter from the same
    // state; a difference in registers, pc, instret, trap state or memory written is
    // reported on stderr (block address, disassembly, differences) and the process exits
    // with kCheckFailedExit.
    void set_lockstep_check(bool on) { check_ = on; }
    static constexpr int kCheckFailedExit = 99;
    // Where compiled code finds the hart's state: byte offsets from the x register array.
    // itlb: the fetch SoftTlb pointer; jump_cache: BlockCache's jump table; link_page: the
    // guest-physical page of the block whose exit set link_site (chained blocks may cross
    // pages, so it is not always the page of the block the loop entered).
    struct JitLayout {
        i32 pc, instret, next_check, events, dtlb, link_site, itlb, jump_cache, link_page;
    };
    JitLayout jit_layout() const;
    // Slow paths compiled code calls when the inline TLB check misses. false: pending trap.
    bool jit_load_slow(u64 va, unsigned size, u64& out) { return load_slow(va, size, out); }
    bool jit_store_slow(u64 va, unsigned size, u64 value) {
        return check_ ? store_logged(va, size, value) : store_slow(va, size, value);
    }

  private:
    static constexpr u32 kEventStop = 1u << 0;
    static constexpr u32 kEventInterrupt = 1u << 1;  // re-evaluate pending interrupts
    static constexpr u32 kEventCode = 1u << 2;       // another hart published a code event
    // The least-privileged mode this hart implements (MPP's reset and MRET value).
    static constexpr PrivMode kLowestMode = PrivMode::User;
    // Timers are compared against the clock every this many instructions (and in WFI).
    static constexpr u64 kTimerCheckInterval = 4096;

    // Sets an event flag from another thread and wakes the hart if it is parked.
    void post_event(u32 event);
    // Sets an event flag from this hart's own thread (it cannot be parked).
    void local_event(u32 event) { events_.fetch_or(event, std::memory_order_relaxed); }

    // ---- memory, fast paths inline (hot loop), slow paths in hart_memory.cpp ----
    template <typename T>
    bool load(u64 va, T& out) {
        const TlbEntry& e = dtlb_->read[SoftTlb::index(va)];
        if (RVISOR_LIKELY(e.tag == SoftTlb::tag_of(va, sizeof(T)))) {
            // Hits are naturally aligned: a relaxed atomic access is a plain mov on x86-64
            // and makes racing guest accesses from other harts well-defined.
            out = __atomic_load_n(reinterpret_cast<const T*>(e.addend + va), __ATOMIC_RELAXED);
            return true;
        }
        u64 v;
        if (!load_slow(va, sizeof(T), v)) return false;
        out = static_cast<T>(v);
        return true;
    }
    template <typename T>
    bool store(u64 va, T value) {
        const TlbEntry& e = dtlb_->write[SoftTlb::index(va)];
        if (RVISOR_LIKELY(e.tag == SoftTlb::tag_of(va, sizeof(T)))) {
            __atomic_store_n(reinterpret_cast<T*>(e.addend + va), value, __ATOMIC_RELAXED);
            return true;
        }
        return store_slow(va, sizeof(T), static_cast<u64>(value));
    }
    bool load_slow(u64 va, unsigned size, u64& out);
    // A store that records the old bytes first (lock-step checking, lockstep.cpp).
    bool store_logged(u64 va, unsigned size, u64 value);
    bool store_slow(u64 va, unsigned size, u64 value);
    // Translates a virtual address for an access; false sets pending_.
    using Access = AccessType;
    // Host pointer for an aligned atomic access of `size` bytes to RAM, or nullptr with
    // pending_ set (misaligned, fault, or not RAM). Access::Read for LR, Write otherwise.
    u8* atomic_host_pointer(u64 va, unsigned size, Access access = Access::Write);
    // `cacheable` (optional) tells whether the whole page may be cached in the TLB for it.
    bool translate(u64 va, Access access, u64& pa, bool* cacheable = nullptr);
    void note_code_write(u64 pa);
    // Applies other harts' code events (CodeEventLog): drops blocks of written pages and
    // write-TLB entries of newly marked ones.
    void process_code_events();

    // ---- blocks ----
    // Finds or decodes the block at pc_; nullptr with pending_ set on a fetch fault.
    Block* fetch_block();
    Block* decode_block(u64 ppc);
    Block* decode_straddling(u64 vpc);

    // ---- compiled code (interpreter.cpp, lockstep.cpp) ----
    // Runs the block's host code; in check mode also replays it in the interpreter.
    HostExit run_host(Block& b);
    HostExit run_checked(Block& b);

    // ---- traps and interrupts (trap.cpp) ----
    void raise(Exception cause, u64 tval) { pending_ = {cause, tval}; }
    // Takes pending_ as a trap at pc_ (the faulting instruction's address).
    void take_trap() { enter_trap(static_cast<u64>(pending_.cause), false, pending_.tval); }
    void enter_trap(u64 cause, bool interrupt, u64 tval);
    // Takes the highest-priority pending and enabled interrupt, if any (spec 3.1.9).
    bool take_interrupt();
    // Parks until an interrupt is pending and enabled in mie (WFI), a stop, or max_park.
    // Returns false when it gave up after max_park.
    bool wait_for_interrupt();
    void do_mret();
    void do_sret();

    // mstatus write with its WARL rules and side effects (also behind sstatus writes).
    void write_mstatus(u64 value);

    // ---- privilege and translation context ----
    // Privilege for loads and stores: MPP when mstatus.MPRV is set in M-mode (3.1.6.3).
    PrivMode data_priv() const;
    // Picks the data TLB for the current data privilege and SUM, and the fetch TLB for
    // priv_; call after any change of priv_, MPRV, MPP or SUM.
    void select_data_tlb();
    // SFENCE.VMA with an address: drops that page's translations from every set.
    void flush_translation_page(u64 va) {
        // The TLB holds superpages as 4 KiB pieces: an address inside a cached superpage
        // must drop every piece of it (the leaf entry it names covers them all, 4.2.1).
        if (superpage_overflow_) {
            flush_translations();
            return;
        }
        for (unsigned i = 0; i < superpage_count_; ++i) {
            if (((va ^ superpages_[i].base) & ~superpages_[i].offset_mask) == 0) {
                flush_translations();
                return;
            }
        }
        for (SoftTlb& t : tlbs_) t.flush_page(va);
        user_victim_.flush_page(va);
    }
    // Drops every cached translation: satp/MXR/PMP change, SFENCE.VMA.
    void flush_translations();

    // ---- state ----
    // x_[32] is a sink: decoded instructions whose integer destination is x0 write there.
    u64 x_[33] = {};
    u64 pc_ = 0;
    // FP registers as raw bits; singles are NaN-boxed (upper 32 bits all ones).
    u64 f_[32] = {};
    PrivMode priv_ = PrivMode::Machine;
    u64 instret_ = 0;
    CsrState csr_;
    PendingTrap pending_{Exception::IllegalInsn, 0};
    static constexpr unsigned kTrapHistory = 16;
    std::array<TrapRecord, kTrapHistory> trap_history_{};
    u64 trap_count_ = 0;
    bool in_wfi_ = false;

    // Interrupt inputs written by other threads: lines (MSIP, MEIP, SEIP) and mtimecmp.
    std::atomic<u64> irq_lines_{0};
    std::atomic<u64> mtimecmp_{~0ULL};
    TimeSource time_source_;
    const void* time_context_ = nullptr;
    std::mutex park_mutex_;
    std::condition_variable park_cv_;

    // LR/SC reservation (physical address, or ~0 when none) and the value LR saw.
    u64 reservation_ = ~0ULL;
    u64 reservation_value_ = 0;

    // A swap that leaves memory as it was, again and again on one word, is a hart polling a
    // flag another hart must set (OpenSBI's remote-fence wait swaps 0 into its sync word
    // without PAUSE). With more vCPUs than host cores that hart may be waiting for one that
    // is not running: after kIdleSwaps such swaps on one word, give up the host CPU.
    void note_idle_swap(const u8* word) {
        if (word != idle_swap_word_) {
            idle_swap_word_ = word;
            idle_swaps_ = 0;
        } else if (++idle_swaps_ >= kIdleSwaps) {
            idle_swaps_ = 0;
            ++idle_swap_yields_;
            std::this_thread::yield();
        }
    }
    static constexpr u32 kIdleSwaps = 64;
    const u8* idle_swap_word_ = nullptr;
    u32 idle_swaps_ = 0;
    u64 idle_swap_yields_ = 0;
    std::vector<isa::DecodedInsn> decode_buffer_;  // decode_block's scratch

    std::atomic<u32> events_{0};
    u64 code_events_seen_ = 0;

    mem::Bus& bus_;
    mem::GuestRam& ram_;
    u64 hart_id_;
    // Data TLBs per translation context: U, S with SUM=0, S with SUM=1, M (bare or MPRV).
    SoftTlb tlbs_[4];
    // Behind tlbs_[0].read: user-mode load translations beyond the first level's reach.
    VictimTlb user_victim_;
    Pmp pmp_;
    SoftTlb* dtlb_ = &tlbs_[3];
    // The fetch side uses the exec entries of the set for priv_ (SUM does not affect
    // fetches). A jump-cache hit is only trusted while its page's exec entry is present, so
    // SFENCE.VMA of one page needs to drop only TLB entries.
    SoftTlb* itlb_ = &tlbs_[3];
    // Superpages translated since the last full flush (pieces of them may be cached), so
    // SFENCE.VMA of an address outside them can drop just that page. Beyond kSuperpages of
    // them, every SFENCE.VMA flushes everything until the next full flush.
    struct Superpage {
        u64 base;         // virtual address with the offset bits cleared
        u64 offset_mask;  // size - 1
    };
    static constexpr unsigned kSuperpages = 16;
    std::array<Superpage, kSuperpages> superpages_{};
    unsigned superpage_count_ = 0;
    bool superpage_overflow_ = false;
    void note_superpage(u64 va, unsigned level);
    BlockCache blocks_;
    Block scratch_block_;  // holds an uncached page-straddling instruction

    // Compiled code. jit_next_check_ is the interpreter's next event check in instret, for
    // chained blocks; jit_link_site_ the exit the host code last left through, if linkable.
    BlockCompiler* compiler_ = nullptr;
    u32 hot_threshold_ = kHotThreshold;
    u64 jit_next_check_ = 0;
    void* jit_link_site_ = nullptr;
    u64 jit_link_page_ = 0;
    bool check_ = false;
    // Lock-step checking: the block the interpreter replays (run() then runs just that),
    // stores logged while host code runs, and device accesses (which cannot be replayed).
    Block* replay_block_ = nullptr;
    struct LoggedStore {
        u8* host;
        unsigned size;
        u64 old_value, new_value;
    };
    std::vector<LoggedStore> store_log_;
    u64 device_accesses_ = 0;
};

}  // namespace rvisor::cpu
