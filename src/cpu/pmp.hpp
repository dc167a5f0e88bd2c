// Physical memory protection (privileged spec 1.12, section 3.7): 16 entries, granularity
// G = 0 (4 bytes), pmpcfg/pmpaddr CSR storage with its WARL rules, and the access check.
//
// The check is a pure function of the stored CSRs, but it runs on every soft-TLB miss, so
// writes precompute a summary: the active (A != OFF) entries in priority order as byte ranges.
// A hart with PMP unused (no active entry) decides with one compare.
#pragma once

#include "base/types.hpp"
#include "cpu/trap.hpp"

namespace rvisor::cpu {

class Pmp {
  public:
    // Implemented entries (pmp0..15). The spec allows 0, 16 or 64; with 16, pmpcfg4..14 and
    // pmpaddr16..63 exist but are read-only zero.
    static constexpr unsigned kEntries = 16;
    // Number of pmpcfg and pmpaddr CSRs the spec defines (3.7.1).
    static constexpr unsigned kCfgCsrs = 16;
    static constexpr unsigned kAddrCsrs = 64;
    // Granularity G: regions are multiples of 2^(G+2) bytes. G = 0 means 4-byte regions and
    // NA4 is selectable; pmpaddr reads back exactly what was written (no G-dependent masking).
    static constexpr unsigned kGranularity = 0;

    // pmpcfg byte fields (3.7.1, figure 3.29). Bits 6:5 are reserved and read as zero.
    static constexpr u8 kR = 1u << 0, kW = 1u << 1, kX = 1u << 2;
    static constexpr unsigned kAShift = 3;
    static constexpr u8 kA = 3u << kAShift, kL = 1u << 7;
    enum class Match : u8 { Off = 0, Tor = 1, Na4 = 2, Napot = 3 };

    // pmpaddr holds physical address bits 55:2 (RV64): 54 bits, upper bits read zero.
    static constexpr u64 kAddrMask = (1ULL << 54) - 1;

    // Permission bits returned by page_permissions(): the same positions as pmpcfg's R/W/X.
    static constexpr u8 kPermRead = kR, kPermWrite = kW, kPermExec = kX;
    static constexpr u8 kPermAll = kR | kW | kX;

    Pmp() { reset(); }

    // On RV64 only even pmpcfg numbers exist (3.7.1): an access to pmpcfg1/3/.../15 is an
    // illegal instruction, which the caller raises.
    static constexpr bool cfg_csr_exists(unsigned n) { return n < kCfgCsrs && (n & 1) == 0; }

    // pmpcfg<n> for an existing n (see cfg_csr_exists); pmpcfg0 holds entries 0..7, pmpcfg2
    // entries 8..15, pmpcfg4..14 read zero and ignore writes. A write leaves each locked
    // entry's byte alone and legalizes the others (see legalize_cfg).
    u64 read_cfg(unsigned n) const;
    void write_cfg(unsigned n, u64 value);

    // pmpaddr<i>, i < 64. pmpaddr16..63 read zero and ignore writes. A write is ignored when
    // entry i is locked, or when entry i+1 is locked and in TOR mode (3.7.1.3).
    u64 read_addr(unsigned i) const { return i < kEntries ? addr_[i] : 0; }
    void write_addr(unsigned i, u64 value);

    // The raw pmpcfg byte of entry i (for debuggers and tests).
    u8 entry_cfg(unsigned i) const { return i < kEntries ? cfg_[i] : 0; }

    // WARL legalization of one pmpcfg byte: reserved bits 6:5 cleared, and the reserved
    // combination R=0 W=1 mapped to R=0 W=0 (W is dropped, X/A/L are kept).
    static constexpr u8 legalize_cfg(u8 b) {
        b &= static_cast<u8>(kR | kW | kX | kA | kL);
        if ((b & (kR | kW)) == kW) b &= static_cast<u8>(~kW);
        return b;
    }

    // Whether an access of `size` bytes (>= 1) at physical address pa with effective privilege
    // priv passes PMP (3.7.1.5): the lowest-numbered entry matching any byte decides; it must
    // match every byte, else the access fails whatever its permissions. M-mode is held to an
    // entry's R/W/X only when the entry is locked. No matching entry: M succeeds, S/U fail.
    bool check(u64 pa, unsigned size, AccessType access, PrivMode priv) const;

    // R/W/X (kPermRead/kPermWrite/kPermExec) that hold for every access lying within the 4 KiB
    // page at page_pa with privilege priv, so the caller may cache the page in its TLB for
    // those access types. A page that an entry's boundary splits gets 0: an access straddling
    // the boundary could partially match, so the caller must check() each access.
    u8 page_permissions(u64 page_pa, PrivMode priv) const;

    // True when some entry is active (A != OFF).
    bool any_active() const { return active_count_ != 0; }

    // Counts changes of the effective protection (the active ranges, permissions and locks);
    // the hart flushes its soft TLB when it differs from the value it last saw.
    u64 generation() const { return generation_; }

    // Power-on state (3.7.1): every entry OFF and unlocked; pmpaddr (unspecified at reset)
    // set to zero.
    void reset();

  private:
    // An active entry as the byte range [lo, hi) it matches; hi may be 2^57 for a NAPOT
    // entry covering the whole 56-bit physical space. lo >= hi matches nothing (empty TOR).
    struct Region {
        u64 lo = 0, hi = 0;
        u8 perm = 0;  // pmpcfg R/W/X
        bool locked = false;
        bool operator==(const Region&) const = default;
    };

    // Recomputes the active regions from cfg_/addr_, bumping generation_ if they changed.
    void update();

    u8 cfg_[kEntries] = {};
    u64 addr_[kEntries] = {};
    // Active entries, lowest-numbered (highest priority) first.
    Region active_[kEntries] = {};
    unsigned active_count_ = 0;
    u64 generation_ = 0;
};

}  // namespace rvisor::cpu
