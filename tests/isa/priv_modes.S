// priv_modes.S - privilege modes, traps between them, delegation, and the trap-related
// mstatus bits (RISC-V privileged spec 20211203, "priv" below):
//   - misa (RV64, I M A F D C S U), mstatus.UXL/SXL = 2 (priv 3.1.1, 3.1.6.3);
//   - MPP holds each implemented mode; mret (MIE <- MPIE, MPIE <- 1, MPP <- U) and sret
//     (SIE <- SPIE, SPIE <- 1, SPP <- U) (priv 3.1.6.1, 3.3.2);
//   - M -> S via mret, S -> U via sret, sret from M; ecall from U / S / M = causes 8 / 9 / 11,
//     mepc = the ecall, mtval = 0, trap entry MPP / MPIE / MIE (priv 3.1.6.1, 3.1.15);
//   - medeleg: U ecalls and illegal instructions delegated to S (scause, sepc, stval,
//     SPP / SPIE / SIE), with nothing recorded in M; an S ecall delegated with medeleg[9];
//     undelegated traps from S and U go to M; traps in M are never delegated (priv 3.1.8);
//   - illegal from S / U: mret, sret in U, M CSRs, S CSRs from U, WFI in U; mstatus.TSR (sret
//     in S), TW (wfi in S), TVM (satp and sfence.vma in S) (priv 3.1.6.5, 3.3.2);
//     mtval = the instruction bits;
//   - sstatus is a restricted view of mstatus (priv 4.1.1);
//   - stvec / mtvec in vectored mode: exceptions go to BASE (priv 3.1.7, 4.1.2);
//   - mcounteren / scounteren gating of cycle / time / instret in S and U (priv 3.1.11).
// Interrupts are in priv_interrupts.S; MPRV cleared by mret, MPP = 2, medeleg[11] and exact
// instret, where QEMU 7.2 deviates from the spec, in priv_strict.S.
//
// qemu-cpu: rv64,h=false
#include "priv.h"

#define INSN_MRET          0x30200073
#define INSN_SRET          0x10200073
#define INSN_WFI           0x10500073
#define INSN_SFENCE_VMA    0x12000073
#define INSN_CSRR_A0_MSTATUS  0x30002573 /* csrr a0, mstatus */
#define INSN_CSRR_A0_MEDELEG  0x30202573 /* csrr a0, medeleg */
#define INSN_CSRR_A0_SSTATUS  0x10002573 /* csrr a0, sstatus */
#define INSN_CSRR_A0_SATP     0x18002573 /* csrr a0, satp */
#define INSN_CSRW_SATP_ZERO   0x18001073 /* csrw satp, zero */
#define INSN_RDCYCLE_A0    0xc0002573
#define INSN_RDTIME_A0     0xc0102573
#define INSN_RDINSTRET_A0  0xc0202573

#define MSTATUS_TRAP_BITS (MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP)
#define SSTATUS_TRAP_BITS (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP)
/* The fields sstatus shows (priv figure 4.2; UBE is read-only 0 here, so not listed). */
#define SSTATUS_MASK (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_VS | MSTATUS_FS | \
                      MSTATUS_XS | MSTATUS_SUM | MSTATUS_MXR | MSTATUS_UXL | MSTATUS_SD)
/* M-only fields a write through sstatus must not touch. */
#define MSTATUS_M_ONLY (MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_MPRV | MSTATUS_TVM | \
                        MSTATUS_TW | MSTATUS_TSR)

/* Sets mstatus.MPP to `mode` (clobbers t0). */
.macro set_mpp mode
    li t0, MSTATUS_MPP
    csrc mstatus, t0
    li t0, (\mode) << 11
    csrs mstatus, t0
.endm

