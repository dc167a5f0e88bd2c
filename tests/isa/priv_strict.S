// priv_strict.S - privileged-architecture rules where QEMU 7.2 is not a usable oracle,
// checked against the RISC-V privileged spec 20211203 ("priv") and rvisor's WARL choices:
//   - mret / sret that leave M clear mstatus.MPRV (priv 3.1.6.3; QEMU 7.2 keeps it);
//   - mstatus.MPP is WARL over the implemented modes: writing the reserved 2 leaves a legal
//     value; rvisor keeps the old one (priv 3.1.6.1; QEMU 7.2 stores 2);
//   - medeleg[11] (ecall from M) is read-only zero (priv 3.1.8; QEMU 7.2 lets it be set);
//   - pmpaddr bits 63:54 are zero on RV64 (priv 3.7.1 figure 3.27; QEMU 7.2 keeps all 64);
//   - pmpcfg bits 6:5 read zero, and the reserved R = 0, W = 1 never reads back (priv 3.7.1;
//     QEMU 7.2 keeps both); rvisor drops W;
//   - pmpaddr16..63 exist (read-only zero) when 16 entries are implemented (priv 3.7.1:
//     "up to 64 entries", unimplemented ones are read-only zero; QEMU 7.2 raises illegal
//     instruction);
//   - mcounteren / scounteren are 32-bit (priv 3.1.11; QEMU 7.2 keeps 64 bits); rvisor
//     implements CY, TM and IR only;
//   - instret counts retired instructions exactly (priv 3.1.10; QEMU 7.2 without -icount
//     returns host ticks);
// and rvisor conventions: mideleg holds exactly SSIP / STIP / SEIP (no H, no Sscofpmf),
// mstatus.VS is read-only zero (no V).
//
// qemu: skip -- not QEMU-validated (see above); every check here is spec-mandated or an
// rvisor WARL choice.
#include "priv.h"

TEST_START
    PV_INIT

    // ==== MPRV cleared by an xRET to a mode below M (priv 3.1.6.3) ====
    li t0, MSTATUS_MPP
    csrc mstatus, t0
    li t0, MSTATUS_MPP_S | MSTATUS_MPRV
    csrs mstatus, t0
    GOTO_S                              // mret to S (pv_goto keeps MPRV as set)
    GOTO_M
    csrr a0, mstatus
    CHECK_MASKED(a0, MSTATUS_MPRV, 0, 1)
    li t0, MSTATUS_MPRV | MSTATUS_SPP   // sret from M to S
    csrs mstatus, t0
    la t0, .Lsret_s
    csrw sepc, t0
    sret
.Lsret_s:
    GOTO_M
    csrr a0, mstatus
    CHECK_MASKED(a0, MSTATUS_MPRV, 0, 2)
    li t0, MSTATUS_MPRV                 // mret staying in M keeps it
    csrs mstatus, t0
    li t0, MSTATUS_MPP
    csrs mstatus, t0
    la t0, .Lmret_m
    csrw mepc, t0
    mret
