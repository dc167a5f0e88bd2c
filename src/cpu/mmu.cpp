// The Sv39/Sv48/Sv57 page-table walk (privileged spec 1.12, section 4.3.2, the "virtual
// address translation process"; Sv48 and Sv57 are the same algorithm with 4 and 5 levels).
#include "cpu/mmu.hpp"

namespace rvisor::cpu {

namespace {

constexpr unsigned kPageShift = 12;
constexpr unsigned kVpnBits = 9;  // per level, for all three modes
constexpr unsigned kPteSize = 8;

constexpr Exception page_fault(AccessType access) {
    switch (access) {
        case AccessType::Read: return Exception::LoadPageFault;
        case AccessType::Write: return Exception::StorePageFault;
        case AccessType::Execute: return Exception::InsnPageFault;
    }
    return Exception::LoadPageFault;
}

constexpr Exception access_fault(AccessType access) {
    switch (access) {
        case AccessType::Read: return Exception::LoadAccessFault;
        case AccessType::Write: return Exception::StoreAccessFault;
        case AccessType::Execute: return Exception::InsnAccessFault;
    }
    return Exception::LoadAccessFault;
}

WalkResult fail(Exception cause) {
    WalkResult r;
    r.fault = cause;
    return r;
}

// Access types a leaf PTE grants to privilege priv under SUM/MXR (4.3.1, 4.3.2 step 5),
// ignoring A/D. U-mode needs U=1. S-mode on a U=1 page: loads and stores only with SUM, never
// fetches. M-mode never gets here (it is not translated).
constexpr u8 leaf_permissions(u64 e, PrivMode priv, bool sum, bool mxr) {
    u8 p = 0;
    if ((e & pte::kR) || (mxr && (e & pte::kX))) p |= Pmp::kPermRead;
    if (e & pte::kW) p |= Pmp::kPermWrite;
    if (e & pte::kX) p |= Pmp::kPermExec;
    const bool user_page = (e & pte::kU) != 0;
    if (priv == PrivMode::User) return user_page ? p : 0;
    if (user_page) {
        p &= static_cast<u8>(~Pmp::kPermExec);
        if (!sum) p = 0;
    }
    return p;
}

constexpr u8 perm_of(AccessType access) {
    switch (access) {
        case AccessType::Read: return Pmp::kPermRead;
        case AccessType::Write: return Pmp::kPermWrite;
        case AccessType::Execute: return Pmp::kPermExec;
    }
    return 0;
}

}  // namespace

WalkResult walk(mem::GuestRam& ram, const Pmp& pmp, const WalkRequest& req) {
    const u64 mode = satp::mode(req.satp);
    const unsigned levels = satp::levels(mode);
    if (levels == 0 || req.priv == PrivMode::Machine) {
        // Bare (or an unsupported MODE, which the hart never stores), or M-mode: untranslated.
        WalkResult r;
        r.ok = true;
        r.pa = req.va;
        r.page_pa = req.va & ~0xfffULL;
        r.allowed = Pmp::kPermAll;
        r.writable_cached = true;
        return r;
    }

    // The va must be sign-extended from bit VALEN-1 (4.4.1, 4.5.1, 4.6.1): otherwise a page
    // fault of the access type.
    const unsigned va_bits = kPageShift + kVpnBits * levels;
    const unsigned unused = 64 - va_bits;
    const u64 va = req.va;
    if (static_cast<u64>(static_cast<i64>(va << unused) >> unused) != va)
        return fail(page_fault(req.access));

    const AccessType access = req.access;
    u64 table = satp::ppn(req.satp) << kPageShift;
    // A G bit in a non-leaf PTE makes every mapping below it global (4.3.1).
    bool global = false;
    // At most `levels` descents: each iteration either stops or moves one level down, except
    // a retry of the same PTE after a lost compare-and-swap, which needs another writer to have
    // changed that PTE in the meantime.
    for (int i = static_cast<int>(levels) - 1; i >= 0;) {
        const unsigned shift = kPageShift + kVpnBits * static_cast<unsigned>(i);
        const u64 pte_pa = table + ((va >> shift) & ((1u << kVpnBits) - 1)) * kPteSize;
        // Step 2: the PTE read must pass PMA (only RAM holds page tables here) and PMP, the
        // latter with effective privilege S (3.7.1).
        if (!ram.contains(pte_pa, kPteSize) ||
            !pmp.check(pte_pa, kPteSize, AccessType::Read, PrivMode::Supervisor))
            return fail(access_fault(access));
        // Guest RAM is page aligned in host memory and pte_pa is 8-aligned: atomic access is
        // valid. Acquire pairs with another hart's CAS so the data behind the PTE is seen.
        u64* host = reinterpret_cast<u64*>(ram.host(pte_pa));
        u64 e = __atomic_load_n(host, __ATOMIC_ACQUIRE);

        // Step 3: invalid, reserved W-without-R, or reserved bits set (Svnapot/Svpbmt are not
        // implemented, so bits 63:54 are all reserved).
        if (!(e & pte::kV) || (e & (pte::kR | pte::kW)) == pte::kW || (e & pte::kReservedMask))
            return fail(page_fault(access));

        if (!(e & (pte::kR | pte::kX))) {
            // Step 4: a pointer to the next level. D, A and U of a non-leaf PTE are reserved
            // for future standard use (4.3.1), so step 3's "reserved bits set" makes them a
            // page fault.
            if (e & (pte::kD | pte::kA | pte::kU)) return fail(page_fault(access));
            if (i == 0) return fail(page_fault(access));
            table = ((e & pte::kPpnMask) >> pte::kPpnShift) << kPageShift;
            global |= (e & pte::kG) != 0;
            --i;
            continue;
        }

        // Step 5: a leaf. Permission check for this access.
        const u8 perms = leaf_permissions(e, req.priv, req.sum, req.mxr);
        if (!(perms & perm_of(access))) return fail(page_fault(access));

        // Step 6: a superpage's PPN must be aligned to its size.
        const u64 ppn = (e & pte::kPpnMask) >> pte::kPpnShift;
        const u64 low_ppn_mask = (1ULL << (kVpnBits * static_cast<unsigned>(i))) - 1;
        if (ppn & low_ppn_mask) return fail(page_fault(access));

        // Step 7: A, and D for a store, are set by the walker (the spec's hardware-update
        // option, as with Svadu), with the store PMP-checked and atomic with the read above.
        u64 want = e | pte::kA;
        if (access == AccessType::Write) want |= pte::kD;
        bool written = false;
        if (want != e) {
            if (!pmp.check(pte_pa, kPteSize, AccessType::Write, PrivMode::Supervisor))
                return fail(access_fault(access));
            if (!__atomic_compare_exchange_n(host, &e, want, false, __ATOMIC_ACQ_REL,
                                             __ATOMIC_ACQUIRE))
                continue;  // the PTE changed since it was read: evaluate it afresh
            e = want;
            written = true;
        }

        // Step 8: pa = leaf PPN above the page size, va below it.
        const u64 offset_mask = (1ULL << shift) - 1;
        WalkResult r;
        r.ok = true;
        r.pa = (ppn << kPageShift) | (va & offset_mask);
        r.page_pa = r.pa & ~0xfffULL;
        r.allowed = (e & pte::kD) ? perms : static_cast<u8>(perms & ~Pmp::kPermWrite);
        r.writable_cached = (r.allowed & Pmp::kPermWrite) != 0;
        r.level = static_cast<u8>(i);
        r.global = global || (e & pte::kG) != 0;
        r.pte_written = written;
        r.pte_pa = pte_pa;
        r.pte = e;
        return r;
    }
    return fail(page_fault(access));  // not reached: level 0 always stops
}

}  // namespace rvisor::cpu
