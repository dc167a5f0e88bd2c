// Standard assembly syntax for decoded instructions, as used in traces and `rvisor disasm`.
#pragma once

#include <string>

#include "base/types.hpp"
#include "isa/decoded_insn.hpp"

namespace rvisor::isa {

// ABI name of integer register n ("zero", "ra", "sp", ..., "t6").
std::string_view int_reg_name(unsigned n);
// ABI name of FP register n ("ft0", ..., "ft11").
std::string_view fp_reg_name(unsigned n);

// One line of assembly, e.g. "addi a0, sp, 16", "beq a0, a1, 0x80000010", "lw a0, 8(sp)".
// `pc` is the instruction's address, used to print absolute branch and jump targets.
std::string disassemble(const DecodedInsn& insn, u64 pc);

}  // namespace rvisor::isa