.Lmret_m:
    csrr a0, mstatus
    li t0, MSTATUS_MPRV
    csrc mstatus, t0
    CHECK_MASKED(a0, MSTATUS_MPRV, MSTATUS_MPRV, 3)

    // ==== MPP = 2 is not stored (priv 3.1.6.1) ====
    li t0, MSTATUS_MPP
    csrc mstatus, t0
    li t0, MSTATUS_MPP_S
    csrs mstatus, t0                    // MPP = S
    csrr a0, mstatus
    li t0, ~MSTATUS_MPP
    and a0, a0, t0
    li t0, 2 << 11
    or a0, a0, t0
    csrw mstatus, a0                    // one write with MPP = 2
    csrr a0, mstatus
    li t0, MSTATUS_MPP
    and a1, a0, t0
    CHECK_NE(a1, 2 << 11, 4)            // spec: a legal value
    CHECK_EQ(a1, MSTATUS_MPP_S, 5)      // rvisor: the old value (as QEMU 8 and later)

    // ==== medeleg[11] is read-only zero (priv 3.1.8) ====
    li t0, -1
    csrw medeleg, t0
    csrr a0, medeleg
    csrw medeleg, zero
    CHECK_MASKED(a0, 1 << CAUSE_ECALL_M, 0, 6)
    CHECK_MASKED(a0, (1 << CAUSE_ECALL_U) | (1 << CAUSE_ECALL_S) | (1 << CAUSE_ILLEGAL_INSN) | \
                 (1 << CAUSE_FETCH_PAGE_FAULT) | (1 << CAUSE_LOAD_PAGE_FAULT) | \
                 (1 << CAUSE_STORE_PAGE_FAULT), \
                 (1 << CAUSE_ECALL_U) | (1 << CAUSE_ECALL_S) | (1 << CAUSE_ILLEGAL_INSN) | \
                 (1 << CAUSE_FETCH_PAGE_FAULT) | (1 << CAUSE_LOAD_PAGE_FAULT) | \
                 (1 << CAUSE_STORE_PAGE_FAULT), 7)

    // ==== mideleg: exactly the S-level interrupts (rvisor: no H, no Sscofpmf) ====
    li t0, -1
    csrw mideleg, t0
    csrr a0, mideleg
    csrw mideleg, zero
    CHECK_EQ(a0, MIP_SSIP | MIP_STIP | MIP_SEIP, 8)

    // ==== pmpaddr: bits 63:54 zero on RV64 (priv 3.7.1) ====
    li t0, -1
    csrw pmpaddr1, t0
    csrr a0, pmpaddr1
    CHECK_EQ(a0, 0x003fffffffffffff, 9)
    csrr a0, pmpaddr0                   // PV_INIT's all-memory entry: the same
    CHECK_EQ(a0, 0x003fffffffffffff, 10)

    // ==== pmpcfg: bits 6:5 read zero; R = 0, W = 1 is not kept (priv 3.7.1) ====
    li t0, 0xff << 8                    // entry 1: everything, then clear it
    csrs pmpcfg0, t0
    li t0, (0x60 | PMP_NAPOT | PMP_R) << 16
    csrs pmpcfg0, t0                    // entry 2: reserved bits 6:5 set
    li t0, (PMP_NAPOT | PMP_W) << 24
    csrs pmpcfg0, t0                    // entry 3: W without R
    csrr a0, pmpcfg0
    li t0, 0xffffff00
    csrc pmpcfg0, t0
    srli a1, a0, 8
    andi a1, a1, 0xff
    CHECK_EQ(a1, 0x9f, 11)              // entry 1: L A X W R, without bits 6:5
    srli a1, a0, 16
    andi a1, a1, 0xff
    CHECK_EQ(a1, PMP_NAPOT | PMP_R, 12)
    srli a1, a0, 24
    andi a1, a1, 0xff
    andi a2, a1, PMP_R | PMP_W
    CHECK_NE(a2, PMP_W, 13)             // spec: never W without R
    CHECK_EQ(a1, PMP_NAPOT, 14)         // rvisor: W dropped
    // Entry 1 was locked by the 0xff write: its byte stayed (L | A | X | W | R).
    csrr a0, pmpcfg0
    srli a1, a0, 8
    andi a1, a1, 0xff
    CHECK_EQ(a1, 0x9f, 15)

    // ==== pmpaddr16..63 are read-only zero, not illegal (priv 3.7.1) ====
    li t0, 0x1234
    csrw 0x3c0, t0                      // pmpaddr16
    csrr a0, 0x3c0
    CHECK_EQ(a0, 0, 16)
    csrw 0x3ef, t0                      // pmpaddr63
    csrr a0, 0x3ef
    CHECK_EQ(a0, 0, 17)
    csrr a0, 0x3a4                      // pmpcfg4 (entries 16..23)
    CHECK_EQ(a0, 0, 18)
    CHECK_NO_TRAPS(19)

    // ==== mcounteren / scounteren are 32-bit; rvisor implements CY, TM, IR ====
    li t0, -1
    csrw mcounteren, t0
    csrr a0, mcounteren
    srli a1, a0, 32
    CHECK_EQ(a1, 0, 20)
    CHECK_EQ(a0, COUNTEREN_CY | COUNTEREN_TM | COUNTEREN_IR, 21)
    csrw scounteren, t0
    csrr a0, scounteren
    CHECK_EQ(a0, COUNTEREN_CY | COUNTEREN_TM | COUNTEREN_IR, 22)

    // ==== instret counts exactly (priv 3.1.10), in M and in U ====
    rdinstret a0
    nop
    nop
    rdinstret a1
    sub a1, a1, a0
    CHECK_EQ(a1, 3, 23)                 // rdinstret, nop, nop
    GOTO_U
    rdinstret a0
    addi a2, a2, 1
    rdinstret a1
    sub a1, a1, a0
    GOTO_M
    CHECK_EQ(a1, 2, 24)
    csrr a0, minstret                   // minstret is the same counter
    rdinstret a1
    sub a1, a1, a0
    CHECK_EQ(a1, 1, 25)

    // ==== mstatus.VS is read-only zero (rvisor: no V) ====
    li t0, MSTATUS_VS
    csrs mstatus, t0
    csrr a0, mstatus
    CHECK_MASKED(a0, MSTATUS_VS, 0, 26)

    CHECK_NO_TRAPS(27)
    PASS
