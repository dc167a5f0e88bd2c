// Decoder tests for the 32-bit encodings. Expected encodings were produced with GNU as
// (riscv64-unknown-elf-as -march=rv64gc) and are kept here as literals, next to the source line
// they were assembled from; the illegal encodings were cross-checked against objdump, which
// prints none of them as an RV64GC instruction (except uret/dret/sfence.vm, which rvisor does not
// implement).
#include <gtest/gtest.h>

#include <cstdio>
#include <ostream>
#include <set>
#include <span>
#include <string>
#include <utility>

#include "base/bits.hpp"
#include "isa/decoded_insn.hpp"
#include "isa/decoder.hpp"
#include "isa/op.hpp"

namespace rvisor::isa {

// gtest printer, so a mismatch shows every field. Declared again in the other test files.
void PrintTo(const DecodedInsn& d, std::ostream* os) {
    char buf[192];
    std::snprintf(buf, sizeof(buf),
                  "{op=%s raw=0x%08x len=%u rd=%u rs1=%u rs2=%u rs3=%u imm=%lld csr=0x%03x rm=%u "
                  "aqrl=%u}",
                  std::string(op_name(d.op)).c_str(), d.raw, d.len, d.rd, d.rs1, d.rs2, d.rs3,
                  static_cast<long long>(d.imm), d.csr, d.rm, d.aqrl);
    *os << buf;
}

namespace {

// One 32-bit encoding and the fields it must decode to; raw and len are filled in by `check`.
struct Case {
    u32 raw;
    DecodedInsn want;
};

std::string hex(u32 v) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "0x%08x", v);
    return buf;
}

void check(std::span<const Case> cases) {
    for (const Case& c : cases) {
        SCOPED_TRACE(hex(c.raw));
        DecodedInsn want = c.want;
        want.raw = c.raw;
        want.len = 4;
        EXPECT_EQ(decode(c.raw), want);
    }
}

DecodedInsn illegal32(u32 raw) {
    DecodedInsn d;
    d.raw = raw;
    d.len = 4;
    return d;
}

// clang-format off
constexpr Case kUpperImmediates[] = {
    {0x12345537, {.imm = 0x12345000, .op = Op::Lui, .rd = 10}},  // lui a0, 0x12345
    {0xffffffb7, {.imm = -0x1000, .op = Op::Lui, .rd = 31}},  // lui t6, 0xfffff
    {0x80000097, {.imm = -0x80000000LL, .op = Op::Auipc, .rd = 1}},  // auipc ra, 0x80000
    {0x00001d97, {.imm = 0x1000, .op = Op::Auipc, .rd = 27}},  // auipc s11, 0x1
};

constexpr Case kJumps[] = {
    {0x100000ef, {.imm = 256, .op = Op::Jal, .rd = 1}},  // jal ra, .+256
    {0xffdff06f, {.imm = -4, .op = Op::Jal}},  // jal zero, .-4
    {0x800002ef, {.imm = -0x100000, .op = Op::Jal, .rd = 5}},  // jal t0, .-0x100000
    {0x7ffff36f, {.imm = 0xffffe, .op = Op::Jal, .rd = 6}},  // jal t1, .+0xffffe
    {0x00008067, {.op = Op::Jalr, .rs1 = 1}},  // jalr zero, 0(ra)
    {0x800300e7, {.imm = -2048, .op = Op::Jalr, .rd = 1, .rs1 = 6}},  // jalr ra, -2048(t1)
    {0x7ff707e7, {.imm = 2047, .op = Op::Jalr, .rd = 15, .rs1 = 14}},  // jalr a5, 2047(a4)
};

constexpr Case kBranches[] = {
    {0xfeb504e3, {.imm = -24, .op = Op::Beq, .rs1 = 10, .rs2 = 11}},  // beq a0, a1, .-24
    {0x80941063, {.imm = -0x1000, .op = Op::Bne, .rs1 = 8, .rs2 = 9}},  // bne s0, s1, .-4096
    {0x7fde4fe3, {.imm = 4094, .op = Op::Blt, .rs1 = 28, .rs2 = 29}},  // blt t3, t4, .+4094
    {0x00065463, {.imm = 8, .op = Op::Bge, .rs1 = 12}},  // bge a2, zero, .+8
    {0xfe316fe3, {.imm = -2, .op = Op::Bltu, .rs1 = 2, .rs2 = 3}},  // bltu sp, gp, .-2
    {0x02727063, {.imm = 32, .op = Op::Bgeu, .rs1 = 4, .rs2 = 7}},  // bgeu tp, t2, .+0x20
};

constexpr Case kLoads[] = {
    {0x00058503, {.op = Op::Lb, .rd = 10, .rs1 = 11}},  // lb a0, 0(a1)
    {0xfff99903, {.imm = -1, .op = Op::Lh, .rd = 18, .rs1 = 19}},  // lh s2, -1(s3)
    {0x00812503, {.imm = 8, .op = Op::Lw, .rd = 10, .rs1 = 2}},  // lw a0, 8(sp)
    {0x80013083, {.imm = -2048, .op = Op::Ld, .rd = 1, .rs1 = 2}},  // ld ra, -2048(sp)
    {0x7ff34283, {.imm = 2047, .op = Op::Lbu, .rd = 5, .rs1 = 6}},  // lbu t0, 2047(t1)
    {0x0648d803, {.imm = 100, .op = Op::Lhu, .rd = 16, .rs1 = 17}},  // lhu a6, 100(a7)
    {0xf9caea03, {.imm = -100, .op = Op::Lwu, .rd = 20, .rs1 = 21}},  // lwu s4, -100(s5)
};

constexpr Case kStores[] = {
    {0x00a58023, {.op = Op::Sb, .rs1 = 11, .rs2 = 10}},  // sb a0, 0(a1)
    {0xff6b9fa3, {.imm = -1, .op = Op::Sh, .rs1 = 23, .rs2 = 22}},  // sh s6, -1(s7)
    {0x7ea12fa3, {.imm = 2047, .op = Op::Sw, .rs1 = 2, .rs2 = 10}},  // sw a0, 2047(sp)
    {0x00113c23, {.imm = 24, .op = Op::Sd, .rs1 = 2, .rs2 = 1}},  // sd ra, 24(sp)
};

