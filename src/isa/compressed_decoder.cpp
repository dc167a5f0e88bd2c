// Decoder for the 16-bit RVC encodings of RV64C (with the D-extension load/store forms). Each
// compressed instruction decodes to its base-ISA equivalent; reserved encodings are illegal and
// HINTs decode as the base instruction they alias (writing x0, or shifting by zero).
#include "base/bits.hpp"
#include "isa/decoder.hpp"

namespace rvisor::isa {

namespace {

constexpr u8 kSp = 2;
constexpr u8 kRa = 1;

// The 3-bit register fields rd', rs1', rs2' name x8..x15 (or f8..f15).
constexpr u8 creg(u64 field) {
    return static_cast<u8>(8 + field);
}

constexpr DecodedInsn illegal(u16 h) {
    DecodedInsn d;
    d.raw = h;
    d.len = 2;
    return d;
}

constexpr DecodedInsn make(u16 h, Op op, u8 rd, u8 rs1, u8 rs2, i64 imm) {
    DecodedInsn d;
    d.raw = h;
    d.len = 2;
    d.op = op;
    d.rd = rd;
    d.rs1 = rs1;
    d.rs2 = rs2;
    d.imm = imm;
    return d;
}

// Immediates. Each scatters its bits differently; the comments give the encoding order of
// the immediate bits in inst[12:2] as the RVC spec lists them.

// 6-bit signed imm[5|4:0] in inst[12|6:2] (C.ADDI, C.ADDIW, C.LI, C.ANDI).
constexpr i64 imm6(u16 h) {
    return sext(bit(h, 12) << 5 | bits(h, 6, 2), 6);
}

// 6-bit shift amount shamt[5|4:0] in inst[12|6:2].
constexpr i64 shamt6(u16 h) {
    return static_cast<i64>(bit(h, 12) << 5 | bits(h, 6, 2));
}

// C.ADDI4SPN: nzuimm[5:4|9:6|2|3] in inst[12:5].
constexpr i64 addi4spn_imm(u16 h) {
    return static_cast<i64>(bits(h, 12, 11) << 4 | bits(h, 10, 7) << 6 | bit(h, 6) << 2 |
                            bit(h, 5) << 3);
}

// C.LW / C.SW: uimm[5:3] in inst[12:10], uimm[2|6] in inst[6:5].
constexpr i64 word_offset(u16 h) {
    return static_cast<i64>(bits(h, 12, 10) << 3 | bit(h, 6) << 2 | bit(h, 5) << 6);
}

// C.LD / C.SD / C.FLD / C.FSD: uimm[5:3] in inst[12:10], uimm[7:6] in inst[6:5].
constexpr i64 dword_offset(u16 h) {
    return static_cast<i64>(bits(h, 12, 10) << 3 | bits(h, 6, 5) << 6);
}

// C.ADDI16SP: nzimm[9] in inst[12], nzimm[4|6|8:7|5] in inst[6:2].
constexpr i64 addi16sp_imm(u16 h) {
    return sext(
        bit(h, 12) << 9 | bit(h, 6) << 4 | bit(h, 5) << 6 | bits(h, 4, 3) << 7 | bit(h, 2) << 5,
        10);
}

// C.LUI: nzimm[17] in inst[12], nzimm[16:12] in inst[6:2]; the value LUI adds (shifted).
constexpr i64 lui_imm(u16 h) {
    return sext(bit(h, 12) << 17 | bits(h, 6, 2) << 12, 18);
}

// C.J: offset[11|4|9:8|10|6|7|3:1|5] in inst[12:2].
constexpr i64 jump_offset(u16 h) {
    return sext(bit(h, 12) << 11 | bit(h, 11) << 4 | bits(h, 10, 9) << 8 | bit(h, 8) << 10 |
                    bit(h, 7) << 6 | bit(h, 6) << 7 | bits(h, 5, 3) << 1 | bit(h, 2) << 5,
                12);
}

// C.BEQZ / C.BNEZ: offset[8|4:3] in inst[12:10], offset[7:6|2:1|5] in inst[6:2].
constexpr i64 branch_offset(u16 h) {
    return sext(bit(h, 12) << 8 | bits(h, 11, 10) << 3 | bits(h, 6, 5) << 6 | bits(h, 4, 3) << 1 |
                    bit(h, 2) << 5,
                9);
}

// C.LWSP: uimm[5] in inst[12], uimm[4:2|7:6] in inst[6:2].
constexpr i64 lwsp_offset(u16 h) {
    return static_cast<i64>(bit(h, 12) << 5 | bits(h, 6, 4) << 2 | bits(h, 3, 2) << 6);
}

// C.LDSP / C.FLDSP: uimm[5] in inst[12], uimm[4:3|8:6] in inst[6:2].
constexpr i64 ldsp_offset(u16 h) {
    return static_cast<i64>(bit(h, 12) << 5 | bits(h, 6, 5) << 3 | bits(h, 4, 2) << 6);
}

// C.SWSP: uimm[5:2|7:6] in inst[12:7].
constexpr i64 swsp_offset(u16 h) {
    return static_cast<i64>(bits(h, 12, 9) << 2 | bits(h, 8, 7) << 6);
}

// C.SDSP / C.FSDSP: uimm[5:3|8:6] in inst[12:7].
constexpr i64 sdsp_offset(u16 h) {
    return static_cast<i64>(bits(h, 12, 10) << 3 | bits(h, 9, 7) << 6);
}

// Quadrant 0: stack-pointer-based ADDI and the register-based loads and stores.
constexpr DecodedInsn decode_q0(u16 h) {
    const u8 rdp = creg(bits(h, 4, 2));  // rd' for loads, rs2' for stores.
    const u8 rs1p = creg(bits(h, 9, 7));
    switch (bits(h, 15, 13)) {
        case 0: {  // C.ADDI4SPN; nzuimm == 0 (including the all-zero parcel) is reserved.
            const i64 imm = addi4spn_imm(h);
            return imm == 0 ? illegal(h) : make(h, Op::Addi, rdp, kSp, 0, imm);
        }
        case 1: return make(h, Op::Fld, rdp, rs1p, 0, dword_offset(h));
        case 2: return make(h, Op::Lw, rdp, rs1p, 0, word_offset(h));
        case 3: return make(h, Op::Ld, rdp, rs1p, 0, dword_offset(h));
        case 5: return make(h, Op::Fsd, 0, rs1p, rdp, dword_offset(h));
        case 6: return make(h, Op::Sw, 0, rs1p, rdp, word_offset(h));
        case 7: return make(h, Op::Sd, 0, rs1p, rdp, dword_offset(h));
        default: return illegal(h);  // 100: reserved.
    }
}

// Quadrant 1: immediates, the compressed ALU group, jumps and branches.
constexpr DecodedInsn decode_q1(u16 h) {
    const u8 rd = static_cast<u8>(bits(h, 11, 7));
    switch (bits(h, 15, 13)) {
        case 0: return make(h, Op::Addi, rd, rd, 0, imm6(h));  // C.NOP when rd=0 and imm=0.
        case 1:  // C.ADDIW (RV64's replacement for C.JAL); rd = 0 is reserved.
            return rd == 0 ? illegal(h) : make(h, Op::Addiw, rd, rd, 0, imm6(h));
        case 2: return make(h, Op::Addi, rd, 0, 0, imm6(h));  // C.LI
        case 3: {
            if (rd == kSp) {  // C.ADDI16SP
                const i64 imm = addi16sp_imm(h);
                return imm == 0 ? illegal(h) : make(h, Op::Addi, kSp, kSp, 0, imm);
            }
            const i64 imm = lui_imm(h);  // C.LUI
            return imm == 0 ? illegal(h) : make(h, Op::Lui, rd, 0, 0, imm);
        }
        case 4: {
            const u8 rdp = creg(bits(h, 9, 7));
            switch (bits(h, 11, 10)) {
                case 0: return make(h, Op::Srli, rdp, rdp, 0, shamt6(h));
                case 1: return make(h, Op::Srai, rdp, rdp, 0, shamt6(h));
                case 2: return make(h, Op::Andi, rdp, rdp, 0, imm6(h));
                default: break;
            }
            const u8 rs2p = creg(bits(h, 4, 2));
            const auto funct2 = bits(h, 6, 5);
            if (bit(h, 12) == 0) {
                constexpr Op kOps[4] = {Op::Sub, Op::Xor, Op::Or, Op::And};
                return make(h, kOps[funct2], rdp, rdp, rs2p, 0);
            }
            if (funct2 == 0) return make(h, Op::Subw, rdp, rdp, rs2p, 0);
            if (funct2 == 1) return make(h, Op::Addw, rdp, rdp, rs2p, 0);
            return illegal(h);  // funct6=100111 with funct2 10/11: reserved.
        }
        case 5: return make(h, Op::Jal, 0, 0, 0, jump_offset(h));  // C.J
        case 6: return make(h, Op::Beq, 0, creg(bits(h, 9, 7)), 0, branch_offset(h));
        default: return make(h, Op::Bne, 0, creg(bits(h, 9, 7)), 0, branch_offset(h));
    }
}

// Quadrant 2: SP-relative loads and stores, C.SLLI, and the register jump/move/add group.
constexpr DecodedInsn decode_q2(u16 h) {
    const u8 rd = static_cast<u8>(bits(h, 11, 7));  // Also rs1 of C.JR / C.JALR.
    const u8 rs2 = static_cast<u8>(bits(h, 6, 2));
    switch (bits(h, 15, 13)) {
        case 0: return make(h, Op::Slli, rd, rd, 0, shamt6(h));
        case 1: return make(h, Op::Fld, rd, kSp, 0, ldsp_offset(h));  // C.FLDSP
        case 2:                                                       // C.LWSP; rd = 0 is reserved.
            return rd == 0 ? illegal(h) : make(h, Op::Lw, rd, kSp, 0, lwsp_offset(h));
        case 3:  // C.LDSP; rd = 0 is reserved.
            return rd == 0 ? illegal(h) : make(h, Op::Ld, rd, kSp, 0, ldsp_offset(h));
        case 4:
            if (bit(h, 12) == 0) {
                if (rs2 != 0) return make(h, Op::Add, rd, 0, rs2, 0);  // C.MV
                // C.JR; rs1 = 0 is reserved.
                return rd == 0 ? illegal(h) : make(h, Op::Jalr, 0, rd, 0, 0);
            }
            if (rs2 != 0) return make(h, Op::Add, rd, rd, rs2, 0);     // C.ADD
            if (rd == 0) return make(h, Op::Ebreak, 0, 0, 0, 0);       // C.EBREAK
            return make(h, Op::Jalr, kRa, rd, 0, 0);                   // C.JALR
        case 5: return make(h, Op::Fsd, 0, kSp, rs2, sdsp_offset(h));  // C.FSDSP
        case 6: return make(h, Op::Sw, 0, kSp, rs2, swsp_offset(h));   // C.SWSP
        default: return make(h, Op::Sd, 0, kSp, rs2, sdsp_offset(h));  // C.SDSP
    }
}

}  // namespace

DecodedInsn decode_compressed(u16 h) {
    switch (h & 3) {
        case 0: return decode_q0(h);
        case 1: return decode_q1(h);
        case 2: return decode_q2(h);
        default: return illegal(h);  // 0b11 is the prefix of a 32-bit encoding, not RVC.
    }
}

}  // namespace rvisor::isa
