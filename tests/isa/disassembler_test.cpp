// Disassembler tests. kGnu is the output of
//   riscv64-unknown-elf-objdump -d -M no-aliases --adjust-vma=0x80000000
// for code assembled with riscv64-unknown-elf-as -march=rv64gc, rewritten only in the ways the
// rvisor format differs on purpose: ", " between operands and "0x"-prefixed absolute targets
// without the <symbol> annotation. kCompressed pairs each compressed encoding with the objdump
// text of its base-ISA expansion (rvisor prints compressed instructions in their base form).
#include <gtest/gtest.h>

#include <cstdio>
#include <set>
#include <string>
#include <utility>

#include "isa/decoded_insn.hpp"
#include "isa/decoder.hpp"
#include "isa/disassembler.hpp"
#include "isa/op.hpp"

namespace rvisor::isa {

void PrintTo(const DecodedInsn& d, std::ostream* os);  // In decoder_test.cpp.

namespace {

struct Line {
    u64 pc;
    u32 raw;
    const char* text;
};

// clang-format off
constexpr Line kGnu[] = {
    {0x80000000, 0x12345537, "lui a0, 0x12345"},
    {0x80000004, 0xffffffb7, "lui t6, 0xfffff"},
    {0x80000008, 0x80000097, "auipc ra, 0x80000"},
    {0x8000000c, 0x00001d97, "auipc s11, 0x1"},
    {0x80000010, 0x100000ef, "jal ra, 0x80000110"},
    {0x80000014, 0xffdff06f, "jal zero, 0x80000010"},
    {0x80000018, 0x800002ef, "jal t0, 0x7ff00018"},
    {0x8000001c, 0x7ffff36f, "jal t1, 0x8010001a"},
    {0x80000020, 0x00008067, "jalr zero, 0(ra)"},
    {0x80000024, 0x800300e7, "jalr ra, -2048(t1)"},
    {0x80000028, 0x7ff707e7, "jalr a5, 2047(a4)"},
    {0x8000002c, 0xfeb504e3, "beq a0, a1, 0x80000014"},
    {0x80000030, 0x80941063, "bne s0, s1, 0x7ffff030"},
    {0x80000034, 0x7fde4fe3, "blt t3, t4, 0x80001032"},
    {0x80000038, 0x00065463, "bge a2, zero, 0x80000040"},
    {0x8000003c, 0xfe316fe3, "bltu sp, gp, 0x8000003a"},
    {0x80000040, 0x02727063, "bgeu tp, t2, 0x80000060"},
    {0x80000044, 0x00058503, "lb a0, 0(a1)"},
    {0x80000048, 0xfff99903, "lh s2, -1(s3)"},
    {0x8000004c, 0x00812503, "lw a0, 8(sp)"},
    {0x80000050, 0x80013083, "ld ra, -2048(sp)"},
    {0x80000054, 0x7ff34283, "lbu t0, 2047(t1)"},
    {0x80000058, 0x0648d803, "lhu a6, 100(a7)"},
    {0x8000005c, 0xf9caea03, "lwu s4, -100(s5)"},
    {0x80000060, 0x00a58023, "sb a0, 0(a1)"},
    {0x80000064, 0xff6b9fa3, "sh s6, -1(s7)"},
    {0x80000068, 0x7ea12fa3, "sw a0, 2047(sp)"},
    {0x8000006c, 0x00113c23, "sd ra, 24(sp)"},
    {0x80000070, 0x01010513, "addi a0, sp, 16"},
    {0x80000074, 0x00000013, "addi zero, zero, 0"},
    {0x80000078, 0x800c8c13, "addi s8, s9, -2048"},
    {0x8000007c, 0xfffdad13, "slti s10, s11, -1"},
    {0x80000080, 0x7ffebe13, "sltiu t3, t4, 2047"},
    {0x80000084, 0xffffcf13, "xori t5, t6, -1"},
    {0x80000088, 0x5555e513, "ori a0, a1, 1365"},
    {0x8000008c, 0xf006f613, "andi a2, a3, -256"},
    {0x80000090, 0x00351513, "slli a0, a0, 0x3"},
    {0x80000094, 0x03f61593, "slli a1, a2, 0x3f"},
    {0x80000098, 0x02075693, "srli a3, a4, 0x20"},
    {0x8000009c, 0x43f85793, "srai a5, a6, 0x3f"},
    {0x800000a0, 0x4018d893, "srai a7, a7, 0x1"},
    {0x800000a4, 0x00c58533, "add a0, a1, a2"},
    {0x800000a8, 0x407302b3, "sub t0, t1, t2"},
    {0x800000ac, 0x01249433, "sll s0, s1, s2"},
    {0x800000b0, 0x015a29b3, "slt s3, s4, s5"},
    {0x800000b4, 0x018bbb33, "sltu s6, s7, s8"},
    {0x800000b8, 0x01bd4cb3, "xor s9, s10, s11"},
    {0x800000bc, 0x01eede33, "srl t3, t4, t5"},
    {0x800000c0, 0x40105fb3, "sra t6, zero, ra"},
    {0x800000c4, 0x0041e133, "or sp, gp, tp"},
    {0x800000c8, 0x00a57533, "and a0, a0, a0"},
    {0x800000cc, 0xfff5851b, "addiw a0, a1, -1"},
    {0x800000d0, 0x7ff2829b, "addiw t0, t0, 2047"},
    {0x800000d4, 0x01f5151b, "slliw a0, a0, 0x1f"},
    {0x800000d8, 0x0006559b, "srliw a1, a2, 0x0"},
    {0x800000dc, 0x4117569b, "sraiw a3, a4, 0x11"},
    {0x800000e0, 0x00c5853b, "addw a0, a1, a2"},
    {0x800000e4, 0x40f706bb, "subw a3, a4, a5"},
    {0x800000e8, 0x0128983b, "sllw a6, a7, s2"},
    {0x800000ec, 0x015a59bb, "srlw s3, s4, s5"},
    {0x800000f0, 0x418bdb3b, "sraw s6, s7, s8"},
    {0x800000f4, 0x0ff0000f, "fence iorw, iorw"},
    {0x800000f8, 0x0310000f, "fence rw, w"},
    {0x800000fc, 0x0230000f, "fence r, rw"},
    {0x80000100, 0x0f40000f, "fence iorw, o"},
    {0x80000104, 0x0850000f, "fence i, ow"},
    {0x80000108, 0x0000100f, "fence.i"},
    {0x8000010c, 0x00000073, "ecall"},
    {0x80000110, 0x00100073, "ebreak"},
    {0x80000114, 0x02c58533, "mul a0, a1, a2"},
    {0x80000118, 0x02f716b3, "mulh a3, a4, a5"},
    {0x8000011c, 0x0258a833, "mulhsu a6, a7, t0"},
    {0x80000120, 0x03c3b333, "mulhu t1, t2, t3"},
    {0x80000124, 0x03ff4eb3, "div t4, t5, t6"},
    {0x80000128, 0x0324d433, "divu s0, s1, s2"},
    {0x8000012c, 0x035a69b3, "rem s3, s4, s5"},
    {0x80000130, 0x038bfb33, "remu s6, s7, s8"},
    {0x80000134, 0x03bd0cbb, "mulw s9, s10, s11"},
    {0x80000138, 0x02c5c53b, "divw a0, a1, a2"},
    {0x8000013c, 0x02c5d53b, "divuw a0, a1, a2"},
    {0x80000140, 0x02c5e53b, "remw a0, a1, a2"},
    {0x80000144, 0x02c5f53b, "remuw a0, a1, a2"},
    {0x80000148, 0x1005a52f, "lr.w a0, (a1)"},
    {0x8000014c, 0x1605a52f, "lr.w.aqrl a0, (a1)"},
    {0x80000150, 0x140332af, "lr.d.aq t0, (t1)"},
    {0x80000154, 0x120332af, "lr.d.rl t0, (t1)"},
    {0x80000158, 0x18c5a52f, "sc.w a0, a2, (a1)"},
    {0x8000015c, 0x1ac5b52f, "sc.d.rl a0, a2, (a1)"},
    {0x80000160, 0x08c5a52f, "amoswap.w a0, a2, (a1)"},
    {0x80000164, 0x04c5a52f, "amoadd.w.aq a0, a2, (a1)"},
    {0x80000168, 0x22c5a52f, "amoxor.w.rl a0, a2, (a1)"},
    {0x8000016c, 0x66c5a52f, "amoand.w.aqrl a0, a2, (a1)"},
    {0x80000170, 0x40c5a52f, "amoor.w a0, a2, (a1)"},
    {0x80000174, 0x80c5a52f, "amomin.w a0, a2, (a1)"},
    {0x80000178, 0xa0c5a52f, "amomax.w a0, a2, (a1)"},
    {0x8000017c, 0xc0c5a52f, "amominu.w a0, a2, (a1)"},
    {0x80000180, 0xe0c5a52f, "amomaxu.w a0, a2, (a1)"},
    {0x80000184, 0x08c5b52f, "amoswap.d a0, a2, (a1)"},
    {0x80000188, 0x04c5b52f, "amoadd.d.aq a0, a2, (a1)"},
    {0x8000018c, 0x20c5b52f, "amoxor.d a0, a2, (a1)"},
    {0x80000190, 0x60c5b52f, "amoand.d a0, a2, (a1)"},
    {0x80000194, 0x40c5b52f, "amoor.d a0, a2, (a1)"},
    {0x80000198, 0x80c5b52f, "amomin.d a0, a2, (a1)"},
    {0x8000019c, 0xa6c5b52f, "amomax.d.aqrl a0, a2, (a1)"},
    {0x800001a0, 0xc0c5b52f, "amominu.d a0, a2, (a1)"},
    {0x800001a4, 0xe099342f, "amomaxu.d s0, s1, (s2)"},
    {0x800001a8, 0x34059573, "csrrw a0, mscratch, a1"},
    {0x800001ac, 0x30002573, "csrrs a0, mstatus, zero"},
    {0x800001b0, 0x1042b073, "csrrc zero, sie, t0"},
    {0x800001b4, 0x30045073, "csrrwi zero, mstatus, 8"},
    {0x800001b8, 0x100fe573, "csrrsi a0, sstatus, 31"},
    {0x800001bc, 0x344075f3, "csrrci a1, mip, 0"},
    {0x800001c0, 0x7c002573, "csrrs a0, 0x7c0, zero"},
    {0x800001c4, 0x00102573, "csrrs a0, fflags, zero"},
    {0x800001c8, 0x00259573, "csrrw a0, frm, a1"},
    {0x800001cc, 0x00302573, "csrrs a0, fcsr, zero"},
    {0x800001d0, 0xc0002573, "csrrs a0, cycle, zero"},
    {0x800001d4, 0xc0102573, "csrrs a0, time, zero"},
    {0x800001d8, 0xc0202573, "csrrs a0, instret, zero"},
    {0x800001dc, 0xc0302573, "csrrs a0, hpmcounter3, zero"},
    {0x800001e0, 0xc1f02573, "csrrs a0, hpmcounter31, zero"},
    {0x800001e4, 0x10551073, "csrrw zero, stvec, a0"},
    {0x800001e8, 0x10651073, "csrrw zero, scounteren, a0"},
    {0x800001ec, 0x14051073, "csrrw zero, sscratch, a0"},
    {0x800001f0, 0x14151073, "csrrw zero, sepc, a0"},
    {0x800001f4, 0x14251073, "csrrw zero, scause, a0"},
    {0x800001f8, 0x14351073, "csrrw zero, stval, a0"},
    {0x800001fc, 0x14451073, "csrrw zero, sip, a0"},
    {0x80000200, 0x18051073, "csrrw zero, satp, a0"},
    {0x80000204, 0x14d51073, "csrrw zero, stimecmp, a0"},
    {0x80000208, 0x30102573, "csrrs a0, misa, zero"},
    {0x8000020c, 0x30251073, "csrrw zero, medeleg, a0"},
    {0x80000210, 0x30351073, "csrrw zero, mideleg, a0"},
    {0x80000214, 0x30451073, "csrrw zero, mie, a0"},
    {0x80000218, 0x30551073, "csrrw zero, mtvec, a0"},
    {0x8000021c, 0x30651073, "csrrw zero, mcounteren, a0"},
    {0x80000220, 0x32051073, "csrrw zero, mcountinhibit, a0"},
    {0x80000224, 0x34151073, "csrrw zero, mepc, a0"},
    {0x80000228, 0x34251073, "csrrw zero, mcause, a0"},
    {0x8000022c, 0x34351073, "csrrw zero, mtval, a0"},
    {0x80000230, 0x3a051073, "csrrw zero, pmpcfg0, a0"},
    {0x80000234, 0x3a251073, "csrrw zero, pmpcfg2, a0"},
    {0x80000238, 0x3b051073, "csrrw zero, pmpaddr0, a0"},
    {0x8000023c, 0x3bf51073, "csrrw zero, pmpaddr15, a0"},
    {0x80000240, 0xb0051073, "csrrw zero, mcycle, a0"},
    {0x80000244, 0xb0251073, "csrrw zero, minstret, a0"},
    {0x80000248, 0xb0351073, "csrrw zero, mhpmcounter3, a0"},
    {0x8000024c, 0x33f51073, "csrrw zero, mhpmevent31, a0"},
    {0x80000250, 0xf1102573, "csrrs a0, mvendorid, zero"},
    {0x80000254, 0xf1202573, "csrrs a0, marchid, zero"},
    {0x80000258, 0xf1302573, "csrrs a0, mimpid, zero"},
    {0x8000025c, 0xf1402573, "csrrs a0, mhartid, zero"},
    {0x80000260, 0x7a002573, "csrrs a0, tselect, zero"},
    {0x80000264, 0x7a102573, "csrrs a0, tdata1, zero"},
    {0x80000268, 0x7a202573, "csrrs a0, tdata2, zero"},
    {0x8000026c, 0x7a302573, "csrrs a0, tdata3, zero"},
    {0x80000270, 0x7b002573, "csrrs a0, dcsr, zero"},
    {0x80000274, 0x7b102573, "csrrs a0, dpc, zero"},
    {0x80000278, 0x7b202573, "csrrs a0, dscratch0, zero"},
    {0x8000027c, 0x7b302573, "csrrs a0, dscratch1, zero"},
    {0x80000280, 0xfff02573, "csrrs a0, 0xfff, zero"},
    {0x80000284, 0x30200073, "mret"},
    {0x80000288, 0x10200073, "sret"},
    {0x8000028c, 0x10500073, "wfi"},
    {0x80000290, 0x12000073, "sfence.vma zero, zero"},
    {0x80000294, 0x12050073, "sfence.vma a0, zero"},
    {0x80000298, 0x12b50073, "sfence.vma a0, a1"},
    {0x8000029c, 0x00812507, "flw fa0, 8(sp)"},
    {0x800002a0, 0x80052007, "flw ft0, -2048(a0)"},
    {0x800002a4, 0x7e85afa7, "fsw fs0, 2047(a1)"},
    {0x800002a8, 0xfff12e27, "fsw ft11, -4(sp)"},
    {0x800002ac, 0x68c5f543, "fmadd.s fa0, fa1, fa2, fa3"},
    {0x800002b0, 0x68c5c543, "fmadd.s fa0, fa1, fa2, fa3, rmm"},
    {0x800002b4, 0x18208047, "fmsub.s ft0, ft1, ft2, ft3, rne"},
    {0x800002b8, 0x9924944b, "fnmsub.s fs0, fs1, fs2, fs3, rtz"},
    {0x800002bc, 0xf9eeae4f, "fnmadd.s ft8, ft9, ft10, ft11, rdn"},
    {0x800002c0, 0x00c5f553, "fadd.s fa0, fa1, fa2"},
    {0x800002c4, 0x00c5b553, "fadd.s fa0, fa1, fa2, rup"},
    {0x800002c8, 0x08c5f553, "fsub.s fa0, fa1, fa2"},
    {0x800002cc, 0x10c59553, "fmul.s fa0, fa1, fa2, rtz"},
    {0x800002d0, 0x18c5f553, "fdiv.s fa0, fa1, fa2"},
    {0x800002d4, 0x5805f553, "fsqrt.s fa0, fa1"},
    {0x800002d8, 0x58058553, "fsqrt.s fa0, fa1, rne"},
    {0x800002dc, 0x20c58553, "fsgnj.s fa0, fa1, fa2"},
    {0x800002e0, 0x20c59553, "fsgnjn.s fa0, fa1, fa2"},
    {0x800002e4, 0x20c5a553, "fsgnjx.s fa0, fa1, fa2"},
    {0x800002e8, 0x28c58553, "fmin.s fa0, fa1, fa2"},
    {0x800002ec, 0x28c59553, "fmax.s fa0, fa1, fa2"},
    {0x800002f0, 0xc0057553, "fcvt.w.s a0, fa0"},
    {0x800002f4, 0xc0051553, "fcvt.w.s a0, fa0, rtz"},
    {0x800002f8, 0xc0151553, "fcvt.wu.s a0, fa0, rtz"},
    {0x800002fc, 0xc0257553, "fcvt.l.s a0, fa0"},
    {0x80000300, 0xc0354553, "fcvt.lu.s a0, fa0, rmm"},
    {0x80000304, 0xe0050553, "fmv.x.w a0, fa0"},
    {0x80000308, 0xa0b52553, "feq.s a0, fa0, fa1"},
    {0x8000030c, 0xa0b51553, "flt.s a0, fa0, fa1"},
    {0x80000310, 0xa0b50553, "fle.s a0, fa0, fa1"},
    {0x80000314, 0xe0051553, "fclass.s a0, fa0"},
    {0x80000318, 0xd0057553, "fcvt.s.w fa0, a0"},
    {0x8000031c, 0xd0050553, "fcvt.s.w fa0, a0, rne"},
    {0x80000320, 0xd0157553, "fcvt.s.wu fa0, a0"},
    {0x80000324, 0xd0257553, "fcvt.s.l fa0, a0"},
    {0x80000328, 0xd0352553, "fcvt.s.lu fa0, a0, rdn"},
    {0x8000032c, 0xf0050553, "fmv.w.x fa0, a0"},
    {0x80000330, 0x00813507, "fld fa0, 8(sp)"},
    {0x80000334, 0xff843d87, "fld fs11, -8(s0)"},
    {0x80000338, 0x00a13827, "fsd fa0, 16(sp)"},
    {0x8000033c, 0x807fb027, "fsd ft7, -2048(t6)"},
    {0x80000340, 0x6ac5f543, "fmadd.d fa0, fa1, fa2, fa3"},
    {0x80000344, 0x6ac59547, "fmsub.d fa0, fa1, fa2, fa3, rtz"},
    {0x80000348, 0x6ac5f54b, "fnmsub.d fa0, fa1, fa2, fa3"},
    {0x8000034c, 0x6ac5b54f, "fnmadd.d fa0, fa1, fa2, fa3, rup"},
    {0x80000350, 0x02c5f553, "fadd.d fa0, fa1, fa2"},
    {0x80000354, 0x02c58553, "fadd.d fa0, fa1, fa2, rne"},
    {0x80000358, 0x0ac5f553, "fsub.d fa0, fa1, fa2"},
    {0x8000035c, 0x12c5f553, "fmul.d fa0, fa1, fa2"},
    {0x80000360, 0x1ac5c553, "fdiv.d fa0, fa1, fa2, rmm"},
    {0x80000364, 0x5a05f553, "fsqrt.d fa0, fa1"},
    {0x80000368, 0x5a05b553, "fsqrt.d fa0, fa1, rup"},
    {0x8000036c, 0x22c58553, "fsgnj.d fa0, fa1, fa2"},
    {0x80000370, 0x22c59553, "fsgnjn.d fa0, fa1, fa2"},
    {0x80000374, 0x22c5a553, "fsgnjx.d fa0, fa1, fa2"},
    {0x80000378, 0x2ac58553, "fmin.d fa0, fa1, fa2"},
    {0x8000037c, 0x2ac59553, "fmax.d fa0, fa1, fa2"},
    {0x80000380, 0x4015f553, "fcvt.s.d fa0, fa1"},
    {0x80000384, 0x40159553, "fcvt.s.d fa0, fa1, rtz"},
    {0x80000388, 0x42058553, "fcvt.d.s fa0, fa1"},
    {0x8000038c, 0xa2b52553, "feq.d a0, fa0, fa1"},
    {0x80000390, 0xa2b51553, "flt.d a0, fa0, fa1"},
    {0x80000394, 0xa2b50553, "fle.d a0, fa0, fa1"},
    {0x80000398, 0xe2051553, "fclass.d a0, fa0"},
    {0x8000039c, 0xc2051553, "fcvt.w.d a0, fa0, rtz"},
    {0x800003a0, 0xc2157553, "fcvt.wu.d a0, fa0"},
    {0x800003a4, 0xc2251553, "fcvt.l.d a0, fa0, rtz"},
    {0x800003a8, 0xc2357553, "fcvt.lu.d a0, fa0"},
    {0x800003ac, 0xe2050553, "fmv.x.d a0, fa0"},
    {0x800003b0, 0xd2050553, "fcvt.d.w fa0, a0"},
    {0x800003b4, 0xd2150553, "fcvt.d.wu fa0, a0"},
    {0x800003b8, 0xd2257553, "fcvt.d.l fa0, a0"},
    {0x800003bc, 0xd2351553, "fcvt.d.lu fa0, a0, rtz"},
    {0x800003c0, 0xf2050553, "fmv.d.x fa0, a0"},
};

constexpr Line kCompressed[] = {
    {0x80000000, 0x0808, "addi a0, sp, 16"},
    {0x80000002, 0x1fe0, "addi s0, sp, 1020"},
    {0x80000004, 0x005c, "addi a5, sp, 4"},
    {0x80000006, 0x2588, "fld fa0, 8(a1)"},
    {0x80000008, 0x3fe0, "fld fs0, 248(a5)"},
    {0x8000000a, 0x41c8, "lw a0, 4(a1)"},
    {0x8000000c, 0x5fe4, "lw s1, 124(a5)"},
    {0x8000000e, 0x42b0, "lw a2, 64(a3)"},
    {0x80000010, 0x6588, "ld a0, 8(a1)"},
    {0x80000012, 0x7c7c, "ld a5, 248(s0)"},
    {0x80000014, 0xa588, "fsd fa0, 8(a1)"},
    {0x80000016, 0xbfe4, "fsd fs1, 248(a5)"},
    {0x80000018, 0xc1c8, "sw a0, 4(a1)"},
    {0x8000001a, 0xdc7c, "sw a5, 124(s0)"},
    {0x8000001c, 0xe588, "sd a0, 8(a1)"},
    {0x8000001e, 0xffe0, "sd s0, 248(a5)"},
    {0x80000020, 0x0001, "addi zero, zero, 0"},
    {0x80000022, 0x0505, "addi a0, a0, 1"},
    {0x80000024, 0x1501, "addi a0, a0, -32"},
    {0x80000026, 0x017d, "addi sp, sp, 31"},
    {0x80000028, 0x0015, "addi zero, zero, 5"},
    {0x8000002a, 0x0501, "addi a0, a0, 0"},
    {0x8000002c, 0x357d, "addiw a0, a0, -1"},
    {0x8000002e, 0x2501, "addiw a0, a0, 0"},
    {0x80000030, 0x2ffd, "addiw t6, t6, 31"},
    {0x80000032, 0x4505, "addi a0, zero, 1"},
    {0x80000034, 0x5281, "addi t0, zero, -32"},
    {0x80000036, 0x400d, "addi zero, zero, 3"},
    {0x80000038, 0x6505, "lui a0, 0x1"},
    {0x8000003a, 0x7501, "lui a0, 0xfffe0"},
    {0x8000003c, 0x6ffd, "lui t6, 0x1f"},
    {0x8000003e, 0x6005, "lui zero, 0x1"},
    {0x80000040, 0x6141, "addi sp, sp, 16"},
    {0x80000042, 0x7101, "addi sp, sp, -512"},
    {0x80000044, 0x617d, "addi sp, sp, 496"},
    {0x80000046, 0x8105, "srli a0, a0, 0x1"},
    {0x80000048, 0x907d, "srli s0, s0, 0x3f"},
    {0x8000004a, 0x8101, "srli a0, a0, 0x0"},
    {0x8000004c, 0x9581, "srai a1, a1, 0x20"},
    {0x8000004e, 0x8785, "srai a5, a5, 0x1"},
    {0x80000050, 0x8501, "srai a0, a0, 0x0"},
    {0x80000052, 0x997d, "andi a0, a0, -1"},
    {0x80000054, 0x88fd, "andi s1, s1, 31"},
    {0x80000056, 0x9a01, "andi a2, a2, -32"},
    {0x80000058, 0x8d0d, "sub a0, a0, a1"},
    {0x8000005a, 0x8c25, "xor s0, s0, s1"},
    {0x8000005c, 0x8f5d, "or a4, a4, a5"},
    {0x8000005e, 0x8e75, "and a2, a2, a3"},
    {0x80000060, 0x9d0d, "subw a0, a0, a1"},
    {0x80000062, 0x9c3d, "addw s0, s0, a5"},
    {0x80000064, 0xaffd, "jal zero, 0x80000862"},
    {0x80000066, 0xb001, "jal zero, 0x7ffff866"},
    {0x80000068, 0xbffd, "jal zero, 0x80000066"},
    {0x8000006a, 0xa455, "jal zero, 0x8000030e"},
    {0x8000006c, 0xcd7d, "beq a0, zero, 0x8000016a"},
    {0x8000006e, 0xd081, "beq s1, zero, 0x7fffff6e"},
    {0x80000070, 0xe781, "bne a5, zero, 0x80000078"},
    {0x80000072, 0xfc7d, "bne s0, zero, 0x80000070"},
    {0x80000074, 0xe62d, "bne a2, zero, 0x800000de"},
    {0x80000076, 0x0506, "slli a0, a0, 0x1"},
    {0x80000078, 0x1ffe, "slli t6, t6, 0x3f"},
    {0x8000007a, 0x1082, "slli ra, ra, 0x20"},
    {0x8000007c, 0x0006, "slli zero, zero, 0x1"},
    {0x8000007e, 0x0502, "slli a0, a0, 0x0"},
    {0x80000080, 0x2522, "fld fa0, 8(sp)"},
    {0x80000082, 0x307e, "fld ft0, 504(sp)"},
    {0x80000084, 0x4512, "lw a0, 4(sp)"},
    {0x80000086, 0x50fe, "lw ra, 252(sp)"},
    {0x80000088, 0x6522, "ld a0, 8(sp)"},
    {0x8000008a, 0x7ffe, "ld t6, 504(sp)"},
    {0x8000008c, 0x8082, "jalr zero, 0(ra)"},
    {0x8000008e, 0x8f82, "jalr zero, 0(t6)"},
    {0x80000090, 0x852e, "add a0, zero, a1"},
    {0x80000092, 0x8f86, "add t6, zero, ra"},
    {0x80000094, 0x802a, "add zero, zero, a0"},
    {0x80000096, 0x9002, "ebreak"},
    {0x80000098, 0x9502, "jalr ra, 0(a0)"},
    {0x8000009a, 0x9082, "jalr ra, 0(ra)"},
    {0x8000009c, 0x952e, "add a0, a0, a1"},
    {0x8000009e, 0x9ffe, "add t6, t6, t6"},
    {0x800000a0, 0x902a, "add zero, zero, a0"},
    {0x800000a2, 0xa42a, "fsd fa0, 8(sp)"},
    {0x800000a4, 0xbfee, "fsd fs11, 504(sp)"},
    {0x800000a6, 0xc22a, "sw a0, 4(sp)"},
    {0x800000a8, 0xdf86, "sw ra, 252(sp)"},
    {0x800000aa, 0xe406, "sd ra, 8(sp)"},
    {0x800000ac, 0xfffe, "sd t6, 504(sp)"},
};
// clang-format on

std::string hex(u32 v) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "0x%08x", v);
    return buf;
}

