// Lock-step checking of compiled code (`rvisor exec|run --engine jit --check`): each compiled
// block runs as host code, then its effects are rolled back and the interpreter (the
// reference engine) runs the same instructions from the same state; registers, pc, instret,
// trap state and the bytes the host code stored must agree.
//
// Limits: a block whose host code touched a device (or the watched HTIF word) is not
// replayed, since device accesses have side effects; the check compares the bytes the host
// code wrote, so a store the interpreter makes and the host code omits goes unnoticed unless
// it changes a register. With several harts, another hart may observe the rolled-back bytes.
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "cpu/hart.hpp"
#include "isa/disassembler.hpp"

namespace rvisor::cpu {

namespace {

struct Snapshot {
    u64 x[32];
    u64 pc, instret;
    CsrState csr;
    PrivMode priv;
    u64 reservation;
};

}  // namespace

bool Hart::store_logged(u64 va, unsigned size, u64 value) {
    if ((va & 0xfff) + size > 0x1000) {
        // Across pages: both translations first (no partial store on a fault), then bytes.
        u64 pa;
        if (!translate(va, Access::Write, pa) || !translate(va + size - 1, Access::Write, pa))
            return false;
        for (unsigned i = 0; i < size; ++i)
            if (!store_logged(va + i, 1, (value >> (8 * i)) & 0xff)) return false;
        return true;
    }
    u64 pa;
    if (!translate(va, Access::Write, pa)) return false;
    if (!ram_.contains(pa, size)) return store_slow(va, size, value);
    u8* host = ram_.host(pa);
    u64 old = 0;
    std::memcpy(&old, host, size);
    if (!store_slow(va, size, value)) return false;
    store_log_.push_back({host, size, old, value});
    return true;
}

HostExit Hart::run_checked(Block& b) {
    const auto capture = [this] {
        Snapshot s;
        std::memcpy(s.x, x_, sizeof s.x);
        s.pc = pc_;
        s.instret = instret_;
        s.csr = csr_;
        s.priv = priv_;
        s.reservation = reservation_;
        return s;
    };
    const Snapshot s0 = capture();
    const auto history = trap_history_;
    const u64 trap_count = trap_count_;
    const u64 devices_before = device_accesses_;
    store_log_.clear();

    HostExit r = compiler_->enter(x_, *this, b.host_code);
    if (device_accesses_ != devices_before) {
        store_log_.clear();
        return r;  // not replayable; the dispatcher takes a pending trap
    }
    if (r == HostExit::Trap) {
        take_trap();
        r = HostExit::Done;
    }
    const Snapshot jit = capture();
    const std::vector<LoggedStore> log = std::move(store_log_);
    store_log_.clear();

    // Roll back: memory in reverse order, then the hart.
    for (auto it = log.rbegin(); it != log.rend(); ++it)
        std::memcpy(it->host, &it->old_value, it->size);
    std::memcpy(x_, s0.x, sizeof s0.x);
    pc_ = s0.pc;
    instret_ = s0.instret;
    csr_ = s0.csr;
    priv_ = s0.priv;
    reservation_ = s0.reservation;
    trap_history_ = history;
    trap_count_ = trap_count;
    select_data_tlb();

    // The interpreter runs the compiled prefix, ending where the host code ended.
    Block replay;
    replay.ppc = b.ppc;
    replay.insns.assign(b.insns.begin(), b.insns.begin() + b.host_insns);
    isa::DecodedInsn end;
    end.op = static_cast<isa::Op>(ExecOp::EndOfBlock);
    end.len = 0;
    replay.insns.push_back(end);
    replay_block_ = &replay;
    run(0);
    replay_block_ = nullptr;
    const Snapshot ref = capture();

    std::string diffs;
    char line[160];
    const auto diff = [&](const char* what, u64 j, u64 i) {
        if (j == i) return;
        std::snprintf(line, sizeof line, "  %-8s jit 0x%016llx  interpreter 0x%016llx\n", what,
                      static_cast<unsigned long long>(j), static_cast<unsigned long long>(i));
        diffs += line;
    };
    for (unsigned n = 1; n < 32; ++n)
        diff(std::string(isa::int_reg_name(n)).c_str(), jit.x[n], ref.x[n]);
    diff("pc", jit.pc, ref.pc);
    diff("instret", jit.instret, ref.instret);
    diff("priv", static_cast<u64>(jit.priv), static_cast<u64>(ref.priv));
    diff("mstatus", jit.csr.mstatus, ref.csr.mstatus);
    diff("mepc", jit.csr.mepc, ref.csr.mepc);
    diff("mcause", jit.csr.mcause, ref.csr.mcause);
    diff("mtval", jit.csr.mtval, ref.csr.mtval);
    diff("sepc", jit.csr.sepc, ref.csr.sepc);
    diff("scause", jit.csr.scause, ref.csr.scause);
    diff("stval", jit.csr.stval, ref.csr.stval);
    // Memory: every byte the host code stored must hold the same value now.
    std::map<u8*, u8> expected;
    for (const LoggedStore& e : log)
        for (unsigned i = 0; i < e.size; ++i)
            expected[e.host + i] = static_cast<u8>(e.new_value >> (8 * i));
    for (const auto& [host, byte] : expected) {
        if (*host == byte) continue;
        std::snprintf(line, sizeof line, "  memory at host %p: jit 0x%02x interpreter 0x%02x\n",
                      static_cast<void*>(host), byte, *host);
        diffs += line;
    }
    if (diffs.empty()) return r;

    std::fprintf(stderr,
                 "rvisor: jit check failed on hart %llu in the block at pc 0x%llx (physical "
                 "0x%llx), %u compiled instructions:\n",
                 static_cast<unsigned long long>(hart_id_), static_cast<unsigned long long>(s0.pc),
                 static_cast<unsigned long long>(b.ppc), static_cast<unsigned>(b.host_insns));
    u64 pc = s0.pc;
    for (unsigned i = 0; i < b.host_insns; ++i) {
        isa::DecodedInsn insn = b.insns[i];
        if (insn.rd == 32) insn.rd = 0;
        std::fprintf(stderr, "  0x%llx: %s\n", static_cast<unsigned long long>(pc),
                     isa::disassemble(insn, pc).c_str());
        pc += insn.len;
    }
    std::fprintf(stderr, "differences after the block:\n%s", diffs.c_str());
    std::fflush(stderr);
    std::_Exit(kCheckFailedExit);
}

}  // namespace rvisor::cpu