constexpr Case kRegisterImmediate[] = {
    {0x01010513, {.imm = 16, .op = Op::Addi, .rd = 10, .rs1 = 2}},  // addi a0, sp, 16
    {0x00000013, {.op = Op::Addi}},  // addi zero, zero, 0
    {0x800c8c13, {.imm = -2048, .op = Op::Addi, .rd = 24, .rs1 = 25}},  // addi s8, s9, -2048
    {0xfffdad13, {.imm = -1, .op = Op::Slti, .rd = 26, .rs1 = 27}},  // slti s10, s11, -1
    {0x7ffebe13, {.imm = 2047, .op = Op::Sltiu, .rd = 28, .rs1 = 29}},  // sltiu t3, t4, 2047
    {0xffffcf13, {.imm = -1, .op = Op::Xori, .rd = 30, .rs1 = 31}},  // xori t5, t6, -1
    {0x5555e513, {.imm = 1365, .op = Op::Ori, .rd = 10, .rs1 = 11}},  // ori a0, a1, 0x555
    {0xf006f613, {.imm = -256, .op = Op::Andi, .rd = 12, .rs1 = 13}},  // andi a2, a3, -256
    {0x00351513, {.imm = 3, .op = Op::Slli, .rd = 10, .rs1 = 10}},  // slli a0, a0, 3
    {0x03f61593, {.imm = 63, .op = Op::Slli, .rd = 11, .rs1 = 12}},  // slli a1, a2, 63
    {0x02075693, {.imm = 32, .op = Op::Srli, .rd = 13, .rs1 = 14}},  // srli a3, a4, 32
    {0x43f85793, {.imm = 63, .op = Op::Srai, .rd = 15, .rs1 = 16}},  // srai a5, a6, 63
    {0x4018d893, {.imm = 1, .op = Op::Srai, .rd = 17, .rs1 = 17}},  // srai a7, a7, 1
    {0xfff5851b, {.imm = -1, .op = Op::Addiw, .rd = 10, .rs1 = 11}},  // addiw a0, a1, -1
    {0x7ff2829b, {.imm = 2047, .op = Op::Addiw, .rd = 5, .rs1 = 5}},  // addiw t0, t0, 2047
    {0x01f5151b, {.imm = 31, .op = Op::Slliw, .rd = 10, .rs1 = 10}},  // slliw a0, a0, 31
    {0x0006559b, {.op = Op::Srliw, .rd = 11, .rs1 = 12}},  // srliw a1, a2, 0
    {0x4117569b, {.imm = 17, .op = Op::Sraiw, .rd = 13, .rs1 = 14}},  // sraiw a3, a4, 17
};

constexpr Case kRegisterRegister[] = {
    {0x00c58533, {.op = Op::Add, .rd = 10, .rs1 = 11, .rs2 = 12}},  // add a0, a1, a2
    {0x407302b3, {.op = Op::Sub, .rd = 5, .rs1 = 6, .rs2 = 7}},  // sub t0, t1, t2
    {0x01249433, {.op = Op::Sll, .rd = 8, .rs1 = 9, .rs2 = 18}},  // sll s0, s1, s2
    {0x015a29b3, {.op = Op::Slt, .rd = 19, .rs1 = 20, .rs2 = 21}},  // slt s3, s4, s5
    {0x018bbb33, {.op = Op::Sltu, .rd = 22, .rs1 = 23, .rs2 = 24}},  // sltu s6, s7, s8
    {0x01bd4cb3, {.op = Op::Xor, .rd = 25, .rs1 = 26, .rs2 = 27}},  // xor s9, s10, s11
    {0x01eede33, {.op = Op::Srl, .rd = 28, .rs1 = 29, .rs2 = 30}},  // srl t3, t4, t5
    {0x40105fb3, {.op = Op::Sra, .rd = 31, .rs2 = 1}},  // sra t6, zero, ra
    {0x0041e133, {.op = Op::Or, .rd = 2, .rs1 = 3, .rs2 = 4}},  // or sp, gp, tp
    {0x00a57533, {.op = Op::And, .rd = 10, .rs1 = 10, .rs2 = 10}},  // and a0, a0, a0
    {0x00c5853b, {.op = Op::Addw, .rd = 10, .rs1 = 11, .rs2 = 12}},  // addw a0, a1, a2
    {0x40f706bb, {.op = Op::Subw, .rd = 13, .rs1 = 14, .rs2 = 15}},  // subw a3, a4, a5
    {0x0128983b, {.op = Op::Sllw, .rd = 16, .rs1 = 17, .rs2 = 18}},  // sllw a6, a7, s2
    {0x015a59bb, {.op = Op::Srlw, .rd = 19, .rs1 = 20, .rs2 = 21}},  // srlw s3, s4, s5
    {0x418bdb3b, {.op = Op::Sraw, .rd = 22, .rs1 = 23, .rs2 = 24}},  // sraw s6, s7, s8
};

constexpr Case kFences[] = {
    {0x0ff0000f, {.imm = 0xff, .op = Op::Fence}},  // fence
    {0x0310000f, {.imm = 0x31, .op = Op::Fence}},  // fence rw, w
    {0x0230000f, {.imm = 0x23, .op = Op::Fence}},  // fence r, rw
    {0x0f40000f, {.imm = 0xf4, .op = Op::Fence}},  // fence iorw, o
    {0x0850000f, {.imm = 0x85, .op = Op::Fence}},  // fence i, ow
    {0x0000100f, {.op = Op::FenceI}},  // fence.i
};

constexpr Case kMulDiv[] = {
    {0x02c58533, {.op = Op::Mul, .rd = 10, .rs1 = 11, .rs2 = 12}},  // mul a0, a1, a2
    {0x02f716b3, {.op = Op::Mulh, .rd = 13, .rs1 = 14, .rs2 = 15}},  // mulh a3, a4, a5
    {0x0258a833, {.op = Op::Mulhsu, .rd = 16, .rs1 = 17, .rs2 = 5}},  // mulhsu a6, a7, t0
    {0x03c3b333, {.op = Op::Mulhu, .rd = 6, .rs1 = 7, .rs2 = 28}},  // mulhu t1, t2, t3
    {0x03ff4eb3, {.op = Op::Div, .rd = 29, .rs1 = 30, .rs2 = 31}},  // div t4, t5, t6
    {0x0324d433, {.op = Op::Divu, .rd = 8, .rs1 = 9, .rs2 = 18}},  // divu s0, s1, s2
    {0x035a69b3, {.op = Op::Rem, .rd = 19, .rs1 = 20, .rs2 = 21}},  // rem s3, s4, s5
    {0x038bfb33, {.op = Op::Remu, .rd = 22, .rs1 = 23, .rs2 = 24}},  // remu s6, s7, s8
    {0x03bd0cbb, {.op = Op::Mulw, .rd = 25, .rs1 = 26, .rs2 = 27}},  // mulw s9, s10, s11
    {0x02c5c53b, {.op = Op::Divw, .rd = 10, .rs1 = 11, .rs2 = 12}},  // divw a0, a1, a2
    {0x02c5d53b, {.op = Op::Divuw, .rd = 10, .rs1 = 11, .rs2 = 12}},  // divuw a0, a1, a2
    {0x02c5e53b, {.op = Op::Remw, .rd = 10, .rs1 = 11, .rs2 = 12}},  // remw a0, a1, a2
    {0x02c5f53b, {.op = Op::Remuw, .rd = 10, .rs1 = 11, .rs2 = 12}},  // remuw a0, a1, a2
};

