// Page-based virtual memory (privileged spec 1.12, sections 4.1.11 and 4.3-4.5): satp fields,
// and the Sv39/Sv48/Sv57 page-table walk as a pure function of (satp, access, RAM, PMP).
//
// The walk is only run on a soft-TLB miss. It allocates nothing, throws nothing and takes no
// lock; A/D updates are compare-and-swaps on the PTE in guest RAM, so harts walking the same
// tables concurrently (or a guest editing them) see the atomicity the spec requires.
#pragma once

#include "base/types.hpp"
#include "cpu/pmp.hpp"
#include "cpu/trap.hpp"
#include "mem/guest_ram.hpp"

namespace rvisor::cpu {

// satp on RV64 (4.1.11): MODE 63:60, ASID 59:44, PPN 43:0.
namespace satp {
inline constexpr unsigned kModeShift = 60;
inline constexpr unsigned kAsidShift = 44;
// ASIDLEN = 16, the RV64 maximum: every ASID bit is writable.
inline constexpr unsigned kAsidBits = 16;
inline constexpr u64 kPpnMask = (1ULL << 44) - 1;
inline constexpr u64 kModeBare = 0, kModeSv39 = 8, kModeSv48 = 9, kModeSv57 = 10;

constexpr u64 mode(u64 satp) {
    return satp >> kModeShift;
}
constexpr u64 asid(u64 satp) {
    return (satp >> kAsidShift) & ((1ULL << kAsidBits) - 1);
}
constexpr u64 ppn(u64 satp) {
    return satp & kPpnMask;
}
// satp is WARL: a write whose MODE is not supported has no effect at all (4.1.11), so the hart
// stores a written value only when this holds for its MODE.
constexpr bool mode_supported(u64 mode) {
    return mode == kModeBare || mode == kModeSv39 || mode == kModeSv48 || mode == kModeSv57;
}
// Page-table levels of a paged mode (3, 4 or 5); 0 for Bare or anything unsupported.
constexpr unsigned levels(u64 mode) {
    return mode >= kModeSv39 && mode <= kModeSv57 ? static_cast<unsigned>(mode - 5) : 0;
}
}  // namespace satp

// Page-table entry fields (4.4.1, figure 4.21).
namespace pte {
inline constexpr u64 kV = 1ULL << 0, kR = 1ULL << 1, kW = 1ULL << 2, kX = 1ULL << 3;
inline constexpr u64 kU = 1ULL << 4, kG = 1ULL << 5, kA = 1ULL << 6, kD = 1ULL << 7;
inline constexpr unsigned kPpnShift = 10;
inline constexpr u64 kPpnMask = ((1ULL << 44) - 1) << kPpnShift;  // bits 53:10
// Bits 63:54: reserved (bits 63 Svnapot, 62:61 Svpbmt are not implemented): must be zero.
inline constexpr u64 kReservedMask = ~0ULL << 54;
}  // namespace pte

struct WalkRequest {
    u64 satp = 0;
    u64 va = 0;
    AccessType access = AccessType::Read;  // Write also for AMOs and SC
    PrivMode priv = PrivMode::Supervisor;  // effective privilege (after MPRV)
    bool sum = false;                      // mstatus.SUM
    bool mxr = false;                      // mstatus.MXR
};

struct WalkResult {
    bool ok = false;
    // When !ok: the exception to raise with tval = va (the caller sets tval).
    Exception fault = Exception::LoadPageFault;
    u64 pa = 0;       // translated physical address of va
    u64 page_pa = 0;  // pa & ~0xfff
    // Access types (Pmp::kPermRead/kPermWrite/kPermExec) that any later access to this 4 KiB
    // page, with the same privilege/SUM/MXR, would pass translation for without a PTE update:
    // read = R (or X with MXR), write = W with D already 1, exec = X, all after the U/SUM
    // rules. The caller intersects it with PMP's page_permissions() before caching the page.
    u8 allowed = 0;
    // allowed includes write: W=1 and D=1, so the caller may cache a write entry.
    bool writable_cached = false;
    // Leaf level: 0 for a 4 KiB page, 1 for 2 MiB, 2 for 1 GiB, 3 for 512 GiB, 4 for 256 TiB.
    // The soft TLB caches 4 KiB pieces; SFENCE.VMA with an address only has to drop the piece
    // holding that address unless the leaf was a superpage.
    u8 level = 0;
    bool global = false;  // G set in the leaf or a PTE above it, for ASID-selective SFENCE.VMA
    // The walk wrote A/D into the leaf PTE at pte_pa (a store to guest RAM the hart may need
    // to tell its code cache about). pte_pa is the leaf PTE's address whenever a leaf was read.
    bool pte_written = false;
    u64 pte_pa = 0;
    u64 pte = 0;  // the leaf PTE as finally used (after the A/D update)
};

// Translates req.va for one access (4.3.2). Bare mode, and an effective privilege of M (which
// is never translated), give pa = va with no checks. PTE reads are 8-byte loads from guest RAM,
// PMP-checked as S-mode reads (3.7.1): a PTE outside RAM or denied by PMP is an access fault
// of the access type. The final pa is not PMP-checked here: the caller does that with the
// access's own privilege.
WalkResult walk(mem::GuestRam& ram, const Pmp& pmp, const WalkRequest& req);

}  // namespace rvisor::cpu
