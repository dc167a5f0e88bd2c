// fp_status.S - FP state and control (privileged spec 3.1.6.6, unprivileged spec 11.2):
// misa has F and D; with mstatus.FS = Off every FP instruction (arithmetic, moves, loads,
// stores, compressed forms) and every access to fflags/frm/fcsr is an illegal instruction
// (mtval = its bits) that changes no state; an instruction that writes an f register or
// fcsr makes FS Dirty and sets SD, while FP stores, moves to x registers, fclass and
// comparisons that raise nothing leave a Clean FS alone; fcsr is frm (7:5) | fflags (4:0)
// with the upper bits zero, and the fflags/frm views read and write their fields only; a
// dynamic rounding mode with frm = 5, 6 or 7 is illegal (also for the exact fcvt.d.w), a
// static rm of 5 or 6 always is, and ops without an rm field ignore frm. Validated against
// QEMU 7.2.
#include "fp_test.h"

#define MISA_D (1 << 3)
#define MISA_F (1 << 5)

/* One illegal-instruction trap at `label` with mtval = the 32-bit (or, for the 16 variant,
 * 16-bit) instruction found there; then clears the record. */
.macro check_illegal code, label, load=lwu
    rt_check_code \code
    li t6, 1
    rt_trap_field_eq TRAP_COUNT, \code
    li t6, CAUSE_ILLEGAL_INSN
    rt_trap_field_eq TRAP_MCAUSE, \code
    la t6, \label
    rt_trap_field_eq TRAP_MEPC, \code
    la t6, \label
    \load t6, 0(t6)
    rt_trap_field_eq TRAP_MTVAL, \code
    rt_trap_clear
.endm

/* a0 = mstatus.FS, a1 = mstatus.SD */
.macro read_fs
    csrr a1, mstatus
    srli a0, a1, 13
    andi a0, a0, 3
    srli a1, a1, 63
.endm

.macro set_fs state
    li t0, MSTATUS_FS
    csrc mstatus, t0
    li t0, \state
    csrs mstatus, t0
.endm

TEST_START
    csrr a0, misa
    andi a0, a0, MISA_F | MISA_D
    CHECK_EQ(a0, MISA_F | MISA_D, 1)

    // ---- FS = Off: FP instructions and FP CSRs are illegal and change nothing ----
    fp_init
    fp_load fa0, 0x1111
    fp_load fa1, 0x3ff0000000000000
    fp_load fa2, 0x3ff0000000000000
    li t0, (2 << 5) | NX
    csrw fcsr, t0
    la a3, scratch
    li a0, 0x2222
    sd a0, 0(a3)
    set_fs 0
    read_fs
    CHECK_EQ(a0, 0, 2)
    CHECK_EQ(a1, 0, 3)
    TRAP_ARM
    li a0, 0x77
    .option push
    .option norvc                           // the 32-bit forms; compressed ones follow
.Loff_fadd:
    fadd.d fa0, fa1, fa2
    check_illegal 4, .Loff_fadd
.Loff_fmv_d_x:
    fmv.d.x fa0, zero
    check_illegal 5, .Loff_fmv_d_x
.Loff_fmv_x_d:
    fmv.x.d a0, fa1
    check_illegal 6, .Loff_fmv_x_d
.Loff_fld:
    fld fa0, 0(a3)
    check_illegal 7, .Loff_fld
.Loff_fsd:
    fsd fa1, 0(a3)
    check_illegal 8, .Loff_fsd
.Loff_flw:
    flw fa0, 0(a3)
    check_illegal 9, .Loff_flw
.Loff_fsw:
    fsw fa1, 0(a3)
    check_illegal 10, .Loff_fsw
.Loff_fcvt:
    fcvt.w.d a0, fa1
    check_illegal 11, .Loff_fcvt
.Loff_feq:
    feq.d a0, fa1, fa2
    check_illegal 12, .Loff_feq