constexpr Case kAtomics[] = {
    {0x1005a52f, {.op = Op::LrW, .rd = 10, .rs1 = 11}},  // lr.w a0, (a1)
    {0x1605a52f, {.op = Op::LrW, .rd = 10, .rs1 = 11, .aqrl = 3}},  // lr.w.aqrl a0, (a1)
    {0x140332af, {.op = Op::LrD, .rd = 5, .rs1 = 6, .aqrl = 2}},  // lr.d.aq t0, (t1)
    {0x120332af, {.op = Op::LrD, .rd = 5, .rs1 = 6, .aqrl = 1}},  // lr.d.rl t0, (t1)
    {0x18c5a52f, {.op = Op::ScW, .rd = 10, .rs1 = 11, .rs2 = 12}},  // sc.w a0, a2, (a1)
    {0x1ac5b52f, {.op = Op::ScD, .rd = 10, .rs1 = 11, .rs2 = 12, .aqrl = 1}},  // sc.d.rl a0, a2, (a1)
    {0x08c5a52f, {.op = Op::AmoswapW, .rd = 10, .rs1 = 11, .rs2 = 12}},  // amoswap.w a0, a2, (a1)
    {0x04c5a52f, {.op = Op::AmoaddW, .rd = 10, .rs1 = 11, .rs2 = 12, .aqrl = 2}},  // amoadd.w.aq a0, a2, (a1)
    {0x22c5a52f, {.op = Op::AmoxorW, .rd = 10, .rs1 = 11, .rs2 = 12, .aqrl = 1}},  // amoxor.w.rl a0, a2, (a1)
    {0x66c5a52f, {.op = Op::AmoandW, .rd = 10, .rs1 = 11, .rs2 = 12, .aqrl = 3}},  // amoand.w.aqrl a0, a2, (a1)
    {0x40c5a52f, {.op = Op::AmoorW, .rd = 10, .rs1 = 11, .rs2 = 12}},  // amoor.w a0, a2, (a1)
    {0x80c5a52f, {.op = Op::AmominW, .rd = 10, .rs1 = 11, .rs2 = 12}},  // amomin.w a0, a2, (a1)
    {0xa0c5a52f, {.op = Op::AmomaxW, .rd = 10, .rs1 = 11, .rs2 = 12}},  // amomax.w a0, a2, (a1)
    {0xc0c5a52f, {.op = Op::AmominuW, .rd = 10, .rs1 = 11, .rs2 = 12}},  // amominu.w a0, a2, (a1)
    {0xe0c5a52f, {.op = Op::AmomaxuW, .rd = 10, .rs1 = 11, .rs2 = 12}},  // amomaxu.w a0, a2, (a1)
    {0x08c5b52f, {.op = Op::AmoswapD, .rd = 10, .rs1 = 11, .rs2 = 12}},  // amoswap.d a0, a2, (a1)
    {0x04c5b52f, {.op = Op::AmoaddD, .rd = 10, .rs1 = 11, .rs2 = 12, .aqrl = 2}},  // amoadd.d.aq a0, a2, (a1)
    {0x20c5b52f, {.op = Op::AmoxorD, .rd = 10, .rs1 = 11, .rs2 = 12}},  // amoxor.d a0, a2, (a1)
    {0x60c5b52f, {.op = Op::AmoandD, .rd = 10, .rs1 = 11, .rs2 = 12}},  // amoand.d a0, a2, (a1)
    {0x40c5b52f, {.op = Op::AmoorD, .rd = 10, .rs1 = 11, .rs2 = 12}},  // amoor.d a0, a2, (a1)
    {0x80c5b52f, {.op = Op::AmominD, .rd = 10, .rs1 = 11, .rs2 = 12}},  // amomin.d a0, a2, (a1)
    {0xa6c5b52f, {.op = Op::AmomaxD, .rd = 10, .rs1 = 11, .rs2 = 12, .aqrl = 3}},  // amomax.d.aqrl a0, a2, (a1)
    {0xc0c5b52f, {.op = Op::AmominuD, .rd = 10, .rs1 = 11, .rs2 = 12}},  // amominu.d a0, a2, (a1)
    {0xe099342f, {.op = Op::AmomaxuD, .rd = 8, .rs1 = 18, .rs2 = 9}},  // amomaxu.d s0, s1, (s2)
};

constexpr Case kCsr[] = {
    {0x34059573, {.op = Op::Csrrw, .csr = 0x340, .rd = 10, .rs1 = 11}},  // csrrw a0, mscratch, a1
    {0x30002573, {.op = Op::Csrrs, .csr = 0x300, .rd = 10}},  // csrrs a0, mstatus, zero
    {0x1042b073, {.op = Op::Csrrc, .csr = 0x104, .rs1 = 5}},  // csrrc zero, sie, t0
    {0x30045073, {.op = Op::Csrrwi, .csr = 0x300, .rs1 = 8}},  // csrrwi zero, mstatus, 8
    {0x100fe573, {.op = Op::Csrrsi, .csr = 0x100, .rd = 10, .rs1 = 31}},  // csrrsi a0, sstatus, 31
    {0x344075f3, {.op = Op::Csrrci, .csr = 0x344, .rd = 11}},  // csrrci a1, mip, 0
    {0x7c002573, {.op = Op::Csrrs, .csr = 0x7c0, .rd = 10}},  // csrrs a0, 0x7c0, zero
    {0x00259573, {.op = Op::Csrrw, .csr = 0x002, .rd = 10, .rs1 = 11}},  // csrrw a0, frm, a1
    {0xc0002573, {.op = Op::Csrrs, .csr = 0xc00, .rd = 10}},  // csrrs a0, cycle, zero
    {0x3ef51073, {.op = Op::Csrrw, .csr = 0x3ef, .rs1 = 10}},  // csrrw zero, pmpaddr63, a0
    {0xf1402573, {.op = Op::Csrrs, .csr = 0xf14, .rd = 10}},  // csrrs a0, mhartid, zero
};

