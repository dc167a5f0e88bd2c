// CSR reads and writes with their access rules (privileged spec 1.12, section 2.1 and
// chapter 3): the privilege level and read-only bits are encoded in the CSR number, and
// every writable field is WARL with the masks below.
#include "cpu/csr.hpp"

#include "cpu/hart.hpp"

namespace rvisor::cpu {

namespace {

// mstatus bits software can write on this hart: M-mode only, so MPP is hard-wired to M.
constexpr u64 kMstatusWritable = mstatus::kMie | mstatus::kMpie;
// Machine-level interrupt enables/pending bits that exist (MSI, MTI, MEI).
constexpr u64 kMachineInterrupts = (1ULL << 3) | (1ULL << 7) | (1ULL << 11);

}  // namespace

bool Hart::csr_read(u16 number, u64& value) {
    // Bits 9:8 give the lowest privilege that may access the CSR.
    if (static_cast<unsigned>(priv_) < ((number >> 8) & 3)) return false;
    switch (number) {
        case csr::kMvendorid: value = 0; return true;
        case csr::kMarchid: value = 0; return true;
        case csr::kMimpid: value = 0; return true;
        case csr::kMhartid: value = hart_id_; return true;
        case csr::kMconfigptr: value = 0; return true;
        case csr::kMstatus: value = csr_.mstatus; return true;
        case csr::kMisa: value = kMisa; return true;
        case csr::kMie: value = csr_.mie; return true;
        case csr::kMip: value = csr_.mip; return true;
        case csr::kMtvec: value = csr_.mtvec; return true;
        case csr::kMscratch: value = csr_.mscratch; return true;
        case csr::kMepc: value = csr_.mepc; return true;
        case csr::kMcause: value = csr_.mcause; return true;
        case csr::kMtval: value = csr_.mtval; return true;
        case csr::kMcycle: value = instret_ + csr_.mcycle_offset; return true;
        case csr::kMinstret: value = instret_ + csr_.minstret_offset; return true;
        default: return false;
    }
}

bool Hart::csr_write(u16 number, u64 value) {
    if (static_cast<unsigned>(priv_) < ((number >> 8) & 3)) return false;
    if (((number >> 10) & 3) == 3) return false;  // read-only CSR
    switch (number) {
        case csr::kMstatus:
            csr_.mstatus = (csr_.mstatus & ~kMstatusWritable) | (value & kMstatusWritable);
            return true;
        case csr::kMisa: return true;  // WARL, fixed: writes are ignored
        case csr::kMie: csr_.mie = value & kMachineInterrupts; return true;
        case csr::kMip: return true;  // the machine-level bits are read-only
        case csr::kMtvec:
            // WARL: modes 0 (direct) and 1 (vectored); a reserved mode keeps the old value.
            if ((value & 3) < 2) csr_.mtvec = value;
            return true;
        case csr::kMscratch: csr_.mscratch = value; return true;
        case csr::kMepc: csr_.mepc = value & ~1ULL; return true;  // IALIGN=16 with C
        case csr::kMcause: csr_.mcause = value; return true;
        case csr::kMtval: csr_.mtval = value; return true;
        // The instruction that writes minstret does not then also count itself (3.1.11).
        case csr::kMcycle: csr_.mcycle_offset = value - instret_ - 1; return true;
        case csr::kMinstret: csr_.minstret_offset = value - instret_ - 1; return true;
        default: return false;
    }
}

}  // namespace rvisor::cpu