TEST_START
    PV_INIT

    // ==== misa and XLEN fields (priv 3.1.1, 3.1.6.3) ====
    csrr a0, misa
    CHECK_EQ(a0, MISA_MXL_64 | MISA_EXT('I') | MISA_EXT('M') | MISA_EXT('A') | \
             MISA_EXT('F') | MISA_EXT('D') | MISA_EXT('C') | MISA_EXT('S') | MISA_EXT('U'), 1)
    csrr a0, mstatus
    CHECK_MASKED(a0, MSTATUS_UXL | MSTATUS_SXL, MSTATUS_UXL_64 | MSTATUS_SXL_64, 2)
    li t0, MSTATUS_UXL | MSTATUS_SXL    // UXL/SXL are read-only 2 (only RV64 supported)
    csrc mstatus, t0
    csrr a0, mstatus
    CHECK_MASKED(a0, MSTATUS_UXL | MSTATUS_SXL, MSTATUS_UXL_64 | MSTATUS_SXL_64, 3)
    csrr a0, sstatus                    // sstatus shows UXL too
    CHECK_MASKED(a0, MSTATUS_UXL, MSTATUS_UXL_64, 4)

    // ==== MPP holds every implemented mode (priv 3.1.6.1) ====
    set_mpp PRV_S
    csrr a0, mstatus
    CHECK_MASKED(a0, MSTATUS_MPP, MSTATUS_MPP_S, 5)
    set_mpp PRV_U
    csrr a0, mstatus
    CHECK_MASKED(a0, MSTATUS_MPP, 0, 6)
    set_mpp PRV_M
    csrr a0, mstatus
    CHECK_MASKED(a0, MSTATUS_MPP, MSTATUS_MPP_M, 7)

    // ==== mret staying in M: MIE <- MPIE, MPIE <- 1, MPP <- U (priv 3.1.6.1) ====
    li t0, MSTATUS_MPIE
    csrs mstatus, t0
    csrci mstatus, MSTATUS_MIE
    la t0, .Lmret_m
    csrw mepc, t0
    li a1, 0
    mret
    li a1, 1                            // mret must not fall through
.Lmret_m:
    CHECK_EQ(a1, 0, 8)
    csrr a0, mstatus
    CHECK_MASKED(a0, MSTATUS_TRAP_BITS, MSTATUS_MIE | MSTATUS_MPIE, 9)
    csrci mstatus, MSTATUS_MIE          // mie = 0 anyway; keep interrupts globally off
    CHECK_NO_TRAPS(10)

    // ==== M -> S via mret, ecall from S (priv 3.3.2, 3.1.15) ====
    // mret with MPP = S, MPIE = 0: S-mode, MIE <- 0. (mret also clears MPRV when leaving M,
    // which QEMU 7.2 does not do: checked in priv_strict.S.)
    set_mpp PRV_S
    li t0, MSTATUS_MPIE
    csrc mstatus, t0
    la t0, .Lin_s1
    csrw mepc, t0
    mret
.Lin_s1:
    // In S: sstatus is accessible, mstatus is not.
    csrr a0, sstatus
    CHECK_NO_TRAPS(11)
.Lecall_s1:
    ecall                               // S ecall: cause 9, to M (medeleg = 0)
    // The M handler recorded mstatus at trap entry: MPP = S, MPIE = old MIE (0), MIE = 0.
    CHECK_MREC_MASKED(12, REC_STATUS, MSTATUS_TRAP_BITS | MSTATUS_MPRV, MSTATUS_MPP_S)
    CHECK_MTRAP(13, CAUSE_ECALL_S, .Lecall_s1, 0)
    GOTO_M
    csrr a0, mstatus                    // GOTO_M's mret: MPP <- U, MPIE <- 1, MIE <- 0
    CHECK_MASKED(a0, MSTATUS_TRAP_BITS, MSTATUS_MPIE, 14)

    // ==== S -> U via sret; ecall from U (priv 3.3.2) ====
    // sret in S with SPP = U, SPIE = 1: U-mode, then SIE = 1, SPIE = 1, SPP = U.
    GOTO_S
    li t0, MSTATUS_SPP
    csrc sstatus, t0
    li t0, MSTATUS_SPIE
    csrs sstatus, t0
    csrci sstatus, MSTATUS_SIE
    la t0, .Lin_u1
    csrw sepc, t0
    sret
.Lin_u1:
.Lecall_u1:
    ecall                               // U ecall: cause 8, to M
    CHECK_MREC_MASKED(15, REC_STATUS, MSTATUS_MPP, 0)
    CHECK_MREC_MASKED(16, REC_STATUS, SSTATUS_TRAP_BITS, MSTATUS_SIE | MSTATUS_SPIE)
    CHECK_MTRAP(17, CAUSE_ECALL_U, .Lecall_u1, 0)
    // U has no access to S CSRs or to sret.
.Lu_sstatus:
    csrr a0, sstatus
    CHECK_MTRAP(18, CAUSE_ILLEGAL_INSN, .Lu_sstatus, INSN_CSRR_A0_SSTATUS)
.Lu_sret:
    sret
    CHECK_MTRAP(19, CAUSE_ILLEGAL_INSN, .Lu_sret, INSN_SRET)