TEST(Disassembler, MatchesGnuObjdump) {
    for (const Line& line : kGnu) {
        SCOPED_TRACE(hex(line.raw));
        const DecodedInsn d = decode(line.raw);
        ASSERT_NE(d.op, Op::Illegal);
        EXPECT_EQ(disassemble(d, line.pc), line.text);
    }
}

TEST(Disassembler, CompressedPrintsTheBaseForm) {
    for (const Line& line : kCompressed) {
        SCOPED_TRACE(hex(line.raw));
        const DecodedInsn d = decode(line.raw);
        ASSERT_EQ(d.len, 2);
        ASSERT_NE(d.op, Op::Illegal);
        EXPECT_EQ(disassemble(d, line.pc), line.text);
    }
}

TEST(Disassembler, EveryOpIsCoveredByTheGnuTable) {
    std::set<Op> seen;
    for (const Line& line : kGnu) seen.insert(decode(line.raw).op);
    for (unsigned i = 1; i < kOpCount; ++i) {
        EXPECT_TRUE(seen.count(static_cast<Op>(i))) << op_name(static_cast<Op>(i));
    }
}

TEST(Disassembler, RegisterNames) {
    const char* const ints[] = {"zero", "ra", "sp",  "gp",  "tp", "t0", "t1", "t2",
                                "s0",   "s1", "a0",  "a1",  "a2", "a3", "a4", "a5",
                                "a6",   "a7", "s2",  "s3",  "s4", "s5", "s6", "s7",
                                "s8",   "s9", "s10", "s11", "t3", "t4", "t5", "t6"};
    const char* const fps[] = {"ft0", "ft1", "ft2",  "ft3",  "ft4", "ft5", "ft6",  "ft7",
                               "fs0", "fs1", "fa0",  "fa1",  "fa2", "fa3", "fa4",  "fa5",
                               "fa6", "fa7", "fs2",  "fs3",  "fs4", "fs5", "fs6",  "fs7",
                               "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11"};
    for (unsigned n = 0; n < 32; ++n) {
        EXPECT_EQ(int_reg_name(n), ints[n]);
        EXPECT_EQ(fp_reg_name(n), fps[n]);
    }
}

