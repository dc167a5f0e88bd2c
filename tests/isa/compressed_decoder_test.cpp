// Compressed (RVC) decoder tests. Each compressed encoding below was assembled by GNU as from
// the explicit c.* mnemonic in the comment (or written as .insn for HINTs GNU will not
// assemble), and paired with the GNU encoding of its base-ISA expansion, also kept as a literal.
#include <gtest/gtest.h>

#include <cstdio>
#include <ostream>
#include <span>
#include <string>

#include "isa/decoded_insn.hpp"
#include "isa/decoder.hpp"
#include "isa/op.hpp"

namespace rvisor::isa {

void PrintTo(const DecodedInsn& d, std::ostream* os);  // In decoder_test.cpp.

namespace {

std::string hex16(u32 v) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "0x%04x", v);
    return buf;
}

DecodedInsn illegal16(u16 raw) {
    DecodedInsn d;
    d.raw = raw;
    d.len = 2;
    return d;
}

// A compressed encoding and the 32-bit encoding of the instruction it expands to.
struct Expansion {
    u16 compressed;
    u32 base;
};

// clang-format off
constexpr Expansion kExpansions[] = {
    {0x0808, 0x01010513},  // c.addi4spn a0, sp, 16
    {0x1fe0, 0x3fc10413},  // c.addi4spn s0, sp, 1020
    {0x005c, 0x00410793},  // c.addi4spn a5, sp, 4
    {0x2588, 0x0085b507},  // c.fld fa0, 8(a1)
    {0x3fe0, 0x0f87b407},  // c.fld fs0, 248(a5)
    {0x41c8, 0x0045a503},  // c.lw a0, 4(a1)
    {0x5fe4, 0x07c7a483},  // c.lw s1, 124(a5)
    {0x42b0, 0x0406a603},  // c.lw a2, 64(a3)
    {0x6588, 0x0085b503},  // c.ld a0, 8(a1)
    {0x7c7c, 0x0f843783},  // c.ld a5, 248(s0)
    {0xa588, 0x00a5b427},  // c.fsd fa0, 8(a1)
    {0xbfe4, 0x0e97bc27},  // c.fsd fs1, 248(a5)
    {0xc1c8, 0x00a5a223},  // c.sw a0, 4(a1)
    {0xdc7c, 0x06f42e23},  // c.sw a5, 124(s0)
    {0xe588, 0x00a5b423},  // c.sd a0, 8(a1)
    {0xffe0, 0x0e87bc23},  // c.sd s0, 248(a5)
    {0x0001, 0x00000013},  // c.nop
    {0x0505, 0x00150513},  // c.addi a0, 1
    {0x1501, 0xfe050513},  // c.addi a0, -32
    {0x017d, 0x01f10113},  // c.addi sp, 31
    {0x0015, 0x00500013},  // .insn 2, 0x0015
    {0x0501, 0x00050513},  // .insn 2, 0x0501
    {0x357d, 0xfff5051b},  // c.addiw a0, -1
    {0x2501, 0x0005051b},  // c.addiw a0, 0
    {0x2ffd, 0x01ff8f9b},  // c.addiw t6, 31
    {0x4505, 0x00100513},  // c.li a0, 1
    {0x5281, 0xfe000293},  // c.li t0, -32
    {0x400d, 0x00300013},  // .insn 2, 0x400d
    {0x6505, 0x00001537},  // c.lui a0, 1
    {0x7501, 0xfffe0537},  // c.lui a0, 0xfffe0
    {0x6ffd, 0x0001ffb7},  // c.lui t6, 31
    {0x6005, 0x00001037},  // .insn 2, 0x6005
    {0x6141, 0x01010113},  // c.addi16sp sp, 16
    {0x7101, 0xe0010113},  // c.addi16sp sp, -512
    {0x617d, 0x1f010113},  // c.addi16sp sp, 496
    {0x8105, 0x00155513},  // c.srli a0, 1
    {0x907d, 0x03f45413},  // c.srli s0, 63
    {0x8101, 0x00055513},  // .insn 2, 0x8101
    {0x9581, 0x4205d593},  // c.srai a1, 32
    {0x8785, 0x4017d793},  // c.srai a5, 1
    {0x8501, 0x40055513},  // .insn 2, 0x8501
    {0x997d, 0xfff57513},  // c.andi a0, -1
    {0x88fd, 0x01f4f493},  // c.andi s1, 31
    {0x9a01, 0xfe067613},  // c.andi a2, -32
    {0x8d0d, 0x40b50533},  // c.sub a0, a1
    {0x8c25, 0x00944433},  // c.xor s0, s1
    {0x8f5d, 0x00f76733},  // c.or a4, a5
    {0x8e75, 0x00d67633},  // c.and a2, a3
    {0x9d0d, 0x40b5053b},  // c.subw a0, a1
    {0x9c3d, 0x00f4043b},  // c.addw s0, a5
    {0xaffd, 0x7fe0006f},  // c.j .+2046
    {0xb001, 0x801ff06f},  // c.j .-2048
    {0xbffd, 0xfffff06f},  // c.j .-2
    {0xa455, 0x2a40006f},  // c.j .+0x2a4
    {0xcd7d, 0x0e050f63},  // c.beqz a0, .+254
    {0xd081, 0xf00480e3},  // c.beqz s1, .-256
    {0xe781, 0x00079463},  // c.bnez a5, .+8
    {0xfc7d, 0xfe041fe3},  // c.bnez s0, .-2
    {0xe62d, 0x06061563},  // c.bnez a2, .+0x6a
    {0x0506, 0x00151513},  // c.slli a0, 1
    {0x1ffe, 0x03ff9f93},  // c.slli t6, 63
    {0x1082, 0x02009093},  // c.slli ra, 32
    {0x0006, 0x00101013},  // .insn 2, 0x0006
    {0x0502, 0x00051513},  // .insn 2, 0x0502
    {0x2522, 0x00813507},  // c.fldsp fa0, 8(sp)
    {0x307e, 0x1f813007},  // c.fldsp ft0, 504(sp)
    {0x4512, 0x00412503},  // c.lwsp a0, 4(sp)
    {0x50fe, 0x0fc12083},  // c.lwsp ra, 252(sp)
    {0x6522, 0x00813503},  // c.ldsp a0, 8(sp)
    {0x7ffe, 0x1f813f83},  // c.ldsp t6, 504(sp)
    {0x8082, 0x00008067},  // c.jr ra
    {0x8f82, 0x000f8067},  // c.jr t6
    {0x852e, 0x00b00533},  // c.mv a0, a1
    {0x8f86, 0x00100fb3},  // c.mv t6, ra
    {0x802a, 0x00a00033},  // .insn 2, 0x802a
    {0x9002, 0x00100073},  // c.ebreak
    {0x9502, 0x000500e7},  // c.jalr a0
    {0x9082, 0x000080e7},  // c.jalr ra
    {0x952e, 0x00b50533},  // c.add a0, a1
    {0x9ffe, 0x01ff8fb3},  // c.add t6, t6
    {0x902a, 0x00a00033},  // .insn 2, 0x902a
    {0xa42a, 0x00a13427},  // c.fsdsp fa0, 8(sp)
    {0xbfee, 0x1fb13c27},  // c.fsdsp fs11, 504(sp)
    {0xc22a, 0x00a12223},  // c.swsp a0, 4(sp)
    {0xdf86, 0x0e112e23},  // c.swsp ra, 252(sp)
    {0xe406, 0x00113423},  // c.sdsp ra, 8(sp)
    {0xfffe, 0x1ff13c23},  // c.sdsp t6, 504(sp)
};
// clang-format on