constexpr Case kSystem[] = {
    {0x00000073, {.op = Op::Ecall}},  // ecall
    {0x00100073, {.op = Op::Ebreak}},  // ebreak
    {0x30200073, {.op = Op::Mret}},  // mret
    {0x10200073, {.op = Op::Sret}},  // sret
    {0x10500073, {.op = Op::Wfi}},  // wfi
    {0x12000073, {.op = Op::SfenceVma}},  // sfence.vma zero, zero
    {0x12050073, {.op = Op::SfenceVma, .rs1 = 10}},  // sfence.vma a0, zero
    {0x12b50073, {.op = Op::SfenceVma, .rs1 = 10, .rs2 = 11}},  // sfence.vma a0, a1
};

constexpr Case kSinglePrecision[] = {
    {0x00812507, {.imm = 8, .op = Op::Flw, .rd = 10, .rs1 = 2}},  // flw fa0, 8(sp)
    {0x80052007, {.imm = -2048, .op = Op::Flw, .rs1 = 10}},  // flw ft0, -2048(a0)
    {0x7e85afa7, {.imm = 2047, .op = Op::Fsw, .rs1 = 11, .rs2 = 8}},  // fsw fs0, 2047(a1)
    {0xfff12e27, {.imm = -4, .op = Op::Fsw, .rs1 = 2, .rs2 = 31}},  // fsw ft11, -4(sp)
    {0x68c5f543, {.op = Op::FmaddS, .rd = 10, .rs1 = 11, .rs2 = 12, .rs3 = 13, .rm = 7}},  // fmadd.s fa0, fa1, fa2, fa3
    {0x68c5c543, {.op = Op::FmaddS, .rd = 10, .rs1 = 11, .rs2 = 12, .rs3 = 13, .rm = 4}},  // fmadd.s fa0, fa1, fa2, fa3, rmm
    {0x18208047, {.op = Op::FmsubS, .rs1 = 1, .rs2 = 2, .rs3 = 3}},  // fmsub.s ft0, ft1, ft2, ft3, rne
    {0x9924944b, {.op = Op::FnmsubS, .rd = 8, .rs1 = 9, .rs2 = 18, .rs3 = 19, .rm = 1}},  // fnmsub.s fs0, fs1, fs2, fs3, rtz
    {0xf9eeae4f, {.op = Op::FnmaddS, .rd = 28, .rs1 = 29, .rs2 = 30, .rs3 = 31, .rm = 2}},  // fnmadd.s ft8, ft9, ft10, ft11, rdn
    {0x00c5f553, {.op = Op::FaddS, .rd = 10, .rs1 = 11, .rs2 = 12, .rm = 7}},  // fadd.s fa0, fa1, fa2
    {0x00c5b553, {.op = Op::FaddS, .rd = 10, .rs1 = 11, .rs2 = 12, .rm = 3}},  // fadd.s fa0, fa1, fa2, rup
    {0x08c5f553, {.op = Op::FsubS, .rd = 10, .rs1 = 11, .rs2 = 12, .rm = 7}},  // fsub.s fa0, fa1, fa2
    {0x10c59553, {.op = Op::FmulS, .rd = 10, .rs1 = 11, .rs2 = 12, .rm = 1}},  // fmul.s fa0, fa1, fa2, rtz
    {0x18c5f553, {.op = Op::FdivS, .rd = 10, .rs1 = 11, .rs2 = 12, .rm = 7}},  // fdiv.s fa0, fa1, fa2
    {0x5805f553, {.op = Op::FsqrtS, .rd = 10, .rs1 = 11, .rm = 7}},  // fsqrt.s fa0, fa1
    {0x58058553, {.op = Op::FsqrtS, .rd = 10, .rs1 = 11}},  // fsqrt.s fa0, fa1, rne
    {0x20c58553, {.op = Op::FsgnjS, .rd = 10, .rs1 = 11, .rs2 = 12}},  // fsgnj.s fa0, fa1, fa2
    {0x20c59553, {.op = Op::FsgnjnS, .rd = 10, .rs1 = 11, .rs2 = 12}},  // fsgnjn.s fa0, fa1, fa2
    {0x20c5a553, {.op = Op::FsgnjxS, .rd = 10, .rs1 = 11, .rs2 = 12}},  // fsgnjx.s fa0, fa1, fa2
    {0x28c58553, {.op = Op::FminS, .rd = 10, .rs1 = 11, .rs2 = 12}},  // fmin.s fa0, fa1, fa2
    {0x28c59553, {.op = Op::FmaxS, .rd = 10, .rs1 = 11, .rs2 = 12}},  // fmax.s fa0, fa1, fa2
    {0xc0057553, {.op = Op::FcvtWS, .rd = 10, .rs1 = 10, .rm = 7}},  // fcvt.w.s a0, fa0
    {0xc0051553, {.op = Op::FcvtWS, .rd = 10, .rs1 = 10, .rm = 1}},  // fcvt.w.s a0, fa0, rtz
    {0xc0151553, {.op = Op::FcvtWuS, .rd = 10, .rs1 = 10, .rm = 1}},  // fcvt.wu.s a0, fa0, rtz
    {0xc0257553, {.op = Op::FcvtLS, .rd = 10, .rs1 = 10, .rm = 7}},  // fcvt.l.s a0, fa0
    {0xc0354553, {.op = Op::FcvtLuS, .rd = 10, .rs1 = 10, .rm = 4}},  // fcvt.lu.s a0, fa0, rmm
    {0xe0050553, {.op = Op::FmvXW, .rd = 10, .rs1 = 10}},  // fmv.x.w a0, fa0
    {0xa0b52553, {.op = Op::FeqS, .rd = 10, .rs1 = 10, .rs2 = 11}},  // feq.s a0, fa0, fa1
    {0xa0b51553, {.op = Op::FltS, .rd = 10, .rs1 = 10, .rs2 = 11}},  // flt.s a0, fa0, fa1
    {0xa0b50553, {.op = Op::FleS, .rd = 10, .rs1 = 10, .rs2 = 11}},  // fle.s a0, fa0, fa1
    {0xe0051553, {.op = Op::FclassS, .rd = 10, .rs1 = 10}},  // fclass.s a0, fa0
    {0xd0057553, {.op = Op::FcvtSW, .rd = 10, .rs1 = 10, .rm = 7}},  // fcvt.s.w fa0, a0
    {0xd0050553, {.op = Op::FcvtSW, .rd = 10, .rs1 = 10}},  // fcvt.s.w fa0, a0, rne
    {0xd0157553, {.op = Op::FcvtSWu, .rd = 10, .rs1 = 10, .rm = 7}},  // fcvt.s.wu fa0, a0
    {0xd0257553, {.op = Op::FcvtSL, .rd = 10, .rs1 = 10, .rm = 7}},  // fcvt.s.l fa0, a0
    {0xd0352553, {.op = Op::FcvtSLu, .rd = 10, .rs1 = 10, .rm = 2}},  // fcvt.s.lu fa0, a0, rdn
    {0xf0050553, {.op = Op::FmvWX, .rd = 10, .rs1 = 10}},  // fmv.w.x fa0, a0
};