TEST(Disassembler, Illegal) {
    EXPECT_EQ(disassemble(decode(0x0000), 0), "illegal 0x0000");
    EXPECT_EQ(disassemble(decode(0x8002), 0), "illegal 0x8002");  // c.jr x0
    EXPECT_EQ(disassemble(decode(0xffffffff), 0), "illegal 0xffffffff");
    EXPECT_EQ(disassemble(decode(0x0000000b), 0), "illegal 0x0000000b");
    EXPECT_EQ(disassemble(decode(0x00c5d553), 0), "illegal 0x00c5d553");  // fadd.s rm=5
}

// Where rvisor deliberately differs from objdump, or names more than binutils 2.40 does.
TEST(Disassembler, Fences) {
    EXPECT_EQ(disassemble(decode(0x8330000f), 0), "fence rw, rw");  // fence.tso
    EXPECT_EQ(disassemble(decode(0x0100000f), 0), "fence w, 0");    // pause
    EXPECT_EQ(disassemble(decode(0x0000000f), 0), "fence 0, 0");
    EXPECT_EQ(disassemble(decode(0x0ff5050f), 0), "fence iorw, iorw");
    EXPECT_EQ(disassemble(decode(0xfff5150f), 0), "fence.i");
}

TEST(Disassembler, CsrNames) {
    const std::pair<u32, const char*> cases[] = {
        {0x30a02573, "csrrs a0, menvcfg, zero"},    {0x10a02573, "csrrs a0, senvcfg, zero"},
        {0xf1502573, "csrrs a0, mconfigptr, zero"}, {0x34a02573, "csrrs a0, mtinst, zero"},
        {0x34b02573, "csrrs a0, mtval2, zero"},     {0x74702573, "csrrs a0, mseccfg, zero"},
        {0x3af02573, "csrrs a0, pmpcfg15, zero"},   {0xb1f02573, "csrrs a0, mhpmcounter31, zero"},
        {0x3ef51073, "csrrw zero, pmpaddr63, a0"},  {0x7c002573, "csrrs a0, 0x7c0, zero"},
        {0xc8002573, "csrrs a0, 0xc80, zero"},  // cycleh: RV32 only
        {0x00002573, "csrrs a0, 0x0, zero"},        {0xfff02573, "csrrs a0, 0xfff, zero"},
    };
    for (const auto& [raw, text] : cases) {
        SCOPED_TRACE(hex(raw));
        EXPECT_EQ(disassemble(decode(raw), 0), text);
    }
}