// Every compressed form decodes exactly like its base expansion, apart from raw and len.
TEST(CompressedDecoder, ExpandsToTheBaseInstruction) {
    for (const Expansion& e : kExpansions) {
        SCOPED_TRACE(hex16(e.compressed));
        DecodedInsn want = decode(e.base);
        ASSERT_NE(want.op, Op::Illegal);
        want.raw = e.compressed;
        want.len = 2;
        EXPECT_EQ(decode_compressed(e.compressed), want);
        EXPECT_EQ(decode(e.compressed), want);
    }
}

struct Case {
    u16 raw;
    DecodedInsn want;
};

void check(std::span<const Case> cases) {
    for (const Case& c : cases) {
        SCOPED_TRACE(hex16(c.raw));
        DecodedInsn want = c.want;
        want.raw = c.raw;
        want.len = 2;
        EXPECT_EQ(decode_compressed(c.raw), want);
    }
}

// The same forms with their fields spelled out, at the edges of each immediate's range.
TEST(CompressedDecoder, Quadrant0Fields) {
    const Case cases[] = {
        {0x1fe0, {.imm = 1020, .op = Op::Addi, .rd = 8, .rs1 = 2}},  // c.addi4spn s0, sp, 1020
        {0x005c, {.imm = 4, .op = Op::Addi, .rd = 15, .rs1 = 2}},    // c.addi4spn a5, sp, 4
        {0x3fe0, {.imm = 248, .op = Op::Fld, .rd = 8, .rs1 = 15}},   // c.fld fs0, 248(a5)
        {0x5fe4, {.imm = 124, .op = Op::Lw, .rd = 9, .rs1 = 15}},    // c.lw s1, 124(a5)
        {0x42b0, {.imm = 64, .op = Op::Lw, .rd = 12, .rs1 = 13}},    // c.lw a2, 64(a3)
        {0x7c7c, {.imm = 248, .op = Op::Ld, .rd = 15, .rs1 = 8}},    // c.ld a5, 248(s0)
        {0xbfe4, {.imm = 248, .op = Op::Fsd, .rs1 = 15, .rs2 = 9}},  // c.fsd fs1, 248(a5)
        {0xdc7c, {.imm = 124, .op = Op::Sw, .rs1 = 8, .rs2 = 15}},   // c.sw a5, 124(s0)
        {0xffe0, {.imm = 248, .op = Op::Sd, .rs1 = 15, .rs2 = 8}},   // c.sd s0, 248(a5)
    };
    check(cases);
}