.Lu_mret:
    mret
    CHECK_MTRAP(20, CAUSE_ILLEGAL_INSN, .Lu_mret, INSN_MRET)
.Lu_mstatus:
    csrr a0, mstatus
    CHECK_MTRAP(21, CAUSE_ILLEGAL_INSN, .Lu_mstatus, INSN_CSRR_A0_MSTATUS)
    // WFI in U with S-mode implemented: illegal (priv 3.3.3; no bounded wait here).
.Lu_wfi:
    wfi
    CHECK_MTRAP(22, CAUSE_ILLEGAL_INSN, .Lu_wfi, INSN_WFI)
    GOTO_M

    // ==== ecall from M: cause 11, MPP = M (priv 3.1.15) ====
    csrci mstatus, MSTATUS_MIE
.Lecall_m:
    ecall
    CHECK_MREC_MASKED(23, REC_STATUS, MSTATUS_TRAP_BITS, MSTATUS_MPP_M)
    CHECK_MTRAP(24, CAUSE_ECALL_M, .Lecall_m, 0)

    // ==== illegal in S: mret, M CSRs (priv 3.1.6.5, 3.3.2) ====
    GOTO_S
.Ls_mret:
    mret
    CHECK_MTRAP(25, CAUSE_ILLEGAL_INSN, .Ls_mret, INSN_MRET)
.Ls_mstatus:
    csrr a0, mstatus
    CHECK_MTRAP(26, CAUSE_ILLEGAL_INSN, .Ls_mstatus, INSN_CSRR_A0_MSTATUS)
.Ls_medeleg:
    csrr a0, medeleg
    CHECK_MTRAP(27, CAUSE_ILLEGAL_INSN, .Ls_medeleg, INSN_CSRR_A0_MEDELEG)
    // S CSRs work in S.
    li a0, 0x5a5a
    csrw sscratch, a0
    csrr a1, sscratch
    CHECK_EQ(a1, 0x5a5a, 28)
    CHECK_NO_TRAPS(29)
    GOTO_M

    // ==== sret from M with SPP = S: pc <- sepc, S-mode (priv 3.3.2) ====
    li t0, MSTATUS_SPP
    csrs mstatus, t0
    la t0, .Lsret_from_m
    csrw sepc, t0
    sret
    FAIL(30)                            // sret must not fall through
.Lsret_from_m:
    // Now in S: an M CSR traps (so we are not in M), then back to M.
.Ls_check_mode:
    csrr a0, mstatus
    CHECK_MTRAP(31, CAUSE_ILLEGAL_INSN, .Ls_check_mode, INSN_CSRR_A0_MSTATUS)
    GOTO_M
    csrr a0, mstatus                    // ... and SPP <- U after the sret
    CHECK_MASKED(a0, MSTATUS_SPP, 0, 32)

    // ==== sret within S: SIE <- SPIE, SPIE <- 1, SPP <- U (priv 4.1.1) ====
    GOTO_S
    li t0, MSTATUS_SPP | MSTATUS_SIE
    csrs sstatus, t0
    li t0, MSTATUS_SPIE
    csrc sstatus, t0                    // SPP = S, SPIE = 0, SIE = 1
    la t0, .Lsret_s
    csrw sepc, t0
    sret
.Lsret_s:
    csrr a0, sstatus
    CHECK_MASKED(a0, SSTATUS_TRAP_BITS, MSTATUS_SPIE, 33)
    CHECK_NO_TRAPS(34)                  // still in S: sstatus was readable
    GOTO_M

    // ==== medeleg: U ecall delegated to S (priv 3.1.8, 4.1.1) ====
    li t0, 1 << CAUSE_ECALL_U
    csrw medeleg, t0
    csrr a0, medeleg
    CHECK_EQ(a0, 1 << CAUSE_ECALL_U, 35)
    li t0, MSTATUS_SIE                  // SIE = 1 while in U, so SPIE records 1
    csrs mstatus, t0
    li t0, MSTATUS_SPIE | MSTATUS_SPP
    csrc mstatus, t0
    set_mpp PRV_U
    la t0, .Lin_u2
    csrw mepc, t0
    mret
.Lin_u2:
    li a0, 7
.Lecall_u2:
    ecall
    CHECK_SREC_MASKED(36, REC_STATUS, SSTATUS_TRAP_BITS, MSTATUS_SPIE)  // SPP = U, SIE = 0
    CHECK_STRAP(37, CAUSE_ECALL_U, .Lecall_u2, 0)
    CHECK_EQ(a0, 7, 38)                 // the S handler preserved a0 and returned to U
    // Not delegated: illegal instruction from U still goes to M.