constexpr Case kDoublePrecision[] = {
    {0x00813507, {.imm = 8, .op = Op::Fld, .rd = 10, .rs1 = 2}},  // fld fa0, 8(sp)
    {0xff843d87, {.imm = -8, .op = Op::Fld, .rd = 27, .rs1 = 8}},  // fld fs11, -8(s0)
    {0x00a13827, {.imm = 16, .op = Op::Fsd, .rs1 = 2, .rs2 = 10}},  // fsd fa0, 16(sp)
    {0x807fb027, {.imm = -2048, .op = Op::Fsd, .rs1 = 31, .rs2 = 7}},  // fsd ft7, -2048(t6)
    {0x6ac5f543, {.op = Op::FmaddD, .rd = 10, .rs1 = 11, .rs2 = 12, .rs3 = 13, .rm = 7}},  // fmadd.d fa0, fa1, fa2, fa3
    {0x6ac59547, {.op = Op::FmsubD, .rd = 10, .rs1 = 11, .rs2 = 12, .rs3 = 13, .rm = 1}},  // fmsub.d fa0, fa1, fa2, fa3, rtz
    {0x6ac5f54b, {.op = Op::FnmsubD, .rd = 10, .rs1 = 11, .rs2 = 12, .rs3 = 13, .rm = 7}},  // fnmsub.d fa0, fa1, fa2, fa3
    {0x6ac5b54f, {.op = Op::FnmaddD, .rd = 10, .rs1 = 11, .rs2 = 12, .rs3 = 13, .rm = 3}},  // fnmadd.d fa0, fa1, fa2, fa3, rup
    {0x02c5f553, {.op = Op::FaddD, .rd = 10, .rs1 = 11, .rs2 = 12, .rm = 7}},  // fadd.d fa0, fa1, fa2
    {0x02c58553, {.op = Op::FaddD, .rd = 10, .rs1 = 11, .rs2 = 12}},  // fadd.d fa0, fa1, fa2, rne
    {0x0ac5f553, {.op = Op::FsubD, .rd = 10, .rs1 = 11, .rs2 = 12, .rm = 7}},  // fsub.d fa0, fa1, fa2
    {0x12c5f553, {.op = Op::FmulD, .rd = 10, .rs1 = 11, .rs2 = 12, .rm = 7}},  // fmul.d fa0, fa1, fa2
    {0x1ac5c553, {.op = Op::FdivD, .rd = 10, .rs1 = 11, .rs2 = 12, .rm = 4}},  // fdiv.d fa0, fa1, fa2, rmm
    {0x5a05f553, {.op = Op::FsqrtD, .rd = 10, .rs1 = 11, .rm = 7}},  // fsqrt.d fa0, fa1
    {0x5a05b553, {.op = Op::FsqrtD, .rd = 10, .rs1 = 11, .rm = 3}},  // fsqrt.d fa0, fa1, rup
    {0x22c58553, {.op = Op::FsgnjD, .rd = 10, .rs1 = 11, .rs2 = 12}},  // fsgnj.d fa0, fa1, fa2
    {0x22c59553, {.op = Op::FsgnjnD, .rd = 10, .rs1 = 11, .rs2 = 12}},  // fsgnjn.d fa0, fa1, fa2
    {0x22c5a553, {.op = Op::FsgnjxD, .rd = 10, .rs1 = 11, .rs2 = 12}},  // fsgnjx.d fa0, fa1, fa2
    {0x2ac58553, {.op = Op::FminD, .rd = 10, .rs1 = 11, .rs2 = 12}},  // fmin.d fa0, fa1, fa2
    {0x2ac59553, {.op = Op::FmaxD, .rd = 10, .rs1 = 11, .rs2 = 12}},  // fmax.d fa0, fa1, fa2
    {0x4015f553, {.op = Op::FcvtSD, .rd = 10, .rs1 = 11, .rm = 7}},  // fcvt.s.d fa0, fa1
    {0x40159553, {.op = Op::FcvtSD, .rd = 10, .rs1 = 11, .rm = 1}},  // fcvt.s.d fa0, fa1, rtz
    {0x42058553, {.op = Op::FcvtDS, .rd = 10, .rs1 = 11}},  // fcvt.d.s fa0, fa1
    {0xa2b52553, {.op = Op::FeqD, .rd = 10, .rs1 = 10, .rs2 = 11}},  // feq.d a0, fa0, fa1
    {0xa2b51553, {.op = Op::FltD, .rd = 10, .rs1 = 10, .rs2 = 11}},  // flt.d a0, fa0, fa1
    {0xa2b50553, {.op = Op::FleD, .rd = 10, .rs1 = 10, .rs2 = 11}},  // fle.d a0, fa0, fa1
    {0xe2051553, {.op = Op::FclassD, .rd = 10, .rs1 = 10}},  // fclass.d a0, fa0
    {0xc2051553, {.op = Op::FcvtWD, .rd = 10, .rs1 = 10, .rm = 1}},  // fcvt.w.d a0, fa0, rtz
    {0xc2157553, {.op = Op::FcvtWuD, .rd = 10, .rs1 = 10, .rm = 7}},  // fcvt.wu.d a0, fa0
    {0xc2251553, {.op = Op::FcvtLD, .rd = 10, .rs1 = 10, .rm = 1}},  // fcvt.l.d a0, fa0, rtz
    {0xc2357553, {.op = Op::FcvtLuD, .rd = 10, .rs1 = 10, .rm = 7}},  // fcvt.lu.d a0, fa0
    {0xe2050553, {.op = Op::FmvXD, .rd = 10, .rs1 = 10}},  // fmv.x.d a0, fa0
    {0xd2050553, {.op = Op::FcvtDW, .rd = 10, .rs1 = 10}},  // fcvt.d.w fa0, a0
    {0xd2150553, {.op = Op::FcvtDWu, .rd = 10, .rs1 = 10}},  // fcvt.d.wu fa0, a0
    {0xd2257553, {.op = Op::FcvtDL, .rd = 10, .rs1 = 10, .rm = 7}},  // fcvt.d.l fa0, a0
    {0xd2351553, {.op = Op::FcvtDLu, .rd = 10, .rs1 = 10, .rm = 1}},  // fcvt.d.lu fa0, a0, rtz
    {0xf2050553, {.op = Op::FmvDX, .rd = 10, .rs1 = 10}},  // fmv.d.x fa0, a0
};
// clang-format on

