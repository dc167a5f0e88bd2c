// Exception and interrupt causes, as numbered in the RISC-V privileged spec (1.12, table 3.6).
#pragma once

#include "base/types.hpp"

namespace rvisor::cpu {

enum class PrivMode : u8 { User = 0, Supervisor = 1, Machine = 3 };

// The kind of a memory access, for translation, PMP and fault causes.
enum class AccessType : u8 { Read, Write, Execute };

enum class Exception : u8 {
    InsnMisaligned = 0,
    InsnAccessFault = 1,
    IllegalInsn = 2,
    Breakpoint = 3,
    LoadMisaligned = 4,
    LoadAccessFault = 5,
    StoreMisaligned = 6,  // also AMO
    StoreAccessFault = 7,
    EcallFromU = 8,
    EcallFromS = 9,
    EcallFromM = 11,
    InsnPageFault = 12,
    LoadPageFault = 13,
    StorePageFault = 15,
};

// Interrupt numbers (mcause with the top bit set; bit positions in mip/mie).
enum class Interrupt : u8 {
    SupervisorSoftware = 1,
    MachineSoftware = 3,
    SupervisorTimer = 5,
    MachineTimer = 7,
    SupervisorExternal = 9,
    MachineExternal = 11,
};

// An exception raised by an instruction, not yet taken: what the trap handler needs.
struct PendingTrap {
    Exception cause;
    u64 tval;
};

}  // namespace rvisor::cpu