.Lu_ill1:
    csrr a0, mstatus
    CHECK_MTRAP(39, CAUSE_ILLEGAL_INSN, .Lu_ill1, INSN_CSRR_A0_MSTATUS)
    // A second delegated ecall: the handler's sret set SIE <- SPIE = 1, so SPIE records 1.
.Lecall_u3:
    ecall
    CHECK_SREC_MASKED(40, REC_STATUS, SSTATUS_TRAP_BITS, MSTATUS_SPIE)
    CHECK_STRAP(41, CAUSE_ECALL_U, .Lecall_u3, 0)
    GOTO_M

    // ==== medeleg: illegal instructions delegated to S, from U and from S ====
    li t0, (1 << CAUSE_ECALL_U) | (1 << CAUSE_ILLEGAL_INSN)
    csrw medeleg, t0
    GOTO_U
.Lu_ill2:
    csrr a0, mstatus
    CHECK_SREC_MASKED(44, REC_STATUS, MSTATUS_SPP, 0)
    CHECK_STRAP(45, CAUSE_ILLEGAL_INSN, .Lu_ill2, INSN_CSRR_A0_MSTATUS)
.Lu_ill3:
    .word 0xffffffff                    // reserved encoding
    CHECK_STRAP(46, CAUSE_ILLEGAL_INSN, .Lu_ill3, 0xffffffff)
    GOTO_M
    GOTO_S
    csrci sstatus, MSTATUS_SIE
    li t0, MSTATUS_SPIE
    csrc sstatus, t0
.Ls_ill1:
    csrr a0, medeleg                    // illegal in S, delegated: handled by S itself
    CHECK_SREC_MASKED(47, REC_STATUS, SSTATUS_TRAP_BITS, MSTATUS_SPP)  // SPP = S, SPIE = 0
    CHECK_STRAP(48, CAUSE_ILLEGAL_INSN, .Ls_ill1, INSN_CSRR_A0_MEDELEG)
    // ecall from S is not delegated (medeleg[9] = 0): to M.
.Lecall_s2:
    ecall
    CHECK_MTRAP(49, CAUSE_ECALL_S, .Lecall_s2, 0)
    GOTO_M
    // Traps taken in M are never delegated, whatever medeleg says (priv 3.1.8).
.Lm_ill1:
    .word 0xffffffff
    CHECK_MTRAP(50, CAUSE_ILLEGAL_INSN, .Lm_ill1, 0xffffffff)
    // medeleg[9] set: an S ecall is handled in S.
    li t0, 1 << CAUSE_ECALL_S
    csrs medeleg, t0
    GOTO_S
.Lecall_s3:
    ecall
    CHECK_SREC_MASKED(52, REC_STATUS, MSTATUS_SPP, MSTATUS_SPP)
    CHECK_STRAP(51, CAUSE_ECALL_S, .Lecall_s3, 0)
    GOTO_M
    csrw medeleg, zero
    CHECK_NO_TRAPS(53)

    // ==== mstatus.TSR: sret in S is illegal, in M it is not (priv 3.1.6.5) ====
    li t0, MSTATUS_TSR
    csrs mstatus, t0
    GOTO_S
.Ls_sret_tsr:
    sret
    CHECK_MTRAP(54, CAUSE_ILLEGAL_INSN, .Ls_sret_tsr, INSN_SRET)
    GOTO_M
    li t0, MSTATUS_SPP
    csrs mstatus, t0
    la t0, .Lsret_m_tsr
    csrw sepc, t0
    sret                                // legal in M with TSR = 1; lands in S
    FAIL(55)
.Lsret_m_tsr:
    CHECK_NO_TRAPS(56)
    GOTO_M
    li t0, MSTATUS_TSR
    csrc mstatus, t0

    // ==== mstatus.TW: wfi in S is illegal (priv 3.1.6.5) ====
    // QEMU 7.2 and rvisor trap at once (a time limit of 0, which the spec allows).
    li t0, MSTATUS_TW
    csrs mstatus, t0
    GOTO_S