TEST(Decoder, UpperImmediates) {
    check(kUpperImmediates);
}
TEST(Decoder, Jumps) {
    check(kJumps);
}
TEST(Decoder, Branches) {
    check(kBranches);
}
TEST(Decoder, Loads) {
    check(kLoads);
}
TEST(Decoder, Stores) {
    check(kStores);
}
TEST(Decoder, RegisterImmediate) {
    check(kRegisterImmediate);
}
TEST(Decoder, RegisterRegister) {
    check(kRegisterRegister);
}
TEST(Decoder, Fences) {
    check(kFences);
}
TEST(Decoder, MulDiv) {
    check(kMulDiv);
}
TEST(Decoder, Atomics) {
    check(kAtomics);
}
TEST(Decoder, Csr) {
    check(kCsr);
}
TEST(Decoder, System) {
    check(kSystem);
}
TEST(Decoder, SinglePrecision) {
    check(kSinglePrecision);
}
TEST(Decoder, DoublePrecision) {
    check(kDoublePrecision);
}

TEST(Decoder, EveryOpIsCoveredByTheTables) {
    const std::span<const Case> tables[] = {
        kUpperImmediates,  kJumps,          kBranches, kLoads,   kStores, kRegisterImmediate,
        kRegisterRegister, kFences,         kMulDiv,   kAtomics, kCsr,    kSystem,
        kSinglePrecision,  kDoublePrecision};
    std::set<Op> seen;
    for (const auto& table : tables) {
        for (const Case& c : table) seen.insert(c.want.op);
    }
    for (unsigned i = 1; i < kOpCount; ++i) {
        EXPECT_TRUE(seen.count(static_cast<Op>(i))) << op_name(static_cast<Op>(i));
    }
    EXPECT_FALSE(seen.count(Op::Illegal));
}

// Immediates that must come out sign-extended to 64 bits.
TEST(Decoder, SignExtendsImmediates) {
    EXPECT_EQ(decode(0x80000537).imm, -0x80000000LL);  // lui a0, 0x80000
    EXPECT_EQ(decode(0xfffff517).imm, -0x1000);        // auipc a0, 0xfffff
    EXPECT_EQ(decode(0x800002ef).imm, -0x100000);      // jal t0, .-0x100000
    EXPECT_EQ(decode(0x80941063).imm, -4096);          // bne s0, s1, .-4096
    EXPECT_EQ(decode(0xfff99903).imm, -1);             // lh s2, -1(s3)
    EXPECT_EQ(decode(0x80013083).imm, -2048);          // ld ra, -2048(sp)
    EXPECT_EQ(decode(0xff6b9fa3).imm, -1);             // sh s6, -1(s7)
    EXPECT_EQ(decode(0xfffdad13).imm, -1);             // slti s10, s11, -1
    EXPECT_EQ(decode(0xfff5051b).imm, -1);             // addiw a0, a0, -1
    EXPECT_EQ(decode(0x800c8c13).imm, -2048);          // addi s8, s9, -2048
    // sltiu compares against the sign-extended immediate, so it is sign-extended too.
    EXPECT_EQ(decode(0xfff5b513).imm, -1);  // sltiu a0, a1, -1
}

// Each immediate bit of the B, J and S formats set on its own (rs1 = rs2 = rd = x0), so a
// misplaced bit in the scatter/gather shows up as the wrong power of two.
TEST(Decoder, BranchImmediateBits) {
    const std::pair<u32, i64> cases[] = {
        {0x00000163, 2},   {0x00000263, 4},    {0x00000463, 8},    {0x00000863, 16},
        {0x02000063, 32},  {0x04000063, 64},   {0x08000063, 128},  {0x10000063, 256},
        {0x20000063, 512}, {0x40000063, 1024}, {0x000000e3, 2048}, {0x80000063, -4096},
    };
    for (const auto& [raw, imm] : cases) {
        SCOPED_TRACE(hex(raw));
        EXPECT_EQ(decode(raw).op, Op::Beq);
        EXPECT_EQ(decode(raw).imm, imm);
    }
}

TEST(Decoder, JumpImmediateBits) {
    const std::pair<u32, i64> cases[] = {
        {0x0020006f, 2},      {0x0040006f, 4},      {0x0080006f, 8},      {0x0100006f, 16},
        {0x0200006f, 32},     {0x0400006f, 64},     {0x0800006f, 128},    {0x1000006f, 256},
        {0x2000006f, 512},    {0x4000006f, 1024},   {0x0010006f, 2048},   {0x0000106f, 4096},
        {0x0000206f, 8192},   {0x0000406f, 16384},  {0x0000806f, 32768},  {0x0001006f, 65536},
        {0x0002006f, 131072}, {0x0004006f, 262144}, {0x0008006f, 524288}, {0x8000006f, -1048576},
    };
    for (const auto& [raw, imm] : cases) {
        SCOPED_TRACE(hex(raw));
        EXPECT_EQ(decode(raw).op, Op::Jal);
        EXPECT_EQ(decode(raw).imm, imm);
    }
}

TEST(Decoder, StoreImmediateBits) {
    const std::pair<u32, i64> cases[] = {
        {0x000000a3, 1},   {0x00000123, 2},   {0x00000223, 4},    {0x00000423, 8},
        {0x00000823, 16},  {0x02000023, 32},  {0x04000023, 64},   {0x08000023, 128},
        {0x10000023, 256}, {0x20000023, 512}, {0x40000023, 1024}, {0x80000023, -2048},
    };
    for (const auto& [raw, imm] : cases) {
        SCOPED_TRACE(hex(raw));
        EXPECT_EQ(decode(raw).op, Op::Sb);
        EXPECT_EQ(decode(raw).imm, imm);
    }
}

// FENCE.TSO (fm=1000), and fences with the reserved rd/rs1 fields set, are plain FENCEs.
TEST(Decoder, FenceVariantsAreFence) {
    const Case cases[] = {
        {0x8330000f, {.imm = 0x33, .op = Op::Fence}},  // fence.tso
        {0x0ff5050f, {.imm = 0xff, .op = Op::Fence}},  // fence iorw, iorw with rd=rs1=a0
        {0x0100000f, {.imm = 0x10, .op = Op::Fence}},  // fence w, 0 (the PAUSE hint)
        {0x0000000f, {.imm = 0x00, .op = Op::Fence}},  // fence 0, 0
        {0xfff5150f, {.op = Op::FenceI}},              // fence.i with reserved fields set
    };
    check(cases);
}

