// Decoder for the 32-bit encodings: RV64I, M, A, Zicsr, Zifencei, F, D and the privileged
// instructions rvisor implements (MRET, SRET, WFI, SFENCE.VMA). Every encoding outside that set,
// including reserved rounding modes and the 48/64-bit length prefixes, decodes to Op::Illegal.
#include "isa/decoder.hpp"

#include <array>

#include "base/bits.hpp"

namespace rvisor::isa {

namespace {

// Major opcodes: bits [6:2] of a 32-bit encoding (bits [1:0] are always 0b11). Values not
// listed (custom-0..3, OP-V, reserved, and the >32-bit length prefixes xx111) are illegal.
enum MajorOpcode : u32 {
    kLoad = 0x00,
    kLoadFp = 0x01,
    kMiscMem = 0x03,
    kOpImm = 0x04,
    kAuipc = 0x05,
    kOpImm32 = 0x06,
    kStore = 0x08,
    kStoreFp = 0x09,
    kAmo = 0x0b,
    kOp = 0x0c,
    kLui = 0x0d,
    kOp32 = 0x0e,
    kMadd = 0x10,
    kMsub = 0x11,
    kNmsub = 0x12,
    kNmadd = 0x13,
    kOpFp = 0x14,
    kBranch = 0x18,
    kJalr = 0x19,
    kJal = 0x1b,
    kSystem = 0x1c,
};

constexpr Op X = Op::Illegal;  // Table filler for unassigned funct3 values.

// Register and function fields.
constexpr u8 rd_of(u32 w) {
    return static_cast<u8>(bits(w, 11, 7));
}
constexpr u8 rs1_of(u32 w) {
    return static_cast<u8>(bits(w, 19, 15));
}
constexpr u8 rs2_of(u32 w) {
    return static_cast<u8>(bits(w, 24, 20));
}
constexpr u8 rs3_of(u32 w) {
    return static_cast<u8>(bits(w, 31, 27));
}
constexpr u32 funct3_of(u32 w) {
    return static_cast<u32>(bits(w, 14, 12));
}
constexpr u32 funct7_of(u32 w) {
    return static_cast<u32>(bits(w, 31, 25));
}

// Immediates of the I, S, B, U and J formats, sign-extended.
constexpr i64 imm_i(u32 w) {
    return sext(bits(w, 31, 20), 12);
}
constexpr i64 imm_s(u32 w) {
    return sext(bits(w, 31, 25) << 5 | bits(w, 11, 7), 12);
}
constexpr i64 imm_b(u32 w) {
    return sext(bit(w, 31) << 12 | bit(w, 7) << 11 | bits(w, 30, 25) << 5 | bits(w, 11, 8) << 1,
                13);
}
constexpr i64 imm_u(u32 w) {
    return sext(w & 0xfffff000u, 32);
}
constexpr i64 imm_j(u32 w) {
    return sext(bit(w, 31) << 20 | bits(w, 19, 12) << 12 | bit(w, 20) << 11 | bits(w, 30, 21) << 1,
                21);
}

constexpr DecodedInsn illegal(u32 w) {
    DecodedInsn d;
    d.raw = w;
    d.len = 4;
    return d;
}

constexpr DecodedInsn make(u32 w, Op op, u8 rd, u8 rs1, u8 rs2, i64 imm) {
    if (op == Op::Illegal) return illegal(w);
    DecodedInsn d;
    d.raw = w;
    d.len = 4;
    d.op = op;
    d.rd = rd;
    d.rs1 = rs1;
    d.rs2 = rs2;
    d.imm = imm;
    return d;
}

// ---- Integer ----------------------------------------------------------------------------------

constexpr DecodedInsn decode_load(u32 w) {
    constexpr std::array<Op, 8> kOps = {Op::Lb,  Op::Lh,  Op::Lw,  Op::Ld,
                                        Op::Lbu, Op::Lhu, Op::Lwu, X};
    return make(w, kOps[funct3_of(w)], rd_of(w), rs1_of(w), 0, imm_i(w));
}

constexpr DecodedInsn decode_store(u32 w) {
    constexpr std::array<Op, 8> kOps = {Op::Sb, Op::Sh, Op::Sw, Op::Sd, X, X, X, X};
    return make(w, kOps[funct3_of(w)], 0, rs1_of(w), rs2_of(w), imm_s(w));
}

constexpr DecodedInsn decode_misc_mem(u32 w) {
    switch (funct3_of(w)) {
        // fm (bits 31:28, e.g. FENCE.TSO) and the reserved rd/rs1 fields are ignored: every
        // such encoding orders at least as much as a plain FENCE with the same pred/succ.
        case 0: return make(w, Op::Fence, 0, 0, 0, static_cast<i64>(bits(w, 27, 20)));
        // imm, rs1 and rd of FENCE.I are reserved and must be ignored by implementations.
        case 1: return make(w, Op::FenceI, 0, 0, 0, 0);
        default: return illegal(w);
    }
}

constexpr DecodedInsn decode_op_imm(u32 w) {
    const u8 rd = rd_of(w);
    const u8 rs1 = rs1_of(w);
    const auto shamt = static_cast<i64>(bits(w, 25, 20));
    const u32 funct6 = static_cast<u32>(bits(w, 31, 26));
    switch (funct3_of(w)) {
        case 0: return make(w, Op::Addi, rd, rs1, 0, imm_i(w));
        case 1: return make(w, funct6 == 0 ? Op::Slli : X, rd, rs1, 0, shamt);
        case 2: return make(w, Op::Slti, rd, rs1, 0, imm_i(w));
        case 3: return make(w, Op::Sltiu, rd, rs1, 0, imm_i(w));
        case 4: return make(w, Op::Xori, rd, rs1, 0, imm_i(w));
        case 5: {
            const Op op = funct6 == 0x00 ? Op::Srli : funct6 == 0x10 ? Op::Srai : X;
            return make(w, op, rd, rs1, 0, shamt);
        }
        case 6: return make(w, Op::Ori, rd, rs1, 0, imm_i(w));
        default: return make(w, Op::Andi, rd, rs1, 0, imm_i(w));
    }
}

constexpr DecodedInsn decode_op_imm32(u32 w) {
    const u8 rd = rd_of(w);
    const u8 rs1 = rs1_of(w);
    // The *W shifts have a 5-bit shamt: imm[5] (bit 25) is part of funct7 and must be zero.
    const auto shamt = static_cast<i64>(bits(w, 24, 20));
    const u32 funct7 = funct7_of(w);
    switch (funct3_of(w)) {
        case 0: return make(w, Op::Addiw, rd, rs1, 0, imm_i(w));
        case 1: return make(w, funct7 == 0 ? Op::Slliw : X, rd, rs1, 0, shamt);
        case 5: {
            const Op op = funct7 == 0x00 ? Op::Srliw : funct7 == 0x20 ? Op::Sraiw : X;
            return make(w, op, rd, rs1, 0, shamt);
        }
        default: return illegal(w);
    }
}

constexpr DecodedInsn decode_op(u32 w) {
    constexpr std::array<Op, 8> kBase = {Op::Add, Op::Sll, Op::Slt, Op::Sltu,
                                         Op::Xor, Op::Srl, Op::Or,  Op::And};
    constexpr std::array<Op, 8> kAlt = {Op::Sub, X, X, X, X, Op::Sra, X, X};
    constexpr std::array<Op, 8> kMul = {Op::Mul, Op::Mulh, Op::Mulhsu, Op::Mulhu,
                                        Op::Div, Op::Divu, Op::Rem,    Op::Remu};
    const u32 f3 = funct3_of(w);
    Op op = X;
    switch (funct7_of(w)) {
        case 0x00: op = kBase[f3]; break;
        case 0x20: op = kAlt[f3]; break;
        case 0x01: op = kMul[f3]; break;
        default: break;
    }
    return make(w, op, rd_of(w), rs1_of(w), rs2_of(w), 0);
}

constexpr DecodedInsn decode_op32(u32 w) {
    constexpr std::array<Op, 8> kBase = {Op::Addw, Op::Sllw, X, X, X, Op::Srlw, X, X};
    constexpr std::array<Op, 8> kAlt = {Op::Subw, X, X, X, X, Op::Sraw, X, X};
    constexpr std::array<Op, 8> kMul = {Op::Mulw, X,         X,        X,
                                        Op::Divw, Op::Divuw, Op::Remw, Op::Remuw};
    const u32 f3 = funct3_of(w);
    Op op = X;
    switch (funct7_of(w)) {
        case 0x00: op = kBase[f3]; break;
        case 0x20: op = kAlt[f3]; break;
        case 0x01: op = kMul[f3]; break;
        default: break;
    }
    return make(w, op, rd_of(w), rs1_of(w), rs2_of(w), 0);
}

constexpr DecodedInsn decode_branch(u32 w) {
    constexpr std::array<Op, 8> kOps = {Op::Beq, Op::Bne, X,        X,
                                        Op::Blt, Op::Bge, Op::Bltu, Op::Bgeu};
    return make(w, kOps[funct3_of(w)], 0, rs1_of(w), rs2_of(w), imm_b(w));
}

// ---- A ----------------------------------------------------------------------------------------

constexpr DecodedInsn decode_amo(u32 w) {
    const u32 f3 = funct3_of(w);
    if (f3 != 2 && f3 != 3) return illegal(w);
    const bool dword = f3 == 3;
    const u8 rs2 = rs2_of(w);
    Op op = X;
    switch (bits(w, 31, 27)) {
        case 0x02:
            if (rs2 != 0) return illegal(w);  // LR with rs2 != 0 is reserved.
            op = dword ? Op::LrD : Op::LrW;
            break;
        case 0x03: op = dword ? Op::ScD : Op::ScW; break;
        case 0x01: op = dword ? Op::AmoswapD : Op::AmoswapW; break;
        case 0x00: op = dword ? Op::AmoaddD : Op::AmoaddW; break;
        case 0x04: op = dword ? Op::AmoxorD : Op::AmoxorW; break;
        case 0x0c: op = dword ? Op::AmoandD : Op::AmoandW; break;
        case 0x08: op = dword ? Op::AmoorD : Op::AmoorW; break;
        case 0x10: op = dword ? Op::AmominD : Op::AmominW; break;
        case 0x14: op = dword ? Op::AmomaxD : Op::AmomaxW; break;
        case 0x18: op = dword ? Op::AmominuD : Op::AmominuW; break;
        case 0x1c: op = dword ? Op::AmomaxuD : Op::AmomaxuW; break;
        default: return illegal(w);
    }
    DecodedInsn d = make(w, op, rd_of(w), rs1_of(w), rs2, 0);
    d.aqrl = static_cast<u8>(bits(w, 26, 25));
    return d;
}

// ---- SYSTEM: privileged instructions and Zicsr ------------------------------------------------

constexpr DecodedInsn decode_system(u32 w) {
    const u32 f3 = funct3_of(w);
    if (f3 == 0) {
        if (rd_of(w) != 0) return illegal(w);
        if (funct7_of(w) == 0x09) return make(w, Op::SfenceVma, 0, rs1_of(w), rs2_of(w), 0);
        if (rs1_of(w) != 0) return illegal(w);
        switch (bits(w, 31, 20)) {
            case 0x000: return make(w, Op::Ecall, 0, 0, 0, 0);
            case 0x001: return make(w, Op::Ebreak, 0, 0, 0, 0);
            case 0x102: return make(w, Op::Sret, 0, 0, 0, 0);
            case 0x302: return make(w, Op::Mret, 0, 0, 0, 0);
            case 0x105: return make(w, Op::Wfi, 0, 0, 0, 0);
            default: return illegal(w);
        }
    }
    constexpr std::array<Op, 8> kCsr = {X, Op::Csrrw,  Op::Csrrs,  Op::Csrrc,
                                        X, Op::Csrrwi, Op::Csrrsi, Op::Csrrci};
    DecodedInsn d = make(w, kCsr[f3], rd_of(w), rs1_of(w), 0, 0);
    if (d.op != Op::Illegal) d.csr = static_cast<u16>(bits(w, 31, 20));
    return d;
}

// ---- F and D ----------------------------------------------------------------------------------

// Rounding modes 5 and 6 are reserved; 7 selects the dynamic mode from frm.
constexpr bool valid_rm(u32 rm) {
    return rm != 5 && rm != 6;
}

constexpr DecodedInsn with_rm(DecodedInsn d, u32 rm) {
    if (d.op == Op::Illegal) return d;
    if (!valid_rm(rm)) return illegal(d.raw);
    d.rm = static_cast<u8>(rm);
    return d;
}

constexpr DecodedInsn decode_fp_load(u32 w) {
    const u32 f3 = funct3_of(w);
    const Op op = f3 == 2 ? Op::Flw : f3 == 3 ? Op::Fld : X;
    return make(w, op, rd_of(w), rs1_of(w), 0, imm_i(w));
}

constexpr DecodedInsn decode_fp_store(u32 w) {
    const u32 f3 = funct3_of(w);
    const Op op = f3 == 2 ? Op::Fsw : f3 == 3 ? Op::Fsd : X;
    return make(w, op, 0, rs1_of(w), rs2_of(w), imm_s(w));
}

constexpr DecodedInsn decode_fma(u32 w, u32 major) {
    constexpr std::array<std::array<Op, 2>, 4> kOps = {{
        {Op::FmaddS, Op::FmaddD},
        {Op::FmsubS, Op::FmsubD},
        {Op::FnmsubS, Op::FnmsubD},
        {Op::FnmaddS, Op::FnmaddD},
    }};
    const u32 fmt = static_cast<u32>(bits(w, 26, 25));
    if (fmt > 1) return illegal(w);  // H and Q formats are not part of RV64GC.
    DecodedInsn d = make(w, kOps[major - kMadd][fmt], rd_of(w), rs1_of(w), rs2_of(w), 0);
    d.rs3 = rs3_of(w);
    return with_rm(d, funct3_of(w));
}

constexpr DecodedInsn decode_op_fp(u32 w) {
    const u32 fmt = static_cast<u32>(bits(w, 26, 25));
    if (fmt > 1) return illegal(w);
    const bool dbl = fmt == 1;
    const auto pick = [dbl](Op single, Op dual) { return dbl ? dual : single; };
    const u32 f3 = funct3_of(w);
    const u8 rd = rd_of(w);
    const u8 rs1 = rs1_of(w);
    const u8 rs2 = rs2_of(w);
    switch (bits(w, 31, 27)) {
        case 0x00: return with_rm(make(w, pick(Op::FaddS, Op::FaddD), rd, rs1, rs2, 0), f3);
        case 0x01: return with_rm(make(w, pick(Op::FsubS, Op::FsubD), rd, rs1, rs2, 0), f3);
        case 0x02: return with_rm(make(w, pick(Op::FmulS, Op::FmulD), rd, rs1, rs2, 0), f3);
        case 0x03: return with_rm(make(w, pick(Op::FdivS, Op::FdivD), rd, rs1, rs2, 0), f3);
        case 0x0b: {
            const Op op = rs2 == 0 ? pick(Op::FsqrtS, Op::FsqrtD) : X;
            return with_rm(make(w, op, rd, rs1, 0, 0), f3);
        }
        case 0x04: {
            const Op op = f3 == 0   ? pick(Op::FsgnjS, Op::FsgnjD)
                          : f3 == 1 ? pick(Op::FsgnjnS, Op::FsgnjnD)
                          : f3 == 2 ? pick(Op::FsgnjxS, Op::FsgnjxD)
                                    : X;
            return make(w, op, rd, rs1, rs2, 0);
        }
        case 0x05: {
            const Op op = f3 == 0   ? pick(Op::FminS, Op::FminD)
                          : f3 == 1 ? pick(Op::FmaxS, Op::FmaxD)
                                    : X;
            return make(w, op, rd, rs1, rs2, 0);
        }
        case 0x08: {
            // fcvt.s.d is fmt=S with source type D (rs2=1); fcvt.d.s is fmt=D, rs2=0.
            const Op op = (!dbl && rs2 == 1) ? Op::FcvtSD : (dbl && rs2 == 0) ? Op::FcvtDS : X;
            return with_rm(make(w, op, rd, rs1, 0, 0), f3);
        }
        case 0x14: {
            const Op op = f3 == 0   ? pick(Op::FleS, Op::FleD)
                          : f3 == 1 ? pick(Op::FltS, Op::FltD)
                          : f3 == 2 ? pick(Op::FeqS, Op::FeqD)
                                    : X;
            return make(w, op, rd, rs1, rs2, 0);
        }
        case 0x18: {  // FP -> integer; rs2 selects the integer type (W, WU, L, LU).
            constexpr std::array<Op, 4> kS = {Op::FcvtWS, Op::FcvtWuS, Op::FcvtLS, Op::FcvtLuS};
            constexpr std::array<Op, 4> kD = {Op::FcvtWD, Op::FcvtWuD, Op::FcvtLD, Op::FcvtLuD};
            const Op op = rs2 < 4 ? (dbl ? kD[rs2] : kS[rs2]) : X;
            return with_rm(make(w, op, rd, rs1, 0, 0), f3);
        }
        case 0x1a: {  // Integer -> FP.
            constexpr std::array<Op, 4> kS = {Op::FcvtSW, Op::FcvtSWu, Op::FcvtSL, Op::FcvtSLu};
            constexpr std::array<Op, 4> kD = {Op::FcvtDW, Op::FcvtDWu, Op::FcvtDL, Op::FcvtDLu};
            const Op op = rs2 < 4 ? (dbl ? kD[rs2] : kS[rs2]) : X;
            return with_rm(make(w, op, rd, rs1, 0, 0), f3);
        }
        case 0x1c: {
            if (rs2 != 0) return illegal(w);
            const Op op = f3 == 0   ? pick(Op::FmvXW, Op::FmvXD)
                          : f3 == 1 ? pick(Op::FclassS, Op::FclassD)
                                    : X;
            return make(w, op, rd, rs1, 0, 0);
        }
        case 0x1e: {
            const Op op = (rs2 == 0 && f3 == 0) ? pick(Op::FmvWX, Op::FmvDX) : X;
            return make(w, op, rd, rs1, 0, 0);
        }
        default: return illegal(w);
    }
}

}  // namespace

DecodedInsn decode(u32 w) {
    if ((w & 3) != 3) return decode_compressed(static_cast<u16>(w));
    switch (static_cast<u32>(bits(w, 6, 2))) {
        case kLoad: return decode_load(w);
        case kLoadFp: return decode_fp_load(w);
        case kMiscMem: return decode_misc_mem(w);
        case kOpImm: return decode_op_imm(w);
        case kAuipc: return make(w, Op::Auipc, rd_of(w), 0, 0, imm_u(w));
        case kOpImm32: return decode_op_imm32(w);
        case kStore: return decode_store(w);
        case kStoreFp: return decode_fp_store(w);
        case kAmo: return decode_amo(w);
        case kOp: return decode_op(w);
        case kLui: return make(w, Op::Lui, rd_of(w), 0, 0, imm_u(w));
        case kOp32: return decode_op32(w);
        case kMadd:
        case kMsub:
        case kNmsub:
        case kNmadd: return decode_fma(w, static_cast<u32>(bits(w, 6, 2)));
        case kOpFp: return decode_op_fp(w);
        case kBranch: return decode_branch(w);
        case kJalr:
            return make(w, funct3_of(w) == 0 ? Op::Jalr : X, rd_of(w), rs1_of(w), 0, imm_i(w));
        case kJal: return make(w, Op::Jal, rd_of(w), 0, 0, imm_j(w));
        case kSystem: return decode_system(w);
        default: return illegal(w);
    }
}

}  // namespace rvisor::isa
