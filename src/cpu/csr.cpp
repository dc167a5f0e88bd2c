// CSR reads and writes with their access rules (privileged spec 1.12, section 2.1 and
// chapters 3-4; Sstc). The privilege level and read-only bits are encoded in the CSR number;
// every writable field is WARL with the masks below.
#include "cpu/csr.hpp"

#include "cpu/hart.hpp"
#include "cpu/mmu.hpp"

namespace rvisor::cpu {

namespace {

using namespace mstatus;

// mstatus fields software can write (UXL/SXL are read-only 64-bit, the endianness bits are
// hard-wired little-endian, XS/VS are zero since there are no other extension states).
constexpr u64 kMstatusWritable =
    kSie | kMie | kSpie | kMpie | kSpp | kMpp | kFs | kMprv | kSum | kMxr | kTvm | kTw | kTsr;
// The sstatus view of mstatus (4.1.1).
constexpr u64 kSstatusMask = kSie | kSpie | kUbe | kSpp | kFs | kXs | kSum | kMxr | kUxl | kSd;
// Exceptions that can be delegated to S-mode: all but ECALL from M (3.1.8).
constexpr u64 kDelegableExceptions = 0xb3ff & ~(1ULL << 11) & ~(1ULL << 10);
constexpr u64 kCounterMask = 0x7;  // CY, TM, IR; the hpm counters are hard-wired zero

}  // namespace

bool Hart::csr_read(u16 number, u64& value) {
    // Bits 9:8 give the lowest privilege that may access the CSR.
    if (static_cast<unsigned>(priv_) < ((number >> 8) & 3u)) return false;
    // Counters visible below M only when mcounteren (and for U also scounteren) allow
    // (3.1.11): bit i of the enables covers counter 0xc00 + i.
    if (number >= csr::kCycle && number <= csr::kHpmcounter31) {
        const u64 bit = 1ULL << (number - csr::kCycle);
        if (priv_ != PrivMode::Machine && !(csr_.mcounteren & bit)) return false;
        if (priv_ == PrivMode::User && !(csr_.scounteren & bit)) return false;
    }
    switch (number) {
        case csr::kFflags:
            if (!(csr_.mstatus & kFs)) return false;
            value = csr_.fcsr & 0x1f;
            return true;
        case csr::kFrm:
            if (!(csr_.mstatus & kFs)) return false;
            value = (csr_.fcsr >> 5) & 7;
            return true;
        case csr::kFcsr:
            if (!(csr_.mstatus & kFs)) return false;
            value = csr_.fcsr & 0xff;
            return true;
        case csr::kCycle: value = instret_ + csr_.mcycle_offset; return true;
        case csr::kTime: value = time(); return true;
        case csr::kInstret: value = instret_ + csr_.minstret_offset; return true;

        case csr::kSstatus: value = csr_.mstatus & kSstatusMask; return true;
        case csr::kSie: value = csr_.mie & csr_.mideleg; return true;
        case csr::kStvec: value = csr_.stvec; return true;
        case csr::kScounteren: value = csr_.scounteren; return true;
        case csr::kSenvcfg: value = csr_.senvcfg; return true;
        case csr::kSscratch: value = csr_.sscratch; return true;
        case csr::kSepc: value = csr_.sepc; return true;
        case csr::kScause: value = csr_.scause; return true;
        case csr::kStval: value = csr_.stval; return true;
        case csr::kSip: value = mip() & csr_.mideleg; return true;
        case csr::kStimecmp:
            if (priv_ == PrivMode::Supervisor &&
                (!(csr_.menvcfg & envcfg::kStce) || !(csr_.mcounteren & 2)))
                return false;
            value = csr_.stimecmp;
            return true;
        case csr::kSatp:
            if (priv_ == PrivMode::Supervisor && (csr_.mstatus & kTvm)) return false;
            value = csr_.satp;
            return true;

        case csr::kMvendorid:
        case csr::kMarchid:
        case csr::kMimpid:
        case csr::kMconfigptr: value = 0; return true;
        case csr::kMhartid: value = hart_id_; return true;
        case csr::kMstatus: value = csr_.mstatus; return true;
        case csr::kMisa: value = kMisa; return true;
        case csr::kMedeleg: value = csr_.medeleg; return true;
        case csr::kMideleg: value = csr_.mideleg; return true;
        case csr::kMie: value = csr_.mie; return true;
        case csr::kMip: value = mip(); return true;
        case csr::kMtvec: value = csr_.mtvec; return true;
        case csr::kMcounteren: value = csr_.mcounteren; return true;
        case csr::kMenvcfg: value = csr_.menvcfg; return true;
        case csr::kMcountinhibit: value = 0; return true;
        case csr::kMscratch: value = csr_.mscratch; return true;
        case csr::kMepc: value = csr_.mepc; return true;
        case csr::kMcause: value = csr_.mcause; return true;
        case csr::kMtval: value = csr_.mtval; return true;
        case csr::kMcycle: value = instret_ + csr_.mcycle_offset; return true;
        case csr::kMinstret: value = instret_ + csr_.minstret_offset; return true;
        default: break;
    }
    // Hard-wired zero counters and events (WARL, 3.1.10-3.1.11).
    if ((number >= csr::kMhpmcounter3 && number <= csr::kMhpmcounter31) ||
        (number >= csr::kMhpmevent3 && number <= csr::kMhpmevent31) ||
        (number >= csr::kHpmcounter3 && number <= csr::kHpmcounter31)) {
        value = 0;
        return true;
    }
    if (number >= csr::kPmpcfg0 && number < csr::kPmpcfg0 + 16) {
        if (!Pmp::cfg_csr_exists(number - csr::kPmpcfg0)) return false;
        value = pmp_.read_cfg(number - csr::kPmpcfg0);
        return true;
    }
    if (number >= csr::kPmpaddr0 && number < csr::kPmpaddr0 + 64) {
        value = pmp_.read_addr(number - csr::kPmpaddr0);
        return true;
    }
    return false;
}

void Hart::write_mstatus(u64 value) {
    u64 v = (csr_.mstatus & ~kMstatusWritable) | (value & kMstatusWritable);
    // MPP is WARL over the implemented modes; 2 is reserved and keeps the old value.
    if (((v & kMpp) >> kMppShift) == 2) v = (v & ~kMpp) | (csr_.mstatus & kMpp);
    // SD summarises FS (XS and VS are hard-wired off).
    v = (v & kFs) == kFs ? (v | kSd) : (v & ~kSd);
    if ((v ^ csr_.mstatus) & kMxr) flush_translations();
    const u64 changed = v ^ csr_.mstatus;
    csr_.mstatus = v;
    if (changed & (kMprv | kMpp | kSum)) select_data_tlb();
    if (changed & (kMie | kSie)) local_event(kEventInterrupt);
}

bool Hart::csr_write(u16 number, u64 value) {
    if (static_cast<unsigned>(priv_) < ((number >> 8) & 3u)) return false;
    if (((number >> 10) & 3u) == 3u) return false;  // read-only CSR
    switch (number) {
        case csr::kFflags:
        case csr::kFrm:
        case csr::kFcsr: {
            if (!(csr_.mstatus & kFs)) return false;
            u32 f = csr_.fcsr;
            if (number == csr::kFflags)
                f = (f & ~0x1fu) | (value & 0x1f);
            else if (number == csr::kFrm)
                f = (f & ~0xe0u) | ((value & 7) << 5);
            else
                f = value & 0xff;
            csr_.fcsr = f;
            csr_.mstatus |= kFs | kSd;  // writing fcsr dirties the FP state (3.1.6.6)
            return true;
        }

        case csr::kSstatus:
            write_mstatus((csr_.mstatus & ~kSstatusMask) | (value & kSstatusMask));
            return true;
        case csr::kSie:
            csr_.mie = (csr_.mie & ~csr_.mideleg) | (value & csr_.mideleg & irq::kAll);
            local_event(kEventInterrupt);
            return true;
        case csr::kStvec:
            if ((value & 3) < 2) csr_.stvec = value;
            return true;
        case csr::kScounteren: csr_.scounteren = value & kCounterMask; return true;
        case csr::kSenvcfg: csr_.senvcfg = value & envcfg::kFiom; return true;
        case csr::kSscratch: csr_.sscratch = value; return true;
        case csr::kSepc: csr_.sepc = value & ~1ULL; return true;
        case csr::kScause: csr_.scause = value; return true;
        case csr::kStval: csr_.stval = value; return true;
        case csr::kSip:
            // Only SSIP is writable through sip, and only when delegated (4.1.3).
            csr_.mip =
                (csr_.mip & ~(irq::kSsip & csr_.mideleg)) | (value & irq::kSsip & csr_.mideleg);
            local_event(kEventInterrupt);
            return true;
        case csr::kStimecmp:
            if (priv_ == PrivMode::Supervisor &&
                (!(csr_.menvcfg & envcfg::kStce) || !(csr_.mcounteren & 2)))
                return false;
            csr_.stimecmp = value;
            local_event(kEventInterrupt);
            return true;
        case csr::kSatp: {
            if (priv_ == PrivMode::Supervisor && (csr_.mstatus & kTvm)) return false;
            // An unsupported MODE makes the whole write have no effect (4.1.11); ASIDLEN 16.
            if (!satp::mode_supported(satp::mode(value))) return true;
            csr_.satp = value;
            flush_translations();
            return true;
        }

        case csr::kMstatus: write_mstatus(value); return true;
        case csr::kMisa: return true;  // WARL, fixed: writes are ignored
        case csr::kMedeleg: csr_.medeleg = value & kDelegableExceptions; return true;
        case csr::kMideleg:
            csr_.mideleg = value & irq::kSupervisor;
            local_event(kEventInterrupt);
            return true;
        case csr::kMie:
            csr_.mie = value & irq::kAll;
            local_event(kEventInterrupt);
            return true;
        case csr::kMip: {
            // M-mode may write SSIP, STIP (unless Sstc drives it) and SEIP (3.1.9).
            u64 writable = irq::kSsip | irq::kSeip;
            if (!(csr_.menvcfg & envcfg::kStce)) writable |= irq::kStip;
            csr_.mip = (csr_.mip & ~writable) | (value & writable);
            local_event(kEventInterrupt);
            return true;
        }
        case csr::kMtvec:
            // WARL: modes 0 (direct) and 1 (vectored); a reserved mode keeps the old value.
            if ((value & 3) < 2) csr_.mtvec = value;
            return true;
        case csr::kMcounteren: csr_.mcounteren = value & kCounterMask; return true;
        case csr::kMenvcfg:
            csr_.menvcfg = value & (envcfg::kFiom | envcfg::kStce);
            local_event(kEventInterrupt);
            return true;
        case csr::kMcountinhibit: return true;  // counters always run (WARL zero)
        case csr::kMscratch: csr_.mscratch = value; return true;
        case csr::kMepc: csr_.mepc = value & ~1ULL; return true;  // IALIGN=16 with C
        case csr::kMcause: csr_.mcause = value; return true;
        case csr::kMtval: csr_.mtval = value; return true;
        // The instruction that writes the counter does not then also count itself (3.1.11).
        case csr::kMcycle: csr_.mcycle_offset = value - instret_ - 1; return true;
        case csr::kMinstret: csr_.minstret_offset = value - instret_ - 1; return true;
        default: break;
    }
    if ((number >= csr::kMhpmcounter3 && number <= csr::kMhpmcounter31) ||
        (number >= csr::kMhpmevent3 && number <= csr::kMhpmevent31))
        return true;  // hard-wired zero
    if (number >= csr::kPmpcfg0 && number < csr::kPmpcfg0 + 16) {
        if (!Pmp::cfg_csr_exists(number - csr::kPmpcfg0)) return false;
        pmp_.write_cfg(number - csr::kPmpcfg0, value);
        flush_translations();
        return true;
    }
    if (number >= csr::kPmpaddr0 && number < csr::kPmpaddr0 + 64) {
        pmp_.write_addr(number - csr::kPmpaddr0, value);
        flush_translations();
        return true;
    }
    return false;
}

}  // namespace rvisor::cpu