TEST(CompressedDecoder, Quadrant1Fields) {
    const Case cases[] = {
        {0x0001, {.op = Op::Addi}},                                   // c.nop
        {0x1501, {.imm = -32, .op = Op::Addi, .rd = 10, .rs1 = 10}},  // c.addi a0, -32
        {0x017d, {.imm = 31, .op = Op::Addi, .rd = 2, .rs1 = 2}},     // c.addi sp, 31
        {0x357d, {.imm = -1, .op = Op::Addiw, .rd = 10, .rs1 = 10}},  // c.addiw a0, -1
        {0x5281, {.imm = -32, .op = Op::Addi, .rd = 5}},              // c.li t0, -32
        {0x7501, {.imm = -0x20000, .op = Op::Lui, .rd = 10}},         // c.lui a0, 0xfffe0
        {0x6ffd, {.imm = 0x1f000, .op = Op::Lui, .rd = 31}},          // c.lui t6, 31
        {0x7101, {.imm = -512, .op = Op::Addi, .rd = 2, .rs1 = 2}},   // c.addi16sp sp, -512
        {0x617d, {.imm = 496, .op = Op::Addi, .rd = 2, .rs1 = 2}},    // c.addi16sp sp, 496
        {0x907d, {.imm = 63, .op = Op::Srli, .rd = 8, .rs1 = 8}},     // c.srli s0, 63
        {0x9581, {.imm = 32, .op = Op::Srai, .rd = 11, .rs1 = 11}},   // c.srai a1, 32
        {0x9a01, {.imm = -32, .op = Op::Andi, .rd = 12, .rs1 = 12}},  // c.andi a2, -32
        {0x8d0d, {.op = Op::Sub, .rd = 10, .rs1 = 10, .rs2 = 11}},    // c.sub a0, a1
        {0x8c25, {.op = Op::Xor, .rd = 8, .rs1 = 8, .rs2 = 9}},       // c.xor s0, s1
        {0x8f5d, {.op = Op::Or, .rd = 14, .rs1 = 14, .rs2 = 15}},     // c.or a4, a5
        {0x8e75, {.op = Op::And, .rd = 12, .rs1 = 12, .rs2 = 13}},    // c.and a2, a3
        {0x9d0d, {.op = Op::Subw, .rd = 10, .rs1 = 10, .rs2 = 11}},   // c.subw a0, a1
        {0x9c3d, {.op = Op::Addw, .rd = 8, .rs1 = 8, .rs2 = 15}},     // c.addw s0, a5
        {0xaffd, {.imm = 2046, .op = Op::Jal}},                       // c.j .+2046
        {0xb001, {.imm = -2048, .op = Op::Jal}},                      // c.j .-2048
        {0xcd7d, {.imm = 254, .op = Op::Beq, .rs1 = 10}},             // c.beqz a0, .+254
        {0xd081, {.imm = -256, .op = Op::Beq, .rs1 = 9}},             // c.beqz s1, .-256
        {0xfc7d, {.imm = -2, .op = Op::Bne, .rs1 = 8}},               // c.bnez s0, .-2
    };
    check(cases);
}