.Ls_wfi_tw:
    wfi
    CHECK_MTRAP(57, CAUSE_ILLEGAL_INSN, .Ls_wfi_tw, INSN_WFI)
    GOTO_M
    // wfi in M ignores TW (it would wait here without a pending interrupt, so make one
    // pending and enabled in mie but globally disabled: wfi must return, nothing is taken).
    csrci mstatus, MSTATUS_MIE
    li t0, MIP_SSIP
    csrs mip, t0
    csrs mie, t0
    wfi
    csrw mie, zero
    csrc mip, t0
    CHECK_NO_TRAPS(58)
    li t0, MSTATUS_TW
    csrc mstatus, t0

    // ==== mstatus.TVM: satp and sfence.vma in S are illegal (priv 3.1.6.5) ====
    li t0, MSTATUS_TVM
    csrs mstatus, t0
    csrr a0, satp                       // M is not affected
    CHECK_NO_TRAPS(59)
    GOTO_S
.Ls_satp_r:
    csrr a0, satp
    CHECK_MTRAP(60, CAUSE_ILLEGAL_INSN, .Ls_satp_r, INSN_CSRR_A0_SATP)
.Ls_satp_w:
    csrw satp, zero
    CHECK_MTRAP(61, CAUSE_ILLEGAL_INSN, .Ls_satp_w, INSN_CSRW_SATP_ZERO)
.Ls_sfence:
    sfence.vma
    CHECK_MTRAP(62, CAUSE_ILLEGAL_INSN, .Ls_sfence, INSN_SFENCE_VMA)
    GOTO_M
    li t0, MSTATUS_TVM
    csrc mstatus, t0
    GOTO_S                              // TVM = 0: both legal in S
    csrr a0, satp
    CHECK_EQ(a0, 0, 63)
    sfence.vma
    CHECK_NO_TRAPS(64)
    GOTO_M

    // ==== sstatus is a view of mstatus (priv 4.1.1) ====
    // Known M-only state: MPP = S, MPIE = 1, TSR = TW = TVM = MPRV = 0, MIE = 0.
    set_mpp PRV_S
    li t0, MSTATUS_MPIE
    csrs mstatus, t0
    li s0, -1
    csrw sstatus, s0                    // every S field set ...
    csrr a0, mstatus
    CHECK_MASKED(a0, MSTATUS_M_ONLY, MSTATUS_MPIE | MSTATUS_MPP_S, 65)  // ... M fields kept
    CHECK_MASKED(a0, MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_SUM | MSTATUS_MXR | \
                 MSTATUS_FS, MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_SUM | \
                 MSTATUS_MXR | MSTATUS_FS, 66)
    CHECK_MASKED(a0, MSTATUS_SD, MSTATUS_SD, 67)  // FS = dirty -> SD
    csrr a1, sstatus
    li t1, SSTATUS_MASK
    and t2, a0, t1
    CHECK_EQR(a1, t2, 68)               // sstatus == mstatus & sstatus mask
    csrw sstatus, zero                  // every S field cleared ...
    csrr a0, mstatus
    CHECK_MASKED(a0, MSTATUS_M_ONLY, MSTATUS_MPIE | MSTATUS_MPP_S, 69)
    CHECK_MASKED(a0, MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_SUM | MSTATUS_MXR | \
                 MSTATUS_FS | MSTATUS_SD, 0, 70)
    csrr a1, sstatus
    li t1, SSTATUS_MASK
    and t2, a0, t1
    CHECK_EQR(a1, t2, 71)
    // Writes to mstatus show through sstatus.
    li t0, MSTATUS_SUM | MSTATUS_SPP
    csrs mstatus, t0
    csrr a1, sstatus
    CHECK_MASKED(a1, MSTATUS_SUM | MSTATUS_SPP | MSTATUS_MXR, MSTATUS_SUM | MSTATUS_SPP, 72)
    csrc mstatus, t0
    // From S, too: writing sstatus cannot reach M fields.
    GOTO_S
    li t0, -1
    csrw sstatus, t0
    csrw sstatus, zero
    GOTO_M
    csrr a0, mstatus
    CHECK_MASKED(a0, MSTATUS_M_ONLY, MSTATUS_MPIE, 73)  // as GOTO_M's mret left them
    li t0, MSTATUS_FS                   // FP on again for the rest (not needed, but tidy)
    csrs mstatus, t0

    // ==== vectored stvec / mtvec: exceptions go to BASE (priv 3.1.7, 4.1.2) ====
    la t0, _pv_strap
    ori t0, t0, 1
    csrw stvec, t0
    csrr a0, stvec
    CHECK_EQR(a0, t0, 74)               // mode 1 (vectored) is supported
    la t0, _pv_mtrap
    ori t0, t0, 1
    csrw mtvec, t0
    csrr a0, mtvec
    CHECK_EQR(a0, t0, 75)
    li t0, 1 << CAUSE_ILLEGAL_INSN
    csrw medeleg, t0
    GOTO_S
