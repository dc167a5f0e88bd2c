// The decoder's output: one instruction, independent of any CPU state.
#pragma once

#include "base/types.hpp"
#include "isa/op.hpp"

namespace rvisor::isa {

// Field conventions (all fields are zero when unused):
//  - rd, rs1, rs2, rs3: register numbers; integer or FP file as the op implies.
//  - imm: the sign-extended immediate as the instruction uses it (byte offset for branches and
//    jumps, the shifted value for LUI/AUIPC, the shift amount for shift-immediates,
//    pred<<4|succ for FENCE). For CSR ops, `csr` holds the CSR number and the 5-bit
//    unsigned immediate of the *I forms is in rs1 (as in the encoding).
//  - rm: the FP rounding-mode field (0..7, 7 = dynamic); aqrl: bit 1 = aq, bit 0 = rl.
//  - len: 2 for a compressed encoding, 4 otherwise; raw: the encoding as fetched (16 or 32
//    bits), which is what mtval holds for an illegal-instruction trap.
//  - Compressed instructions decode to their base-ISA equivalent (C.ADDI4SPN -> addi ...).
struct DecodedInsn {
    i64 imm = 0;
    u32 raw = 0;
    Op op = Op::Illegal;
    u16 csr = 0;
    u8 rd = 0;
    u8 rs1 = 0;
    u8 rs2 = 0;
    u8 rs3 = 0;
    u8 rm = 0;
    u8 aqrl = 0;
    u8 len = 4;

    constexpr bool operator==(const DecodedInsn&) const = default;
};

}  // namespace rvisor::isa
