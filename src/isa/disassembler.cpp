// GNU-style assembly text for decoded instructions, with ABI register names. Differences from
// `objdump -M no-aliases`: operands are separated by ", ", branch and jump targets are printed
// as absolute "0x..." addresses, compressed encodings print as their base equivalent, FENCE.TSO
// prints as the plain fence it decodes to, and an empty fence set prints as "0".
#include "isa/disassembler.hpp"

#include <array>
#include <string>
#include <string_view>
#include <utility>

namespace rvisor::isa {

namespace {

constexpr std::array<std::string_view, 32> kIntRegs = {
    "zero", "ra", "sp", "gp", "tp",  "t0",  "t1", "t2", "s0", "s1", "a0",
    "a1",   "a2", "a3", "a4", "a5",  "a6",  "a7", "s2", "s3", "s4", "s5",
    "s6",   "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6"};

constexpr std::array<std::string_view, 32> kFpRegs = {
    "ft0", "ft1", "ft2", "ft3", "ft4",  "ft5",  "ft6", "ft7", "fs0",  "fs1", "fa0",
    "fa1", "fa2", "fa3", "fa4", "fa5",  "fa6",  "fa7", "fs2", "fs3",  "fs4", "fs5",
    "fs6", "fs7", "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11"};

constexpr std::array<std::string_view, 8> kRoundingModes = {"rne", "rtz", "rdn", "rup",
                                                            "rmm", "",    "",    ""};

struct CsrName {
    u16 number;
    std::string_view name;
};

// CSRs with a single name; the numbered families (hpmcounterN, pmpaddrN, ...) are computed.
constexpr CsrName kCsrNames[] = {
    {0x001, "fflags"},   {0x002, "frm"},        {0x003, "fcsr"},       {0x100, "sstatus"},
    {0x104, "sie"},      {0x105, "stvec"},      {0x106, "scounteren"}, {0x10a, "senvcfg"},
    {0x140, "sscratch"}, {0x141, "sepc"},       {0x142, "scause"},     {0x143, "stval"},
    {0x144, "sip"},      {0x14d, "stimecmp"},   {0x180, "satp"},       {0x300, "mstatus"},
    {0x301, "misa"},     {0x302, "medeleg"},    {0x303, "mideleg"},    {0x304, "mie"},
    {0x305, "mtvec"},    {0x306, "mcounteren"}, {0x30a, "menvcfg"},    {0x320, "mcountinhibit"},
    {0x340, "mscratch"}, {0x341, "mepc"},       {0x342, "mcause"},     {0x343, "mtval"},
    {0x344, "mip"},      {0x34a, "mtinst"},     {0x34b, "mtval2"},     {0x747, "mseccfg"},
    {0x7a0, "tselect"},  {0x7a1, "tdata1"},     {0x7a2, "tdata2"},     {0x7a3, "tdata3"},
    {0x7b0, "dcsr"},     {0x7b1, "dpc"},        {0x7b2, "dscratch0"},  {0x7b3, "dscratch1"},
    {0xb00, "mcycle"},   {0xb02, "minstret"},   {0xc00, "cycle"},      {0xc01, "time"},
    {0xc02, "instret"},  {0xf11, "mvendorid"},  {0xf12, "marchid"},    {0xf13, "mimpid"},
    {0xf14, "mhartid"},  {0xf15, "mconfigptr"},
};

void append_hex(std::string& out, u64 value) {
    char buf[19];
    char* p = buf + sizeof(buf);
    do {
        *--p = "0123456789abcdef"[value & 0xf];
        value >>= 4;
    } while (value != 0);
    *--p = 'x';
    *--p = '0';
    out.append(p, buf + sizeof(buf));
}

// Zero-padded to `digits` hex digits, for raw encodings.
void append_hex_padded(std::string& out, u64 value, unsigned digits) {
    out += "0x";
    for (unsigned i = digits; i-- > 0;) out += "0123456789abcdef"[(value >> (4 * i)) & 0xf];
}

void append_dec(std::string& out, i64 value) {
    if (value < 0) {
        out += '-';
        // Negate in unsigned arithmetic so INT64_MIN does not overflow.
        const u64 magnitude = 0 - static_cast<u64>(value);
        out += std::to_string(magnitude);
    } else {
        out += std::to_string(static_cast<u64>(value));
    }
}

void append_csr(std::string& out, u16 csr) {
    for (const CsrName& entry : kCsrNames) {
        if (entry.number == csr) {
            out += entry.name;
            return;
        }
    }
    const auto numbered = [&out](std::string_view family, unsigned index) {
        out += family;
        out += std::to_string(index);
    };
    if (csr >= 0xc03 && csr <= 0xc1f) return numbered("hpmcounter", csr - 0xc00);
    if (csr >= 0xb03 && csr <= 0xb1f) return numbered("mhpmcounter", csr - 0xb00);
    if (csr >= 0x323 && csr <= 0x33f) return numbered("mhpmevent", csr - 0x320);
    if (csr >= 0x3a0 && csr <= 0x3af) return numbered("pmpcfg", csr - 0x3a0);
    if (csr >= 0x3b0 && csr <= 0x3ef) return numbered("pmpaddr", csr - 0x3b0);
    append_hex(out, csr);
}

// FENCE predecessor/successor set: any of "iorw", or "0" when empty.
void append_fence_set(std::string& out, unsigned set) {
    if (set == 0) {
        out += '0';
        return;
    }
    if (set & 8) out += 'i';
    if (set & 4) out += 'o';
    if (set & 2) out += 'r';
    if (set & 1) out += 'w';
}

// How an op's operands are printed.
enum class Form : u8 {
    Illegal,
    None,       // ecall
    Upper,      // lui rd, 0x12345
    Jal,        // jal rd, target
    Jalr,       // jalr rd, imm(rs1)
    Branch,     // beq rs1, rs2, target
    Load,       // lw rd, imm(rs1)
    FpLoad,     // flw frd, imm(rs1)
    Store,      // sw rs2, imm(rs1)
    FpStore,    // fsw frs2, imm(rs1)
    RegImm,     // addi rd, rs1, imm
    Shift,      // slli rd, rs1, 0x3
    RegReg,     // add rd, rs1, rs2
    Fence,      // fence pred, succ
    SfenceVma,  // sfence.vma rs1, rs2
    Lr,         // lr.w rd, (rs1)
    Amo,        // amoadd.w rd, rs2, (rs1)
    Csr,        // csrrw rd, csr, rs1
    CsrImm,     // csrrwi rd, csr, uimm
    Fp3Rm,      // fadd.s frd, frs1, frs2[, rm]
    Fp2Rm,      // fsqrt.s frd, frs1[, rm]
    Fp4Rm,      // fmadd.s frd, frs1, frs2, frs3[, rm]
    Fp3,        // fsgnj.s frd, frs1, frs2
    FpCmp,      // feq.s rd, frs1, frs2
    FpToInt,    // fclass.s rd, frs1 / fmv.x.w rd, frs1
    FpToIntRm,  // fcvt.w.s rd, frs1[, rm]
    IntToFp,    // fmv.w.x frd, rs1 / exact fcvt.d.w frd, rs1
    IntToFpRm,  // fcvt.s.w frd, rs1[, rm]
    FpToFp,     // exact fcvt.d.s frd, frs1
};

constexpr Form form_of(Op op) {
    switch (op) {
        case Op::Illegal: return Form::Illegal;
        case Op::Lui:
        case Op::Auipc: return Form::Upper;
        case Op::Jal: return Form::Jal;
        case Op::Jalr: return Form::Jalr;
        case Op::Beq:
        case Op::Bne:
        case Op::Blt:
        case Op::Bge:
        case Op::Bltu:
        case Op::Bgeu: return Form::Branch;
        case Op::Lb:
        case Op::Lh:
        case Op::Lw:
        case Op::Ld:
        case Op::Lbu:
        case Op::Lhu:
        case Op::Lwu: return Form::Load;
        case Op::Sb:
        case Op::Sh:
        case Op::Sw:
        case Op::Sd: return Form::Store;
        case Op::Addi:
        case Op::Slti:
        case Op::Sltiu:
        case Op::Xori:
        case Op::Ori:
        case Op::Andi:
        case Op::Addiw: return Form::RegImm;
        case Op::Slli:
        case Op::Srli:
        case Op::Srai:
        case Op::Slliw:
        case Op::Srliw:
        case Op::Sraiw: return Form::Shift;
        case Op::Add:
        case Op::Sub:
        case Op::Sll:
        case Op::Slt:
        case Op::Sltu:
        case Op::Xor:
        case Op::Srl:
        case Op::Sra:
        case Op::Or:
        case Op::And:
        case Op::Addw:
        case Op::Subw:
        case Op::Sllw:
        case Op::Srlw:
        case Op::Sraw:
        case Op::Mul:
        case Op::Mulh:
        case Op::Mulhsu:
        case Op::Mulhu:
        case Op::Div:
        case Op::Divu:
        case Op::Rem:
        case Op::Remu:
        case Op::Mulw:
        case Op::Divw:
        case Op::Divuw:
        case Op::Remw:
        case Op::Remuw: return Form::RegReg;
        case Op::Fence: return Form::Fence;
        case Op::FenceI:
        case Op::Ecall:
        case Op::Ebreak:
        case Op::Mret:
        case Op::Sret:
        case Op::Wfi: return Form::None;
        case Op::SfenceVma: return Form::SfenceVma;
        case Op::LrW:
        case Op::LrD: return Form::Lr;
        case Op::ScW:
        case Op::AmoswapW:
        case Op::AmoaddW:
        case Op::AmoxorW:
        case Op::AmoandW:
        case Op::AmoorW:
        case Op::AmominW:
        case Op::AmomaxW:
        case Op::AmominuW:
        case Op::AmomaxuW:
        case Op::ScD:
        case Op::AmoswapD:
        case Op::AmoaddD:
        case Op::AmoxorD:
        case Op::AmoandD:
        case Op::AmoorD:
        case Op::AmominD:
        case Op::AmomaxD:
        case Op::AmominuD:
        case Op::AmomaxuD: return Form::Amo;
        case Op::Csrrw:
        case Op::Csrrs:
        case Op::Csrrc: return Form::Csr;
        case Op::Csrrwi:
        case Op::Csrrsi:
        case Op::Csrrci: return Form::CsrImm;
        case Op::Flw:
        case Op::Fld: return Form::FpLoad;
        case Op::Fsw:
        case Op::Fsd: return Form::FpStore;
        case Op::FmaddS:
        case Op::FmsubS:
        case Op::FnmsubS:
        case Op::FnmaddS:
        case Op::FmaddD:
        case Op::FmsubD:
        case Op::FnmsubD:
        case Op::FnmaddD: return Form::Fp4Rm;
        case Op::FaddS:
        case Op::FsubS:
        case Op::FmulS:
        case Op::FdivS:
        case Op::FaddD:
        case Op::FsubD:
        case Op::FmulD:
        case Op::FdivD: return Form::Fp3Rm;
        case Op::FsqrtS:
        case Op::FsqrtD:
        case Op::FcvtSD: return Form::Fp2Rm;
        case Op::FcvtDS: return Form::FpToFp;
        case Op::FsgnjS:
        case Op::FsgnjnS:
        case Op::FsgnjxS:
        case Op::FminS:
        case Op::FmaxS:
        case Op::FsgnjD:
        case Op::FsgnjnD:
        case Op::FsgnjxD:
        case Op::FminD:
        case Op::FmaxD: return Form::Fp3;
        case Op::FeqS:
        case Op::FltS:
        case Op::FleS:
        case Op::FeqD:
        case Op::FltD:
        case Op::FleD: return Form::FpCmp;
        case Op::FmvXW:
        case Op::FclassS:
        case Op::FmvXD:
        case Op::FclassD: return Form::FpToInt;
        case Op::FcvtWS:
        case Op::FcvtWuS:
        case Op::FcvtLS:
        case Op::FcvtLuS:
        case Op::FcvtWD:
        case Op::FcvtWuD:
        case Op::FcvtLD:
        case Op::FcvtLuD: return Form::FpToIntRm;
        case Op::FcvtSW:
        case Op::FcvtSWu:
        case Op::FcvtSL:
        case Op::FcvtSLu:
        case Op::FcvtDL:
        case Op::FcvtDLu: return Form::IntToFpRm;
        // Exact conversions: the rounding mode cannot matter, so (like GNU) it is not printed.
        case Op::FmvWX:
        case Op::FmvDX:
        case Op::FcvtDW:
        case Op::FcvtDWu: return Form::IntToFp;
    }
    return Form::Illegal;
}

// Builds "mnemonic op1, op2, ...": each operand call adds the separator it needs.
class Line {
  public:
    explicit Line(std::string_view mnemonic) : out_(mnemonic) {}

