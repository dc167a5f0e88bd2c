// PMP CSR storage and checks (privileged spec 1.12, section 3.7).
#include "cpu/pmp.hpp"

namespace rvisor::cpu {

namespace {

constexpr u8 perm_bit(AccessType access) {
    switch (access) {
        case AccessType::Read: return Pmp::kR;
        case AccessType::Write: return Pmp::kW;
        case AccessType::Execute: return Pmp::kX;
    }
    return 0;
}

constexpr Pmp::Match match_of(u8 cfg) {
    return static_cast<Pmp::Match>((cfg & Pmp::kA) >> Pmp::kAShift);
}

}  // namespace

void Pmp::reset() {
    for (unsigned i = 0; i < kEntries; ++i) {
        cfg_[i] = 0;
        addr_[i] = 0;
    }
    update();
    ++generation_;  // a reset always counts as a change, even from the reset state
}

u64 Pmp::read_cfg(unsigned n) const {
    // RV64: pmpcfg0 packs entries 0..7 and pmpcfg2 entries 8..15, one byte each (3.7.1).
    if (!cfg_csr_exists(n) || n * 4 >= kEntries) return 0;
    u64 v = 0;
    for (unsigned j = 0; j < 8; ++j) v |= static_cast<u64>(cfg_[n * 4 + j]) << (8 * j);
    return v;
}

void Pmp::write_cfg(unsigned n, u64 value) {
    if (!cfg_csr_exists(n) || n * 4 >= kEntries) return;  // unimplemented: WARL zero
    for (unsigned j = 0; j < 8; ++j) {
        const unsigned e = n * 4 + j;
        // A locked entry's configuration is frozen until reset (3.7.1.3).
        if (cfg_[e] & kL) continue;
        cfg_[e] = legalize_cfg(static_cast<u8>(value >> (8 * j)));
    }
    update();
}

void Pmp::write_addr(unsigned i, u64 value) {
    if (i >= kEntries) return;  // pmpaddr16..63: WARL zero
    if (cfg_[i] & kL) return;
    // A locked TOR entry also freezes its bottom bound, pmpaddr[i-1] (3.7.1.3).
    if (i + 1 < kEntries && (cfg_[i + 1] & kL) && match_of(cfg_[i + 1]) == Match::Tor) return;
    addr_[i] = value & kAddrMask;
    update();
}

void Pmp::update() {
    Region next[kEntries];
    unsigned count = 0;
    for (unsigned i = 0; i < kEntries; ++i) {
        const u8 cfg = cfg_[i];
        Region r;
        r.perm = cfg & (kR | kW | kX);
        r.locked = (cfg & kL) != 0;
        switch (match_of(cfg)) {
            case Match::Off: continue;
            case Match::Tor:
                // Entry 0 in TOR mode uses 0 as its bottom bound (3.7.1.4).
                r.lo = i == 0 ? 0 : addr_[i - 1] << 2;
                r.hi = addr_[i] << 2;
                break;
            case Match::Na4:
                r.lo = addr_[i] << 2;
                r.hi = r.lo + 4;
                break;
            case Match::Napot: {
                // pmpaddr = base/4 with its low bits set to 0 followed by t ones: a region of
                // 2^(t+3) bytes (table 3.10). t = 54 (all ones) covers the whole space.
                const u64 a = addr_[i];
                const unsigned t = static_cast<unsigned>(__builtin_ctzll(~a));
                const u64 size = 1ULL << (t + 3);
                r.lo = (a << 2) & ~(size - 1);
                r.hi = r.lo + size;
                break;
            }
        }
        // An empty TOR range (pmpaddr[i-1] >= pmpaddr[i]) matches no address: it can neither
        // decide nor shadow anything, so leaving it out of the list changes no result.
        if (r.lo >= r.hi) continue;
        next[count++] = r;
    }
    bool same = count == active_count_;
    for (unsigned k = 0; same && k < count; ++k) same = next[k] == active_[k];
    if (same) return;
    for (unsigned k = 0; k < count; ++k) active_[k] = next[k];
    active_count_ = count;
    ++generation_;
}

bool Pmp::check(u64 pa, unsigned size, AccessType access, PrivMode priv) const {
    const bool machine = priv == PrivMode::Machine;
    if (RVISOR_LIKELY(active_count_ == 0)) return machine;
    // Inclusive last byte; an access wrapping past 2^64 is clamped (it then cannot lie wholly
    // inside any entry, all of which end at or below 2^57).
    u64 last = pa + (size ? size - 1 : 0);
    if (last < pa) last = ~0ULL;
    for (unsigned k = 0; k < active_count_; ++k) {
        const Region& r = active_[k];
        if (pa >= r.hi || last < r.lo) continue;
        // The lowest-numbered entry matching any byte decides; a partial match fails
        // irrespective of L/R/W/X (3.7.1.5).
        if (pa < r.lo || last >= r.hi) return false;
        if (machine && !r.locked) return true;
        return (r.perm & perm_bit(access)) != 0;
    }
    return machine;
}

u8 Pmp::page_permissions(u64 page_pa, PrivMode priv) const {
    const bool machine = priv == PrivMode::Machine;
    if (RVISOR_LIKELY(active_count_ == 0)) return machine ? kPermAll : 0;
    const u64 lo = page_pa & ~0xfffULL;
    const u64 last = lo + 0xfff;
    for (unsigned k = 0; k < active_count_; ++k) {
        const Region& r = active_[k];
        if (lo >= r.hi || last < r.lo) continue;
        // The lowest entry touching the page: if it covers the whole page, it is the deciding
        // entry for every access within the page (no lower entry touches the page at all).
        if (lo < r.lo || last >= r.hi) return 0;
        if (machine && !r.locked) return kPermAll;
        return r.perm;
    }
    return machine ? kPermAll : 0;
}

}  // namespace rvisor::cpu