// The instruction-specific fields an op does not use stay zero.
TEST(Decoder, UnusedFieldsAreZero) {
    const DecodedInsn csr = decode(0x34059573);  // csrrw a0, mscratch, a1
    EXPECT_EQ(csr.imm, 0);
    EXPECT_EQ(csr.rs2, 0);
    const DecodedInsn fsgnj = decode(0x20c58553);  // fsgnj.s: funct3 is not a rounding mode
    EXPECT_EQ(fsgnj.rm, 0);
    const DecodedInsn fcvt = decode(0xc0257553);  // fcvt.l.s: rs2 selects the type
    EXPECT_EQ(fcvt.rs2, 0);
    EXPECT_EQ(fcvt.rm, 7);
    const DecodedInsn lr = decode(0x1605a52f);  // lr.w.aqrl a0, (a1)
    EXPECT_EQ(lr.rs2, 0);
    EXPECT_EQ(lr.aqrl, 3);
}

struct IllegalCase {
    u32 raw;
    const char* why;
};

constexpr IllegalCase kIllegal[] = {
    {0xffffffff, "all ones: >32-bit length prefix"},
    {0x0000001f, "48-bit prefix 0011111"},
    {0x0000005f, "48-bit prefix 1011111"},
    {0x0000003f, "64-bit prefix"},
    {0x0000007f, ">=80-bit prefix"},
    {0xfffff0ff, "all-ones opcode with other fields"},
    {0x0000000b, "custom-0"},
    {0x0000002b, "custom-1"},
    {0x0000005b, "custom-2"},
    {0x0000007b, "custom-3"},
    {0x00000057, "OP-V"},
    {0x0000006b, "reserved opcode 1101011"},
    {0x00000077, "OP-P reserved opcode 1110111"},
    {0x00009067, "jalr funct3=1"},
    {0xfeb524e3, "branch funct3=2"},
    {0xfeb534e3, "branch funct3=3"},
    {0x00817503, "load funct3=7"},
    {0x00114c23, "store funct3=4"},
    {0x00117c23, "store funct3=7"},
    {0x20c58533, "add with funct7=0x10"},
    {0x80c58533, "add with funct7=0x40"},
    {0x42c58533, "add with funct7=0x21"},
    {0x40c59533, "funct7=0x20 with funct3=1"},
    {0x40c5a533, "funct7=0x20 with funct3=2"},
    {0x40c5f533, "funct7=0x20 with funct3=7"},
    {0x40c5953b, "OP-32 funct7=0x20 funct3=1"},
    {0x02c5953b, "OP-32 funct7=1 funct3=1"},
    {0x00c5a53b, "OP-32 funct3=2"},
    {0x02c5b53b, "OP-32 funct7=1 funct3=3"},
    {0x00c5c53b, "OP-32 funct3=4"},
    {0x04351513, "slli with imm[6] set"},
    {0x40351513, "slli with funct6=010000"},
    {0x82075693, "srli with imm[11] set"},
    {0x47f85793, "srai with funct6=010001"},
    {0x03f5151b, "slliw with imm[5]=1"},
    {0x0206559b, "srliw with imm[5]=1"},
    {0x4317569b, "sraiw with imm[5]=1"},
    {0x0005a51b, "OP-IMM-32 funct3=2"},
    {0x0005c51b, "OP-IMM-32 funct3=4"},
    {0x0005f51b, "OP-IMM-32 funct3=7"},
    {0x0000200f, "MISC-MEM funct3=2"},
    {0x0000700f, "MISC-MEM funct3=7"},
    {0x00c5852f, "AMO funct3=0"},
    {0x00c5c52f, "AMO funct3=4"},
    {0x00c5f52f, "AMO funct3=7"},
    {0x1015a52f, "lr.w with rs2=1"},
    {0x11f5b52f, "lr.d with rs2=31"},
    {0x28c5a52f, "AMO funct5=0x05"},
    {0xf8c5a52f, "AMO funct5=0x1f"},
    {0x000000f3, "ecall with rd=1"},
    {0x00008073, "ecall with rs1=1"},
    {0x001000f3, "ebreak with rd=1"},
    {0x302000f3, "mret with rd=1"},
    {0x30208073, "mret with rs1=1"},
    {0x10208073, "sret with rs1=1"},
    {0x105000f3, "wfi with rd=1"},
    {0x10508073, "wfi with rs1=1"},
    {0x00200073, "uret (removed)"},
    {0x7b200073, "dret (debug mode only)"},
    {0x22000073, "hfence.vvma"},
    {0x62000073, "hfence.gvma"},
    {0x16000073, "sinval.vma"},
    {0x12b500f3, "sfence.vma with rd=1"},
    {0x00004073, "SYSTEM funct3=4"},
    {0x30004073, "SYSTEM funct3=4 with a CSR"},
    {0x10300073, "funct12=0x103"},
    {0x10400073, "funct12=0x104"},
    {0x00300073, "funct12=0x003"},
    {0x00811507, "flh (Zfh)"},
    {0x00814507, "flq (Q)"},
    {0x00810507, "LOAD-FP funct3=0 (vector)"},
    {0x7e859fa7, "fsh (Zfh)"},
    {0x7e85cfa7, "fsq (Q)"},
    {0x68c5d543, "fmadd.s rm=5"},
    {0x68c5e543, "fmadd.s rm=6"},
    {0x6ac5d543, "fmadd.d rm=5"},
    {0x6cc5f543, "fmadd.h (fmt=2)"},
    {0x6ec5f543, "fmadd.q (fmt=3)"},
    {0x04c5f553, "fadd.h (fmt=2)"},
    {0x06c5f553, "fadd.q (fmt=3)"},
    {0x00c5d553, "fadd.s rm=5"},
    {0x00c5e553, "fadd.s rm=6"},
    {0x02c5e553, "fadd.d rm=6"},
    {0x18c5d553, "fdiv.s rm=5"},
    {0x5815f553, "fsqrt.s rs2=1"},
    {0x5805d553, "fsqrt.s rm=5"},
    {0x20c5b553, "fsgnj.s funct3=3"},
    {0x22c5f553, "fsgnj.d funct3=7"},
    {0x28c5a553, "fmin.s funct3=2"},
    {0xa0b53553, "feq.s funct3=3"},
    {0xe0052553, "fclass.s funct3=2"},
    {0xe0150553, "fmv.x.w rs2=1"},
    {0xf0051553, "fmv.w.x funct3=1"},
    {0xf0150553, "fmv.w.x rs2=1 (Zfa fli.s)"},
    {0xc0457553, "fcvt.w.s rs2=4"},
    {0xc2851553, "fcvt.d rs2=8 (Zfa fcvtmod.w.d)"},
    {0xc005d553, "fcvt.w.s rm=5"},
    {0xd0457553, "fcvt.s.w rs2=4"},
    {0xd2055553, "fcvt.d.w rm=5"},
    {0x40057553, "fcvt.s.s (fmt=S, rs2=0)"},
    {0x42158553, "fcvt.d.d (fmt=D, rs2=1)"},
    {0x40457553, "fround.s (Zfa)"},
    {0x4015e553, "fcvt.s.d rm=6"},
    {0x30c5f553, "OP-FP funct5=0x06"},
    {0xf8c5f553, "OP-FP funct5=0x1f"},
};