    Line& x(unsigned reg) { return operand(int_reg_name(reg)); }
    Line& f(unsigned reg) { return operand(fp_reg_name(reg)); }
    Line& dec(i64 value) {
        next();
        append_dec(out_, value);
        return *this;
    }
    Line& hex(u64 value) {
        next();
        append_hex(out_, value);
        return *this;
    }
    // "imm(base)", the load/store/jalr address operand.
    Line& mem(i64 offset, unsigned base) {
        next();
        append_dec(out_, offset);
        out_ += '(';
        out_ += int_reg_name(base);
        out_ += ')';
        return *this;
    }
    // "(base)", the A-extension address operand.
    Line& addr(unsigned base) {
        next();
        out_ += '(';
        out_ += int_reg_name(base);
        out_ += ')';
        return *this;
    }
    Line& csr(u16 number) {
        next();
        append_csr(out_, number);
        return *this;
    }
    Line& fence_set(unsigned set) {
        next();
        append_fence_set(out_, set);
        return *this;
    }
    // The rounding mode, as a trailing operand only when it is static (not dyn).
    Line& rm(u8 mode) {
        if (mode < kRoundingModes.size() && !kRoundingModes[mode].empty()) {
            operand(kRoundingModes[mode]);
        }
        return *this;
    }

    std::string take() { return std::move(out_); }

