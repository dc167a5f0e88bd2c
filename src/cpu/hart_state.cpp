// Hart::save / Hart::load: the architectural state of one hart for snapshots (the section
// layout is this file; bump kVersion when it changes). Executor caches (TLBs, decoded blocks,
// jump cache) are not state: a loaded hart starts with them empty.
#include "cpu/hart.hpp"

namespace rvisor::cpu {

namespace {
constexpr u32 kVersion = 1;
}

void Hart::save(mem::StateWriter& w) const {
    w.begin("hart", kVersion);
    w.put<u64>(hart_id_);
    w.put<u64>(pc_);
    w.put(priv_);
    for (unsigned i = 1; i < 32; ++i) w.put<u64>(x_[i]);
    for (unsigned i = 0; i < 32; ++i) w.put<u64>(f_[i]);
    w.put<u64>(instret_);
    w.put<bool>(in_wfi_);
    const CsrState& c = csr_;
    for (u64 v :
         {c.mstatus,       c.mtvec,   c.mepc, c.mcause,   c.mtval,         c.mscratch,
          c.medeleg,       c.mideleg, c.mie,  c.mip,      c.mcounteren,    c.menvcfg,
          c.mcountinhibit, c.stvec,   c.sepc, c.scause,   c.stval,         c.sscratch,
          c.scounteren,    c.senvcfg, c.satp, c.stimecmp, c.mcycle_offset, c.minstret_offset})
        w.put<u64>(v);
    w.put<u32>(c.fcsr);
    // PMP as its CSRs: pmpcfg0 and pmpcfg2 hold the 16 entries' bytes (3.7.1).
    w.put<u64>(pmp_.read_cfg(0));
    w.put<u64>(pmp_.read_cfg(2));
    for (unsigned i = 0; i < Pmp::kEntries; ++i) w.put<u64>(pmp_.read_addr(i));
}

void Hart::load(mem::StateReader& r) {
    r.begin("hart", kVersion);
    const u64 id = r.get<u64>();
    if (id != hart_id_) r.mismatch("hart id", id, hart_id_);
    reset(0);
    pc_ = r.get<u64>();
    const auto priv = r.get<PrivMode>();
    if (priv != PrivMode::User && priv != PrivMode::Supervisor && priv != PrivMode::Machine)
        r.fail("hart " + std::to_string(id) + ": invalid privilege mode " +
               std::to_string(static_cast<unsigned>(priv)));
    priv_ = priv;
    for (unsigned i = 1; i < 32; ++i) x_[i] = r.get<u64>();
    for (unsigned i = 0; i < 32; ++i) f_[i] = r.get<u64>();
    instret_ = r.get<u64>();
    in_wfi_ = r.get<bool>();
    CsrState& c = csr_;
    for (u64* v :
         {&c.mstatus,       &c.mtvec,   &c.mepc, &c.mcause,   &c.mtval,         &c.mscratch,
          &c.medeleg,       &c.mideleg, &c.mie,  &c.mip,      &c.mcounteren,    &c.menvcfg,
          &c.mcountinhibit, &c.stvec,   &c.sepc, &c.scause,   &c.stval,         &c.sscratch,
          &c.scounteren,    &c.senvcfg, &c.satp, &c.stimecmp, &c.mcycle_offset, &c.minstret_offset})
        *v = r.get<u64>();
    c.fcsr = r.get<u32>();
    const u64 cfg0 = r.get<u64>();
    const u64 cfg2 = r.get<u64>();
    // Addresses first: a locked entry (set by the cfg writes) ignores later address writes.
    for (unsigned i = 0; i < Pmp::kEntries; ++i) pmp_.write_addr(i, r.get<u64>());
    pmp_.write_cfg(0, cfg0);
    pmp_.write_cfg(2, cfg2);
    reservation_ = ~0ULL;
    flush_translations();
    select_data_tlb();
    // Re-evaluate interrupts at the first block boundary.
    local_event(kEventInterrupt);
}

}  // namespace rvisor::cpu