.Loff_fclass:
    fclass.d a0, fa1
    check_illegal 13, .Loff_fclass
.Loff_fmadd:
    fmadd.s fa0, fa1, fa2, fa1
    check_illegal 14, .Loff_fmadd
    .option pop
.Loff_cfldsp:
    c.fldsp fa0, 0(sp)
    check_illegal 15, .Loff_cfldsp, lhu
.Loff_cfsd:
    c.fsd fa1, 0(a3)
    check_illegal 16, .Loff_cfsd, lhu
    .option push
    .option norvc
.Loff_rd_fcsr:
    csrr a0, fcsr
    check_illegal 17, .Loff_rd_fcsr
.Loff_rd_fflags:
    frflags a0
    check_illegal 18, .Loff_rd_fflags
.Loff_wr_frm:
    fsrmi 1
    check_illegal 19, .Loff_wr_frm
.Loff_wr_fflags:
    fsflags zero
    check_illegal 20, .Loff_wr_fflags
    .option pop
    TRAP_DISARM
    CHECK_EQ(a0, 0x77, 21)                  // no x register was written
    ld a0, 0(a3)
    CHECK_EQ(a0, 0x2222, 22)                // no store happened
    // Nothing changed: FS is still Off; turning it on (Initial) shows the old state.
    read_fs
    CHECK_EQ(a0, 0, 23)
    set_fs MSTATUS_FS_INIT
    fmv.x.d a0, fa0
    CHECK_EQ(a0, 0x1111, 24)
    frcsr a0
    CHECK_EQ(a0, (2 << 5) | NX, 25)

    // ---- Dirty tracking ----
    read_fs                                 // reading f registers and fcsr leaves Initial
    CHECK_EQ(a0, 1, 26)
    CHECK_EQ(a1, 0, 27)
    fmv.d.x fa3, zero                       // a write: Dirty, and SD
    read_fs
    CHECK_EQ(a0, 3, 28)
    CHECK_EQ(a1, 1, 29)
    set_fs MSTATUS_FS_CLEAN
    read_fs
    CHECK_EQ(a0, 2, 30)
    CHECK_EQ(a1, 0, 31)
    fsd fa1, 0(a3)                          // no f register or fcsr write: stays Clean
    fsw fa1, 8(a3)
    fmv.x.d a0, fa1
    fmv.x.w a0, fa1
    fclass.d a0, fa1
    feq.d a0, fa1, fa2
    flt.d a0, fa1, fa2
    fle.d a0, fa1, fa2
    frcsr a0
    read_fs
    CHECK_EQ(a0, 2, 32)
    fadd.d fa3, fa1, fa2
    read_fs
    CHECK_EQ(a0, 3, 33)
    set_fs MSTATUS_FS_CLEAN
    fld fa3, 0(a3)
    read_fs
    CHECK_EQ(a0, 3, 34)
    set_fs MSTATUS_FS_CLEAN
    flw fa3, 0(a3)
    read_fs
    CHECK_EQ(a0, 3, 35)
    set_fs MSTATUS_FS_CLEAN
    fsgnj.d fa3, fa1, fa1
    read_fs
    CHECK_EQ(a0, 3, 36)
    set_fs MSTATUS_FS_CLEAN
    fsflags zero
    read_fs
    CHECK_EQ(a0, 3, 37)
    set_fs MSTATUS_FS_CLEAN
    fsrmi 0
    read_fs
    CHECK_EQ(a0, 3, 38)
    set_fs MSTATUS_FS_CLEAN
    csrwi fcsr, 0
    read_fs
    CHECK_EQ(a0, 3, 39)
    CHECK_EQ(a1, 1, 40)

    // ---- fcsr, fflags and frm ----
    li t0, -1
    csrw fcsr, t0
    frcsr a0
    CHECK_EQ(a0, 0xff, 41)
    frflags a0
    CHECK_EQ(a0, 0x1f, 42)
    frrm a0
    CHECK_EQ(a0, 7, 43)
    csrwi fcsr, 0
    li t0, -1
    fsflags a0, t0                          // swap: old value to a0
    CHECK_EQ(a0, 0, 44)
    frcsr a0
    CHECK_EQ(a0, 0x1f, 45)                  // frm untouched
    li t0, 0xfa
    fsrm a0, t0
    CHECK_EQ(a0, 0, 46)
    frcsr a0
    CHECK_EQ(a0, (2 << 5) | 0x1f, 47)       // only frm's 3 bits, fflags untouched
    fsflagsi a0, NX | OF
    CHECK_EQ(a0, 0x1f, 48)
    frcsr a0
    CHECK_EQ(a0, (2 << 5) | NX | OF, 49)
    csrci fflags, NX
    frflags a0
    CHECK_EQ(a0, OF, 50)
    csrsi frm, 1
    frrm a0
    CHECK_EQ(a0, 3, 51)

    // ---- invalid rounding modes ----
    fp_load fa0, 0x5555
    fp_load fa1, 0x3ff0000000000000
    fp_load fa2, 0x3ca0000000000000         // 2^-53
    TRAP_ARM
    csrwi fflags, 0
    fsrmi 5
