// The instruction enum: every RV64GC instruction plus the privileged ones, one X-macro list so
// the enum, its names and any per-op table are generated from the same place.
#pragma once

#include <string_view>

#include "base/types.hpp"

namespace rvisor::isa {

// X(enum-name, mnemonic)
#define RVISOR_ISA_OPS(X)                                                                     \
    X(Illegal, "illegal")                                                                     \
    /* RV64I */                                                                               \
    X(Lui, "lui") X(Auipc, "auipc") X(Jal, "jal") X(Jalr, "jalr")                             \
    X(Beq, "beq") X(Bne, "bne") X(Blt, "blt") X(Bge, "bge") X(Bltu, "bltu") X(Bgeu, "bgeu")   \
    X(Lb, "lb") X(Lh, "lh") X(Lw, "lw") X(Ld, "ld") X(Lbu, "lbu") X(Lhu, "lhu") X(Lwu, "lwu") \
    X(Sb, "sb") X(Sh, "sh") X(Sw, "sw") X(Sd, "sd")                                           \
    X(Addi, "addi") X(Slti, "slti") X(Sltiu, "sltiu") X(Xori, "xori") X(Ori, "ori")           \
    X(Andi, "andi") X(Slli, "slli") X(Srli, "srli") X(Srai, "srai")                           \
    X(Add, "add") X(Sub, "sub") X(Sll, "sll") X(Slt, "slt") X(Sltu, "sltu") X(Xor, "xor")     \
    X(Srl, "srl") X(Sra, "sra") X(Or, "or") X(And, "and")                                     \
    X(Addiw, "addiw") X(Slliw, "slliw") X(Srliw, "srliw") X(Sraiw, "sraiw")                   \
    X(Addw, "addw") X(Subw, "subw") X(Sllw, "sllw") X(Srlw, "srlw") X(Sraw, "sraw")           \
    X(Fence, "fence") X(FenceI, "fence.i") X(Ecall, "ecall") X(Ebreak, "ebreak")              \
    /* M */                                                                                   \
    X(Mul, "mul") X(Mulh, "mulh") X(Mulhsu, "mulhsu") X(Mulhu, "mulhu") X(Div, "div")         \
    X(Divu, "divu") X(Rem, "rem") X(Remu, "remu") X(Mulw, "mulw") X(Divw, "divw")             \
    X(Divuw, "divuw") X(Remw, "remw") X(Remuw, "remuw")                                       \
    /* A */                                                                                   \
    X(LrW, "lr.w") X(ScW, "sc.w") X(AmoswapW, "amoswap.w") X(AmoaddW, "amoadd.w")             \
    X(AmoxorW, "amoxor.w") X(AmoandW, "amoand.w") X(AmoorW, "amoor.w") X(AmominW, "amomin.w") \
    X(AmomaxW, "amomax.w") X(AmominuW, "amominu.w") X(AmomaxuW, "amomaxu.w")                  \
    X(LrD, "lr.d") X(ScD, "sc.d") X(AmoswapD, "amoswap.d") X(AmoaddD, "amoadd.d")             \
    X(AmoxorD, "amoxor.d") X(AmoandD, "amoand.d") X(AmoorD, "amoor.d") X(AmominD, "amomin.d") \
    X(AmomaxD, "amomax.d") X(AmominuD, "amominu.d") X(AmomaxuD, "amomaxu.d")                  \
    /* Zicsr */                                                                               \
    X(Csrrw, "csrrw") X(Csrrs, "csrrs") X(Csrrc, "csrrc") X(Csrrwi, "csrrwi")                 \
    X(Csrrsi, "csrrsi") X(Csrrci, "csrrci")                                                   \
    /* Privileged */                                                                          \
    X(Mret, "mret") X(Sret, "sret") X(Wfi, "wfi") X(SfenceVma, "sfence.vma")                  \
    /* F */                                                                                   \
    X(Flw, "flw") X(Fsw, "fsw") X(FmaddS, "fmadd.s") X(FmsubS, "fmsub.s")                     \
    X(FnmsubS, "fnmsub.s") X(FnmaddS, "fnmadd.s") X(FaddS, "fadd.s") X(FsubS, "fsub.s")       \
    X(FmulS, "fmul.s") X(FdivS, "fdiv.s") X(FsqrtS, "fsqrt.s") X(FsgnjS, "fsgnj.s")           \
    X(FsgnjnS, "fsgnjn.s") X(FsgnjxS, "fsgnjx.s") X(FminS, "fmin.s") X(FmaxS, "fmax.s")       \
    X(FcvtWS, "fcvt.w.s") X(FcvtWuS, "fcvt.wu.s") X(FcvtLS, "fcvt.l.s")                       \
    X(FcvtLuS, "fcvt.lu.s") X(FmvXW, "fmv.x.w") X(FeqS, "feq.s") X(FltS, "flt.s")             \
    X(FleS, "fle.s") X(FclassS, "fclass.s") X(FcvtSW, "fcvt.s.w") X(FcvtSWu, "fcvt.s.wu")     \
    X(FcvtSL, "fcvt.s.l") X(FcvtSLu, "fcvt.s.lu") X(FmvWX, "fmv.w.x")                         \
    /* D */                                                                                   \
    X(Fld, "fld") X(Fsd, "fsd") X(FmaddD, "fmadd.d") X(FmsubD, "fmsub.d")                     \
    X(FnmsubD, "fnmsub.d") X(FnmaddD, "fnmadd.d") X(FaddD, "fadd.d") X(FsubD, "fsub.d")       \
    X(FmulD, "fmul.d") X(FdivD, "fdiv.d") X(FsqrtD, "fsqrt.d") X(FsgnjD, "fsgnj.d")           \
    X(FsgnjnD, "fsgnjn.d") X(FsgnjxD, "fsgnjx.d") X(FminD, "fmin.d") X(FmaxD, "fmax.d")       \
    X(FcvtSD, "fcvt.s.d") X(FcvtDS, "fcvt.d.s") X(FeqD, "feq.d") X(FltD, "flt.d")             \
    X(FleD, "fle.d") X(FclassD, "fclass.d") X(FcvtWD, "fcvt.w.d") X(FcvtWuD, "fcvt.wu.d")     \
    X(FcvtLD, "fcvt.l.d") X(FcvtLuD, "fcvt.lu.d") X(FmvXD, "fmv.x.d") X(FcvtDW, "fcvt.d.w")   \
    X(FcvtDWu, "fcvt.d.wu") X(FcvtDL, "fcvt.d.l") X(FcvtDLu, "fcvt.d.lu") X(FmvDX, "fmv.d.x")

enum class Op : u16 {
#define RVISOR_ISA_ENUM(name, text) name,
    RVISOR_ISA_OPS(RVISOR_ISA_ENUM)
#undef RVISOR_ISA_ENUM
};

#define RVISOR_ISA_COUNT(name, text) +1
inline constexpr unsigned kOpCount = 0 RVISOR_ISA_OPS(RVISOR_ISA_COUNT);
#undef RVISOR_ISA_COUNT

// Mnemonic of an op as the assembler spells it ("fcvt.w.s").
std::string_view op_name(Op op);

}  // namespace rvisor::isa
