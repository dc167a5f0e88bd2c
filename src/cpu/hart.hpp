// One RISC-V hart: architectural state plus the executor's caches (software TLB, decoded
// blocks). The hot loop lives in interpreter.cpp; memory slow paths in hart_memory.cpp; CSRs
// and traps in csr.cpp and trap.cpp.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstring>
#include <functional>

#include "base/types.hpp"
#include "cpu/block_cache.hpp"
#include "cpu/csr.hpp"
#include "cpu/soft_tlb.hpp"
#include "cpu/trap.hpp"
#include "isa/decoder.hpp"
#include "mem/bus.hpp"

namespace rvisor::cpu {

// Why Hart::run returned.
enum class RunResult : u8 {
    BudgetExhausted,      // executed the requested number of instructions (or slightly more)
    StopRequested,        // request_stop() was called (device, timer thread, another hart)
    WaitingForInterrupt,  // WFI with nothing pending and nothing that can wake it
};

class Hart {
  public:
    Hart(mem::Bus& bus, u64 hart_id);
    Hart(const Hart&) = delete;
    Hart& operator=(const Hart&) = delete;

    // Power-on state: M-mode, pc = reset_pc, registers zero.
    void reset(u64 reset_pc);

    // Executes until about `max_instructions` more have retired, a stop is requested, or the
    // hart waits for an interrupt that cannot come. Never throws.
    RunResult run(u64 max_instructions);

    // Thread-safe: makes run() return at the next block boundary.
    void request_stop() { events_.fetch_or(kEventStop, std::memory_order_release); }

    // Architectural state, for loaders, tests and debuggers.
    u64 pc() const { return pc_; }
    void set_pc(u64 pc) { pc_ = pc; }
    u64 x(unsigned n) const { return n == 0 ? 0 : x_[n]; }
    u64 f(unsigned n) const { return f_[n & 31]; }
    void set_f(unsigned n, u64 v) { f_[n & 31] = v; }
    void set_x(unsigned n, u64 v) {
        if (n != 0 && n < 32) x_[n] = v;
    }
    u64 hart_id() const { return hart_id_; }
    PrivMode priv() const { return priv_; }
    u64 instret() const { return instret_; }
    const CsrState& csrs() const { return csr_; }

    // CSR access as an instruction would do it from the current privilege mode; false means
    // illegal instruction. Public for tests and debuggers.
    bool csr_read(u16 number, u64& value);
    bool csr_write(u16 number, u64 value);

    // Called by a store that hits a watched page (kPageWatched), after the store is done.
    // The machine uses it for the HTIF tohost word.
    std::function<void(u64 paddr)> on_watched_store;

  private:
    friend class Interpreter;

    static constexpr u32 kEventStop = 1u << 0;
    // The least-privileged mode this hart implements (MPP's reset and MRET value).
    static constexpr PrivMode kLowestMode = PrivMode::Machine;

    // ---- memory, fast paths inline (hot loop), slow paths in hart_memory.cpp ----
    template <typename T>
    bool load(u64 va, T& out) {
        const TlbEntry& e = tlb_.read[SoftTlb::index(va)];
        if (RVISOR_LIKELY(e.tag == SoftTlb::tag_of(va, sizeof(T)))) {
            std::memcpy(&out, reinterpret_cast<const void*>(e.addend + va), sizeof(T));
            return true;
        }
        u64 v;
        if (!load_slow(va, sizeof(T), v)) return false;
        out = static_cast<T>(v);
        return true;
    }
    template <typename T>
    bool store(u64 va, T value) {
        const TlbEntry& e = tlb_.write[SoftTlb::index(va)];
        if (RVISOR_LIKELY(e.tag == SoftTlb::tag_of(va, sizeof(T)))) {
            std::memcpy(reinterpret_cast<void*>(e.addend + va), &value, sizeof(T));
            return true;
        }
        return store_slow(va, sizeof(T), static_cast<u64>(value));
    }
    bool load_slow(u64 va, unsigned size, u64& out);
    bool store_slow(u64 va, unsigned size, u64 value);
    // Translates a virtual address for an access; false sets pending_.
    using Access = AccessType;
    // Host pointer for an aligned atomic access of `size` bytes to RAM, or nullptr with
    // pending_ set (misaligned, fault, or not RAM). Access::Read for LR, Write otherwise.
    u8* atomic_host_pointer(u64 va, unsigned size, Access access = Access::Write);
    bool translate(u64 va, Access access, u64& pa);
    void note_code_write(u64 pa);

    // ---- blocks ----
    // Finds or decodes the block at pc_; nullptr with pending_ set on a fetch fault.
    Block* fetch_block();
    Block* decode_block(u64 vpc, u64 ppc);
    Block* decode_straddling(u64 vpc);

    // ---- traps ----
    void raise(Exception cause, u64 tval) { pending_ = {cause, tval}; }
    // Takes pending_ as a trap at pc_ (the faulting instruction's address).
    void take_trap();
    void do_mret();

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

    // LR/SC reservation (physical address, or ~0 when none) and the value LR saw.
    u64 reservation_ = ~0ULL;
    u64 reservation_value_ = 0;

    std::atomic<u32> events_{0};

    mem::Bus& bus_;
    mem::GuestRam& ram_;
    u64 hart_id_;
    SoftTlb tlb_;
    BlockCache blocks_;
    Block scratch_block_;  // holds an uncached page-straddling instruction
};

}  // namespace rvisor::cpu