TEST(CompressedDecoder, Quadrant2Fields) {
    const Case cases[] = {
        {0x1fc2, {.imm = 48, .op = Op::Slli, .rd = 31, .rs1 = 31}},  // c.slli t6, 48
        {0x307e, {.imm = 504, .op = Op::Fld, .rs1 = 2}},             // c.fldsp ft0, 504(sp)
        {0x50fe, {.imm = 252, .op = Op::Lw, .rd = 1, .rs1 = 2}},     // c.lwsp ra, 252(sp)
        {0x7ffe, {.imm = 504, .op = Op::Ld, .rd = 31, .rs1 = 2}},    // c.ldsp t6, 504(sp)
        {0x8f82, {.op = Op::Jalr, .rs1 = 31}},                       // c.jr t6
        {0x8f86, {.op = Op::Add, .rd = 31, .rs2 = 1}},               // c.mv t6, ra
        {0x9002, {.op = Op::Ebreak}},                                // c.ebreak
        {0x9502, {.op = Op::Jalr, .rd = 1, .rs1 = 10}},              // c.jalr a0
        {0x9efe, {.op = Op::Add, .rd = 29, .rs1 = 29, .rs2 = 31}},   // c.add t4, t6
        {0xbfee, {.imm = 504, .op = Op::Fsd, .rs1 = 2, .rs2 = 27}},  // c.fsdsp fs11, 504(sp)
        {0xdf86, {.imm = 252, .op = Op::Sw, .rs1 = 2, .rs2 = 1}},    // c.swsp ra, 252(sp)
        {0xfffe, {.imm = 504, .op = Op::Sd, .rs1 = 2, .rs2 = 31}},   // c.sdsp t6, 504(sp)
    };
    check(cases);
}

// HINT encodings decode as the base instruction they alias; none of them is reserved.
TEST(CompressedDecoder, HintsDecodeAsTheirBaseInstruction) {
    const Case cases[] = {
        {0x0015, {.imm = 5, .op = Op::Addi}},             // c.addi x0, 5
        {0x0501, {.op = Op::Addi, .rd = 10, .rs1 = 10}},  // c.addi a0, 0
        {0x400d, {.imm = 3, .op = Op::Addi}},             // c.li x0, 3
        {0x6005, {.imm = 0x1000, .op = Op::Lui}},         // c.lui x0, 1
        {0x802a, {.op = Op::Add, .rs2 = 10}},             // c.mv x0, a0
        {0x902a, {.op = Op::Add, .rs2 = 10}},             // c.add x0, a0
        {0x0006, {.imm = 1, .op = Op::Slli}},             // c.slli x0, 1
        {0x0502, {.op = Op::Slli, .rd = 10, .rs1 = 10}},  // c.slli a0, 0
        {0x8101, {.op = Op::Srli, .rd = 10, .rs1 = 10}},  // c.srli a0, 0
        {0x8501, {.op = Op::Srai, .rd = 10, .rs1 = 10}},  // c.srai a0, 0
    };
    check(cases);
}

struct ReservedCase {
    u16 raw;
    const char* why;
};