  private:
    Line& operand(std::string_view text) {
        next();
        out_ += text;
        return *this;
    }
    void next() {
        out_ += first_ ? " " : ", ";
        first_ = false;
    }

    std::string out_;
    bool first_ = true;
};

constexpr std::string_view aqrl_suffix(u8 aqrl) {
    switch (aqrl & 3) {
        case 1: return ".rl";
        case 2: return ".aq";
        case 3: return ".aqrl";
        default: return "";
    }
}

}  // namespace

std::string_view int_reg_name(unsigned n) {
    return n < 32 ? kIntRegs[n] : "?";
}

std::string_view fp_reg_name(unsigned n) {
    return n < 32 ? kFpRegs[n] : "?";
}

std::string disassemble(const DecodedInsn& insn, u64 pc) {
    const Form form = form_of(insn.op);
    if (form == Form::Illegal) {
        std::string out = "illegal ";
        append_hex_padded(out, insn.raw, insn.len == 2 ? 4 : 8);
        return out;
    }
    std::string mnemonic(op_name(insn.op));
    if (form == Form::Lr || form == Form::Amo) mnemonic += aqrl_suffix(insn.aqrl);
    Line line(mnemonic);
    const u64 target = pc + static_cast<u64>(insn.imm);
    const auto& i = insn;

    switch (form) {
        case Form::Illegal:
        case Form::None: break;
        case Form::Upper: line.x(i.rd).hex((static_cast<u64>(i.imm) >> 12) & 0xfffff); break;
        case Form::Jal: line.x(i.rd).hex(target); break;
        case Form::Jalr:
        case Form::Load: line.x(i.rd).mem(i.imm, i.rs1); break;
        case Form::Branch: line.x(i.rs1).x(i.rs2).hex(target); break;
        case Form::FpLoad: line.f(i.rd).mem(i.imm, i.rs1); break;
        case Form::Store: line.x(i.rs2).mem(i.imm, i.rs1); break;
        case Form::FpStore: line.f(i.rs2).mem(i.imm, i.rs1); break;
        case Form::RegImm: line.x(i.rd).x(i.rs1).dec(i.imm); break;
        case Form::Shift: line.x(i.rd).x(i.rs1).hex(static_cast<u64>(i.imm)); break;
        case Form::RegReg: line.x(i.rd).x(i.rs1).x(i.rs2); break;
        case Form::Fence:
            line.fence_set(static_cast<unsigned>(i.imm >> 4) & 0xf)
                .fence_set(static_cast<unsigned>(i.imm) & 0xf);
            break;
        case Form::SfenceVma: line.x(i.rs1).x(i.rs2); break;
        case Form::Lr: line.x(i.rd).addr(i.rs1); break;
        case Form::Amo: line.x(i.rd).x(i.rs2).addr(i.rs1); break;
        case Form::Csr: line.x(i.rd).csr(i.csr).x(i.rs1); break;
        case Form::CsrImm: line.x(i.rd).csr(i.csr).dec(i.rs1); break;
        case Form::Fp3Rm: line.f(i.rd).f(i.rs1).f(i.rs2).rm(i.rm); break;
        case Form::Fp2Rm: line.f(i.rd).f(i.rs1).rm(i.rm); break;
        case Form::Fp4Rm: line.f(i.rd).f(i.rs1).f(i.rs2).f(i.rs3).rm(i.rm); break;
        case Form::Fp3: line.f(i.rd).f(i.rs1).f(i.rs2); break;
        case Form::FpCmp: line.x(i.rd).f(i.rs1).f(i.rs2); break;
        case Form::FpToInt: line.x(i.rd).f(i.rs1); break;
        case Form::FpToIntRm: line.x(i.rd).f(i.rs1).rm(i.rm); break;
        case Form::IntToFp: line.f(i.rd).x(i.rs1); break;
        case Form::IntToFpRm: line.f(i.rd).x(i.rs1).rm(i.rm); break;
        case Form::FpToFp: line.f(i.rd).f(i.rs1); break;
    }
    return line.take();
}

}  // namespace rvisor::isa
