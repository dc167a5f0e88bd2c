// fp_strict.S - FP rules QEMU 7.2 breaks, so this program is checked on rvisor only.
// qemu: skip
//
// mstatus.FS must become Dirty whenever fcsr changes (privileged spec 3.1.6.6), also when an
// op that writes only an x register raises a flag: feq on a signaling NaN, flt/fle on any
// NaN, fcvt to an integer that is inexact or invalid. QEMU 7.2 marks FS Dirty only for
// f-register writes and CSR writes, so it leaves FS Clean in these cases (the fflags value
// itself is right). Ops that raise nothing still leave FS Clean (also checked in
// fp_status.S, which QEMU passes).
#include "fp_test.h"

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

/* With FS Clean and fflags clear, runs `insn`; then FS must be Dirty (code_fs), SD set
 * (code_sd) and fflags = fl (code_fl). */
.macro t_dirty code_fs, code_sd, code_fl, fl, insn:vararg
    csrwi fflags, 0
    set_fs MSTATUS_FS_CLEAN
    \insn
    read_fs
    CHECK_EQ(a0, 3, \code_fs)
    CHECK_EQ(a1, 1, \code_sd)
    frflags a0
    CHECK_EQ(a0, \fl, \code_fl)
.endm

TEST_START
    fp_init
    fp_load fa1, 0x7ff0000000000001         // signaling NaN
    fp_load fa2, 0x7ff8000000000000         // quiet NaN
    fp_load fa3, 0x3ff8000000000000         // 1.5
    fp_load fa4, 0x7ff0000000000000         // +inf
    t_dirty 1, 2, 3, NV, feq.d a2, fa1, fa3
    t_dirty 4, 5, 6, NV, flt.d a2, fa2, fa3
    t_dirty 7, 8, 9, NV, fle.s a2, fa3, fa3     // not NaN-boxed: canonical NaN
    t_dirty 10, 11, 12, NX, fcvt.w.d a2, fa3, rtz
    t_dirty 13, 14, 15, NV, fcvt.lu.d a2, fa4, rne
    t_dirty 16, 17, 18, NX, fcvt.s.lu fa5, a2, rne  // 2^64-1 rounds (an f write too)
    PASS
