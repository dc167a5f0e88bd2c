// A few instruction encoders so CPU tests can place exact programs in guest RAM.
#pragma once

#include "base/types.hpp"

namespace rvisor::cpu::test {

constexpr u32 r_type(u32 f7, u32 rs2, u32 rs1, u32 f3, u32 rd, u32 opc) {
    return (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opc;
}
constexpr u32 i_type(i32 imm, u32 rs1, u32 f3, u32 rd, u32 opc) {
    return (static_cast<u32>(imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opc;
}
constexpr u32 s_type(i32 imm, u32 rs2, u32 rs1, u32 f3, u32 opc) {
    const u32 i = static_cast<u32>(imm);
    return (((i >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((i & 0x1f) << 7) |
           opc;
}
constexpr u32 b_type(i32 imm, u32 rs2, u32 rs1, u32 f3) {
    const u32 i = static_cast<u32>(imm);
    return (((i >> 12) & 1) << 31) | (((i >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) |
           (f3 << 12) | (((i >> 1) & 0xf) << 8) | (((i >> 11) & 1) << 7) | 0x63;
}
constexpr u32 j_type(i32 imm, u32 rd) {
    const u32 i = static_cast<u32>(imm);
    return (((i >> 20) & 1) << 31) | (((i >> 1) & 0x3ff) << 21) | (((i >> 11) & 1) << 20) |
           (((i >> 12) & 0xff) << 12) | (rd << 7) | 0x6f;
}
constexpr u32 lui(u32 rd, u32 imm20) {
    return (imm20 << 12) | (rd << 7) | 0x37;
}

constexpr u32 addi(u32 rd, u32 rs1, i32 imm) {
    return i_type(imm, rs1, 0, rd, 0x13);
}
constexpr u32 add(u32 rd, u32 rs1, u32 rs2) {
    return r_type(0, rs2, rs1, 0, rd, 0x33);
}
constexpr u32 div(u32 rd, u32 rs1, u32 rs2) {
    return r_type(1, rs2, rs1, 4, rd, 0x33);
}
constexpr u32 ld(u32 rd, u32 rs1, i32 imm) {
    return i_type(imm, rs1, 3, rd, 0x03);
}
constexpr u32 lw(u32 rd, u32 rs1, i32 imm) {
    return i_type(imm, rs1, 2, rd, 0x03);
}
constexpr u32 sd(u32 rs2, u32 rs1, i32 imm) {
    return s_type(imm, rs2, rs1, 3, 0x23);
}
constexpr u32 sw(u32 rs2, u32 rs1, i32 imm) {
    return s_type(imm, rs2, rs1, 2, 0x23);
}
constexpr u32 jal(u32 rd, i32 imm) {
    return j_type(imm, rd);
}
constexpr u32 jalr(u32 rd, u32 rs1, i32 imm) {
    return i_type(imm, rs1, 0, rd, 0x67);
}
constexpr u32 bne(u32 rs1, u32 rs2, i32 imm) {
    return b_type(imm, rs2, rs1, 1);
}
constexpr u32 csrrw(u32 rd, u32 csr, u32 rs1) {
    return i_type(static_cast<i32>(csr), rs1, 1, rd, 0x73);
}
constexpr u32 csrrs(u32 rd, u32 csr, u32 rs1) {
    return i_type(static_cast<i32>(csr), rs1, 2, rd, 0x73);
}
constexpr u32 amoadd_w(u32 rd, u32 rs1, u32 rs2) {
    return r_type(0, rs2, rs1, 2, rd, 0x2f);
}
constexpr u32 amoswap_d(u32 rd, u32 rs1, u32 rs2) {
    return r_type(0x04, rs2, rs1, 3, rd, 0x2f);
}
constexpr u32 lr_d(u32 rd, u32 rs1) {
    return r_type(0x08, 0, rs1, 3, rd, 0x2f);
}
constexpr u32 sc_d(u32 rd, u32 rs1, u32 rs2) {
    return r_type(0x0c, rs2, rs1, 3, rd, 0x2f);
}
inline constexpr u32 kEcall = 0x00000073;
inline constexpr u32 kMret = 0x30200073;
inline constexpr u32 kFenceI = 0x0000100f;

}  // namespace rvisor::cpu::test
