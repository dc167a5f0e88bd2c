// CSR numbers and the machine-level CSR state of one hart (privileged spec 1.12, chapter 2
// and 3). Access rules live in csr.cpp; this header is the storage.
#pragma once

#include "base/types.hpp"

namespace rvisor::cpu {

namespace csr {
// Unprivileged
inline constexpr u16 kFflags = 0x001, kFrm = 0x002, kFcsr = 0x003;
inline constexpr u16 kCycle = 0xc00, kTime = 0xc01, kInstret = 0xc02;
// Supervisor
inline constexpr u16 kSstatus = 0x100, kSie = 0x104, kStvec = 0x105, kScounteren = 0x106;
inline constexpr u16 kSenvcfg = 0x10a, kSscratch = 0x140, kSepc = 0x141, kScause = 0x142;
inline constexpr u16 kStval = 0x143, kSip = 0x144, kStimecmp = 0x14d, kSatp = 0x180;
// Machine
inline constexpr u16 kMvendorid = 0xf11, kMarchid = 0xf12, kMimpid = 0xf13, kMhartid = 0xf14;
inline constexpr u16 kMconfigptr = 0xf15;
inline constexpr u16 kMstatus = 0x300, kMisa = 0x301, kMedeleg = 0x302, kMideleg = 0x303;
inline constexpr u16 kMie = 0x304, kMtvec = 0x305, kMcounteren = 0x306, kMenvcfg = 0x30a;
inline constexpr u16 kMcountinhibit = 0x320;
inline constexpr u16 kMscratch = 0x340, kMepc = 0x341, kMcause = 0x342, kMtval = 0x343;
inline constexpr u16 kMip = 0x344;
inline constexpr u16 kPmpcfg0 = 0x3a0, kPmpaddr0 = 0x3b0;
inline constexpr u16 kMcycle = 0xb00, kMinstret = 0xb02;
inline constexpr u16 kTselect = 0x7a0;
inline constexpr u16 kMhpmcounter3 = 0xb03, kMhpmcounter31 = 0xb1f;
inline constexpr u16 kMhpmevent3 = 0x323, kMhpmevent31 = 0x33f;
inline constexpr u16 kHpmcounter3 = 0xc03, kHpmcounter31 = 0xc1f;
}  // namespace csr

// mstatus fields (privileged spec 3.1.6).
namespace mstatus {
inline constexpr u64 kSie = 1ULL << 1, kMie = 1ULL << 3, kSpie = 1ULL << 5, kUbe = 1ULL << 6;
inline constexpr u64 kMpie = 1ULL << 7, kSpp = 1ULL << 8, kMppShift = 11, kMpp = 3ULL << 11;
inline constexpr u64 kFsShift = 13, kFs = 3ULL << 13, kXs = 3ULL << 15, kMprv = 1ULL << 17;
inline constexpr u64 kSum = 1ULL << 18, kMxr = 1ULL << 19, kTvm = 1ULL << 20;
inline constexpr u64 kTw = 1ULL << 21, kTsr = 1ULL << 22;
inline constexpr u64 kUxl = 3ULL << 32, kSxl = 3ULL << 34, kSd = 1ULL << 63;
inline constexpr u64 kXlen64 = 2;  // UXL/SXL value for XLEN=64
}  // namespace mstatus

// misa: RV64 (MXL=2) with the extensions this hart implements.
constexpr u64 misa_bit(char ext) {
    return 1ULL << (ext - 'A');
}
inline constexpr u64 kMisa = (2ULL << 62) | misa_bit('I') | misa_bit('M') | misa_bit('A') |
                             misa_bit('F') | misa_bit('D') | misa_bit('C') | misa_bit('S') |
                             misa_bit('U');

// menvcfg fields (3.1.18), including the Sstc enable.
namespace envcfg {
inline constexpr u64 kFiom = 1ULL << 0;
inline constexpr u64 kStce = 1ULL << 63;
}  // namespace envcfg

struct CsrState {
    u64 mstatus = (mstatus::kXlen64 << 32) | (mstatus::kXlen64 << 34);
    u64 mtvec = 0, mepc = 0, mcause = 0, mtval = 0, mscratch = 0;
    u64 medeleg = 0, mideleg = 0, mie = 0, mip = 0;
    u64 mcounteren = 0, menvcfg = 0, mcountinhibit = 0;
    u64 stvec = 0, sepc = 0, scause = 0, stval = 0, sscratch = 0, scounteren = 0;
    u64 senvcfg = 0, satp = 0, stimecmp = ~0ULL;
    u64 mcycle_offset = 0;  // mcycle = instret-based cycle count + offset
    u64 minstret_offset = 0;
    u32 fcsr = 0;
};

}  // namespace rvisor::cpu