constexpr ReservedCase kReserved[] = {
    {0x0000, "all-zero parcel (c.addi4spn with nzuimm=0)"},
    {0x0004, "c.addi4spn with nzuimm=0, rd'=x9"},
    {0x001c, "c.addi4spn with nzuimm=0, rd'=x15"},
    {0x8000, "quadrant 0, funct3=100"},
    {0x9ffc, "quadrant 0, funct3=100, other bits set"},
    {0x2001, "c.addiw with rd=0"},
    {0x307d, "c.addiw with rd=0, imm=-1"},
    {0x6101, "c.addi16sp with nzimm=0"},
    {0x6501, "c.lui with nzimm=0 (rd=a0)"},
    {0x6001, "c.lui with nzimm=0 (rd=x0)"},
    {0x6f81, "c.lui with nzimm=0 (rd=t6)"},
    {0x9c41, "funct6=100111, funct2=10"},
    {0x9c61, "funct6=100111, funct2=11"},
    {0x9ffd, "funct6=100111, funct2=11, all register bits set"},
    {0x8002, "c.jr with rs1=0"},
    {0x4002, "c.lwsp with rd=0"},
    {0x507e, "c.lwsp with rd=0, nonzero offset"},
    {0x6002, "c.ldsp with rd=0"},
    {0x707e, "c.ldsp with rd=0, nonzero offset"},
};

TEST(CompressedDecoder, ReservedEncodingsAreIllegal) {
    for (const ReservedCase& c : kReserved) {
        SCOPED_TRACE(hex16(c.raw) + " " + c.why);
        EXPECT_EQ(decode_compressed(c.raw), illegal16(c.raw));
        EXPECT_EQ(decode(c.raw), illegal16(c.raw));
    }
}

// RV64 has no C.JAL, C.FLW, C.FSW, C.FLWSP or C.FSWSP: those slots are C.ADDIW, C.LD, C.SD,
// C.LDSP and C.SDSP.
TEST(CompressedDecoder, Rv64SlotsReplaceRv32Forms) {
    EXPECT_EQ(decode_compressed(0x2ffd).op, Op::Addiw);  // c.addiw t6, 31 (c.jal on RV32)
    EXPECT_EQ(decode_compressed(0x6588).op, Op::Ld);     // c.ld a0, 8(a1) (c.flw on RV32)
    EXPECT_EQ(decode_compressed(0xe588).op, Op::Sd);     // c.sd a0, 8(a1) (c.fsw on RV32)
    EXPECT_EQ(decode_compressed(0x6522).op, Op::Ld);     // c.ldsp a0, 8(sp) (c.flwsp)
    EXPECT_EQ(decode_compressed(0xe406).op, Op::Sd);     // c.sdsp ra, 8(sp) (c.fswsp)
}

TEST(CompressedDecoder, Quadrant3IsNotCompressed) {
    for (const u16 raw : {0x0003, 0x0513, 0xffff}) {
        SCOPED_TRACE(hex16(raw));
        EXPECT_EQ(decode_compressed(raw), illegal16(raw));
    }
}

// All 49152 parcels of quadrants 0-2. The reserved ones, counted by hand from the RVC spec:
//   Q0: c.addi4spn nzuimm=0 (8 rd' values) + funct3=100 (2^11)          = 2056
//   Q1: c.addiw rd=0 (2^6) + c.addi16sp 0 (1) + c.lui 0 with rd!=2 (31)
//       + funct6=100111 funct2=1x (2 * 2^6)                               =  224
//   Q2: c.lwsp rd=0 (2^6) + c.ldsp rd=0 (2^6) + c.jr x0 (1)               =  129
TEST(CompressedDecoder, ExhaustiveSweep) {
    unsigned illegal = 0;
    for (u32 raw = 0; raw < 0x10000; ++raw) {
        if ((raw & 3) == 3) continue;
        const auto h = static_cast<u16>(raw);
        const DecodedInsn d = decode_compressed(h);
        ASSERT_EQ(d.raw, raw);
        ASSERT_EQ(d.len, 2);
        ASSERT_EQ(decode(raw), d);
        ASSERT_EQ(decode(0xffff0000u | raw), d);
        if (d.op == Op::Illegal) {
            ASSERT_EQ(d, illegal16(h));
            ++illegal;
            continue;
        }
        ASSERT_LT(d.rd, 32);
        ASSERT_LT(d.rs1, 32);
        ASSERT_LT(d.rs2, 32);
        ASSERT_EQ(d.rs3, 0);
        ASSERT_EQ(d.rm, 0);
        ASSERT_EQ(d.aqrl, 0);
        ASSERT_EQ(d.csr, 0);
    }
    EXPECT_EQ(illegal, 2056u + 224u + 129u);
}

}  // namespace
}  // namespace rvisor::isa