TEST(Decoder, IllegalEncodings) {
    for (const IllegalCase& c : kIllegal) {
        SCOPED_TRACE(hex(c.raw) + " " + c.why);
        EXPECT_EQ(decode(c.raw), illegal32(c.raw));
    }
}

// Reserved rounding modes make every op that takes a rounding mode illegal; the same
// encodings with the dynamic mode are valid.
TEST(Decoder, ReservedRoundingModes) {
    const u32 with_dyn_rm[] = {
        0x68c5f543,  // fmadd.s fa0, fa1, fa2, fa3
        0x02c5f553,  // fadd.d fa0, fa1, fa2
        0x5805f553,  // fsqrt.s fa0, fa1
        0x4015f553,  // fcvt.s.d fa0, fa1
        0xc0257553,  // fcvt.l.s a0, fa0
        0xd2257553,  // fcvt.d.l fa0, a0
    };
    for (const u32 raw : with_dyn_rm) {
        SCOPED_TRACE(hex(raw));
        EXPECT_NE(decode(raw).op, Op::Illegal);
        for (u32 rm = 0; rm < 8; ++rm) {
            const u32 w = (raw & ~0x7000u) | rm << 12;
            const DecodedInsn d = decode(w);
            if (rm == 5 || rm == 6) {
                EXPECT_EQ(d, illegal32(w)) << "rm=" << rm;
            } else {
                EXPECT_EQ(d.op, decode(raw).op) << "rm=" << rm;
                EXPECT_EQ(d.rm, rm);
            }
        }
    }
}

TEST(Decoder, InstructionLength) {
    EXPECT_EQ(insn_length(0x0000), 2u);
    EXPECT_EQ(insn_length(0x0001), 2u);
    EXPECT_EQ(insn_length(0x0002), 2u);
    EXPECT_EQ(insn_length(0x0003), 4u);
    EXPECT_EQ(insn_length(0x4505), 2u);
    EXPECT_EQ(insn_length(0x0513), 4u);
    EXPECT_EQ(insn_length(0xffff), 4u);  // 0xffff starts a >32-bit encoding: fetched as 4.
    static_assert(insn_length(0x001f) == 4);
}

TEST(Decoder, LongerEncodingPrefixesAreIllegalWithLengthFour) {
    for (const u32 raw : {0x0000001fu, 0x0000005fu, 0x0000003fu, 0x0000007fu, 0xffffffffu,
                          0x1234567fu, 0xfffff0ffu}) {
        SCOPED_TRACE(hex(raw));
        EXPECT_EQ(decode(raw), illegal32(raw));
    }
}

TEST(Decoder, CompressedParcelsUseOnlyTheLow16Bits) {
    // c.li a0, 1 with garbage in the upper half: the upper half is the next instruction.
    const DecodedInsn d = decode(0xdead4505);
    EXPECT_EQ(d.op, Op::Addi);
    EXPECT_EQ(d.len, 2);
    EXPECT_EQ(d.raw, 0x4505u);
    EXPECT_EQ(d.rd, 10);
    EXPECT_EQ(d.imm, 1);
    EXPECT_EQ(d, decode_compressed(0x4505));
    // The all-zero word is the reserved all-zero 16-bit parcel.
    DecodedInsn zero;
    zero.len = 2;
    EXPECT_EQ(decode(0x00000000), zero);
    EXPECT_EQ(decode(0xffff0000).raw, 0u);
    EXPECT_EQ(decode(0xffff0000).len, 2);
    EXPECT_EQ(decode(0xffff0000).op, Op::Illegal);
}

// A deterministic pseudo-random sweep over the whole 32-bit space checking the invariants
// every decode must satisfy, whatever the encoding.
TEST(Decoder, RandomSweepInvariants) {
    u64 state = 0x9e3779b97f4a7c15ULL;
    unsigned legal = 0;
    for (int i = 0; i < 1 << 20; ++i) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        const u32 w = static_cast<u32>(state) | 3;  // Force a 32-bit encoding.
        const DecodedInsn d = decode(w);
        ASSERT_EQ(d.raw, w);
        ASSERT_EQ(d.len, 4);
        ASSERT_EQ(decode(w), d);  // Pure: same input, same output.
        if (d.op == Op::Illegal) {
            ASSERT_EQ(d, illegal32(w));
            continue;
        }
        ++legal;
        ASSERT_LT(d.rd, 32);
        ASSERT_LT(d.rs1, 32);
        ASSERT_LT(d.rs2, 32);
        ASSERT_LT(d.rs3, 32);
        ASSERT_LT(d.aqrl, 4);
        ASSERT_LT(d.csr, 4096);
        ASSERT_TRUE(d.rm <= 4 || d.rm == 7) << hex(w);
        ASSERT_NE(bits(w, 4, 2), 7u) << hex(w);  // No >32-bit length prefix decodes.
    }
    // Roughly a fifth of random words are valid RV64GC: far from none and far from all.
    EXPECT_GT(legal, (1u << 20) / 10);
    EXPECT_LT(legal, (1u << 20) / 2);
}

TEST(OpName, NamesMatchTheAssembler) {
    EXPECT_EQ(op_name(Op::Illegal), "illegal");
    EXPECT_EQ(op_name(Op::Lui), "lui");
    EXPECT_EQ(op_name(Op::FenceI), "fence.i");
    EXPECT_EQ(op_name(Op::AmomaxuD), "amomaxu.d");
    EXPECT_EQ(op_name(Op::SfenceVma), "sfence.vma");
    EXPECT_EQ(op_name(Op::FcvtWuS), "fcvt.wu.s");
    EXPECT_EQ(op_name(Op::FmvDX), "fmv.d.x");
    std::set<std::string_view> names;
    for (unsigned i = 0; i < kOpCount; ++i) {
        const std::string_view name = op_name(static_cast<Op>(i));
        EXPECT_FALSE(name.empty());
        EXPECT_TRUE(names.insert(name).second) << "duplicate " << name;
    }
}

}  // namespace
}  // namespace rvisor::isa