.Ls_ill_vec:
    .word 0xffffffff                    // delegated: to stvec BASE
    CHECK_STRAP(76, CAUSE_ILLEGAL_INSN, .Ls_ill_vec, 0xffffffff)
.Lecall_s_vec:
    ecall                               // not delegated: to mtvec BASE
    CHECK_MTRAP(77, CAUSE_ECALL_S, .Lecall_s_vec, 0)
    GOTO_M
    csrw medeleg, zero
    la t0, _pv_strap
    csrw stvec, t0
    la t0, _pv_mtrap
    csrw mtvec, t0

    // ==== counters: mcounteren gates S and U, scounteren gates U (priv 3.1.11, 4.1.5) ====
    // M always has access.
    csrw mcounteren, zero
    csrw scounteren, zero
    rdcycle a0
    rdtime a1
    rdinstret a2
    CHECK_NO_TRAPS(78)
    rdtime a3
    bltu a3, a1, .Ltime_back
    j .Ltime_ok
.Ltime_back:
    FAIL(79)                            // time never runs backwards
.Ltime_ok:
    // mcounteren = 0: everything illegal in S (and so in U).
    GOTO_S
.Ls_cy0:
    rdcycle a0
    CHECK_MTRAP(80, CAUSE_ILLEGAL_INSN, .Ls_cy0, INSN_RDCYCLE_A0)
.Ls_tm0:
    rdtime a0
    CHECK_MTRAP(81, CAUSE_ILLEGAL_INSN, .Ls_tm0, INSN_RDTIME_A0)
.Ls_ir0:
    rdinstret a0
    CHECK_MTRAP(82, CAUSE_ILLEGAL_INSN, .Ls_ir0, INSN_RDINSTRET_A0)
    GOTO_M
    // mcounteren = CY | IR: cycle and instret work in S, time does not.
    li t0, COUNTEREN_CY | COUNTEREN_IR
    csrw mcounteren, t0
    GOTO_S
    rdcycle a0
    rdinstret a0
    CHECK_NO_TRAPS(83)
.Ls_tm1:
    rdtime a0
    CHECK_MTRAP(84, CAUSE_ILLEGAL_INSN, .Ls_tm1, INSN_RDTIME_A0)
    GOTO_M
    // mcounteren = all, scounteren = 0: S has access, U has none.
    li t0, COUNTEREN_CY | COUNTEREN_TM | COUNTEREN_IR
    csrw mcounteren, t0
    GOTO_S
    rdcycle a0
    rdtime a0
    rdinstret a0
    CHECK_NO_TRAPS(85)
    GOTO_M
    GOTO_U
.Lu_cy0:
    rdcycle a0
    CHECK_MTRAP(86, CAUSE_ILLEGAL_INSN, .Lu_cy0, INSN_RDCYCLE_A0)
.Lu_tm0:
    rdtime a0
    CHECK_MTRAP(87, CAUSE_ILLEGAL_INSN, .Lu_tm0, INSN_RDTIME_A0)
.Lu_ir0:
    rdinstret a0
    CHECK_MTRAP(88, CAUSE_ILLEGAL_INSN, .Lu_ir0, INSN_RDINSTRET_A0)
    GOTO_M
    // scounteren = TM only: U reads time, not cycle.
    li t0, COUNTEREN_TM
    csrw scounteren, t0
    GOTO_U
    rdtime a0
    CHECK_NO_TRAPS(89)
.Lu_cy1:
    rdcycle a0
    CHECK_MTRAP(90, CAUSE_ILLEGAL_INSN, .Lu_cy1, INSN_RDCYCLE_A0)
    GOTO_M
    // scounteren = all but mcounteren = 0: U has no access (both are needed).
    li t0, COUNTEREN_CY | COUNTEREN_TM | COUNTEREN_IR
    csrw scounteren, t0
    csrw mcounteren, zero
    GOTO_U
.Lu_ir1:
    rdinstret a0
    CHECK_MTRAP(91, CAUSE_ILLEGAL_INSN, .Lu_ir1, INSN_RDINSTRET_A0)
    GOTO_M
    // Both all: U reads all three.
    li t0, COUNTEREN_CY | COUNTEREN_TM | COUNTEREN_IR
    csrw mcounteren, t0
    GOTO_U
    rdcycle a0
    rdtime a1
    rdinstret a2
    CHECK_NO_TRAPS(92)
    GOTO_M

    CHECK_NO_TRAPS(93)
    PASS