.Lbad_frm_5:
    fadd.d fa0, fa1, fa2, dyn
    check_illegal 52, .Lbad_frm_5
    fsrmi 6
.Lbad_frm_6:
    fadd.d fa0, fa1, fa2, dyn
    check_illegal 53, .Lbad_frm_6
    fsrmi 7
.Lbad_frm_7:
    fmadd.s fa0, fa1, fa2, fa1, dyn
    check_illegal 54, .Lbad_frm_7
    fmv.x.d a0, fa0
    CHECK_EQ(a0, 0x5555, 60)                // rd not written
    frflags a0
    CHECK_EQ(a0, 0, 61)                     // no flags raised
    fsrmi 5
.Lbad_frm_cvt:
    .insn r OP_FP, 7, 0x69, fa0, a3, x0    // fcvt.d.w fa0, a3, dyn: exact, but still dynamic
    check_illegal 62, .Lbad_frm_cvt
.Lbad_frm_cvt_ds:
    .insn r OP_FP, 7, 0x21, fa0, fa1, x0   // fcvt.d.s fa0, fa1, dyn
    check_illegal 63, .Lbad_frm_cvt_ds
    // A static mode works whatever frm holds, and ops without an rm field ignore frm.
    fadd.d fa0, fa1, fa2, rup
    fsgnjn.d fa3, fa1, fa1
    fmin.d fa3, fa1, fa2
    feq.d a0, fa1, fa2
    fclass.d a0, fa1
    fmv.x.d a1, fa1
    CHECK_NO_TRAP(64)
    fmv.x.d a0, fa0
    CHECK_EQ(a0, 0x3ff0000000000001, 65)
    // Reserved static modes 5 and 6 are illegal whatever frm holds.
    fsrmi 0
.Lbad_rm5:
    .insn r OP_FP, 5, 0x01, fa0, fa1, fa2  // fadd.d with rm = 5
    check_illegal 66, .Lbad_rm5
.Lbad_rm6:
    .insn r OP_FP, 6, 0x00, fa0, fa1, fa2  // fadd.s with rm = 6
    check_illegal 67, .Lbad_rm6
.Lbad_rm5_fma:
    .insn r4 MADD, 5, 1, fa0, fa1, fa2, fa1 // fmadd.d with rm = 5
    check_illegal 68, .Lbad_rm5_fma
    // The dynamic mode with a valid frm: RMM.
    fsrmi 4
    fadd.d fa0, fa1, fa2, dyn
    CHECK_NO_TRAP(69)
    fmv.x.d a0, fa0
    CHECK_EQ(a0, 0x3ff0000000000001, 70)
    TRAP_DISARM
    PASS

    .data
    .balign 8
scratch:
    .dword 0, 0