TEST(Disassembler, TargetsAreAbsoluteAndWrapAround) {
    EXPECT_EQ(disassemble(decode(0xffdff06f), 0x1000), "jal zero, 0xffc");  // jal .-4
    EXPECT_EQ(disassemble(decode(0xffdff06f), 0), "jal zero, 0xfffffffffffffffc");
    EXPECT_EQ(disassemble(decode(0xfeb504e3), 0x20), "beq a0, a1, 0x8");         // beq .-24
    EXPECT_EQ(disassemble(decode(0xb001), 0x80000000), "jal zero, 0x7ffff800");  // c.j .-2048
}

// Built directly, to pin the operand formatting independently of the decoder.
TEST(Disassembler, HandBuiltInstructions) {
    DecodedInsn fadd{.op = Op::FaddD, .rd = 10, .rs1 = 11, .rs2 = 12, .rm = 7};
    EXPECT_EQ(disassemble(fadd, 0), "fadd.d fa0, fa1, fa2");
    fadd.rm = 4;
    EXPECT_EQ(disassemble(fadd, 0), "fadd.d fa0, fa1, fa2, rmm");
    const DecodedInsn amo{.op = Op::AmoaddD, .rd = 10, .rs1 = 11, .rs2 = 12, .aqrl = 2};
    EXPECT_EQ(disassemble(amo, 0), "amoadd.d.aq a0, a2, (a1)");
    const DecodedInsn lr{.op = Op::LrW, .rd = 10, .rs1 = 11, .aqrl = 3};
    EXPECT_EQ(disassemble(lr, 0), "lr.w.aqrl a0, (a1)");
    const DecodedInsn sc{.op = Op::ScD, .rd = 5, .rs1 = 6, .rs2 = 7, .aqrl = 1};
    EXPECT_EQ(disassemble(sc, 0), "sc.d.rl t0, t2, (t1)");
    const DecodedInsn lui{.imm = -0x80000000LL, .op = Op::Lui, .rd = 10};
    EXPECT_EQ(disassemble(lui, 0), "lui a0, 0x80000");
    const DecodedInsn csrrwi{.op = Op::Csrrwi, .csr = 0x300, .rs1 = 8};
    EXPECT_EQ(disassemble(csrrwi, 0), "csrrwi zero, mstatus, 8");
    const DecodedInsn ld{.imm = -8, .op = Op::Ld, .rd = 1, .rs1 = 2};
    EXPECT_EQ(disassemble(ld, 0), "ld ra, -8(sp)");
    const DecodedInsn fcvt{.op = Op::FcvtDW, .rd = 10, .rs1 = 10, .rm = 1};
    EXPECT_EQ(disassemble(fcvt, 0), "fcvt.d.w fa0, a0");  // Exact: the rounding mode is moot.
    const DecodedInsn illegal{.raw = 0x1234, .len = 2};
    EXPECT_EQ(disassemble(illegal, 0), "illegal 0x1234");
}

}  // namespace
}  // namespace rvisor::isa
