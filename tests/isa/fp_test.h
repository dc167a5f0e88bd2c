/*
 * fp_test.h - helpers for the F/D guest programs (rv64f.S, rv64d.S, fp_status.S), on top of
 * test.h. Operands and results are raw bit patterns: f registers are loaded with fmv.d.x
 * (all 64 bits, so a test can hand a single-precision op a register that is not NaN-boxed)
 * and read back with fmv.x.d (so a test sees whether a single result is boxed).
 *
 * Each test line is one check code covering both the result (a0) and the fflags the op
 * raised (a1): fflags is cleared before the op and read after it. A flags mismatch prints
 * got/expected with FLAGS_TAG added, e.g. 0x00f1a90000000011, to tell it from a value.
 *
 * Registers: fa0-fa3 and a0-a2, t0 are clobbered by the macros (t5/t6 belong to test.h).
 */
#ifndef RVISOR_FP_TEST_H
#define RVISOR_FP_TEST_H

#include "test.h"

/* fflags bits */
#define NX 0x01
#define UF 0x02
#define OF 0x04
#define DZ 0x08
#define NV 0x10

#define MSTATUS_FS       (3 << 13)
#define MSTATUS_FS_INIT  (1 << 13)
#define MSTATUS_FS_CLEAN (2 << 13)
#define MSTATUS_FS_DIRTY (3 << 13)
#define MSTATUS_SD       (1 << 63)

#define FLAGS_TAG 0x00f1a90000000000

/* A single NaN-boxed into a 64-bit register pattern. */
#define B(x) (0xffffffff00000000 | (x))

/* Canonical NaNs. */
#define CNAN_D 0x7ff8000000000000
#define CNAN_S B(0x7fc00000)

#ifdef __ASSEMBLER__

/* Turns the FPU on (mstatus.FS = Dirty) with fcsr = 0 (RNE, no flags). */
.macro fp_init
    li t0, MSTATUS_FS
    csrs mstatus, t0
    csrwi fcsr, 0
.endm

/* a0 == exp and a1 == fl, under one check code. */
.macro fp_check code, exp, fl
    rt_check_code \code
    li t6, \exp
    .if \code == RT_MUTATE
    xori t6, t6, 1
    .endif
    beq a0, t6, .Lfp_value_ok_\@
    mv t5, a0
    li a0, \code
    j _rt_fail_value
.Lfp_value_ok_\@:
    li t6, \fl
    beq a1, t6, .Lfp_flags_ok_\@
    li t5, FLAGS_TAG
    add t6, t6, t5
    add t5, a1, t5
    li a0, \code
    j _rt_fail_value
.Lfp_flags_ok_\@:
.endm

.macro fp_load freg, bits
    li t0, \bits
    fmv.d.x \freg, t0
.endm

/* The op, with fflags cleared before and read into a1 after. */
.macro fp_run insn:vararg
    fsflags zero
    \insn
    frflags a1
.endm

/* f = op(a, b) with rounding mode rm (rne rtz rdn rup rmm dyn). */
.macro t_ff code, op, rm, a, b, exp, fl
    fp_load fa1, \a
    fp_load fa2, \b
    fp_run \op fa0, fa1, fa2, \rm
    fmv.x.d a0, fa0
    fp_check \code, \exp, \fl
.endm
/* f = op(a, b), no rounding mode (fsgnj*, fmin, fmax). */
.macro t_ffn code, op, a, b, exp, fl
    fp_load fa1, \a
    fp_load fa2, \b
    fp_run \op fa0, fa1, fa2
    fmv.x.d a0, fa0
    fp_check \code, \exp, \fl
.endm
/* x = op(a, b) (feq, flt, fle). */
.macro t_xff code, op, a, b, exp, fl
    fp_load fa1, \a
    fp_load fa2, \b
    fp_run \op a0, fa1, fa2
    fp_check \code, \exp, \fl
.endm
/* f = op(a) with rounding mode (fsqrt, fcvt.s.d). */
.macro t_f code, op, rm, a, exp, fl
    fp_load fa1, \a
    fp_run \op fa0, fa1, \rm
    fmv.x.d a0, fa0
    fp_check \code, \exp, \fl
.endm
/* f = op(a), no rounding mode (fcvt.d.s, which is exact). */
.macro t_fn code, op, a, exp, fl
    fp_load fa1, \a
    fp_run \op fa0, fa1
    fmv.x.d a0, fa0
    fp_check \code, \exp, \fl
.endm
/* x = op(a) with rounding mode (fcvt.w/wu/l/lu). */
.macro t_xf code, op, rm, a, exp, fl
    fp_load fa1, \a
    fp_run \op a0, fa1, \rm
    fp_check \code, \exp, \fl
.endm
/* x = op(a), no rounding mode (fclass, fmv.x.*). */
.macro t_xfn code, op, a, exp, fl
    fp_load fa1, \a
    fp_run \op a0, fa1
    fp_check \code, \exp, \fl
.endm
/* f = op(integer a) with rounding mode (fcvt.s/d from w/wu/l/lu). */
.macro t_fx code, op, rm, a, exp, fl
    li a2, \a
    fp_run \op fa0, a2, \rm
    fmv.x.d a0, fa0
    fp_check \code, \exp, \fl
.endm
/* f = op(integer a), no rounding mode (fmv.*.x, exact fcvt.d.w/wu). */
.macro t_fxn code, op, a, exp, fl
    li a2, \a
    fp_run \op fa0, a2
    fmv.x.d a0, fa0
    fp_check \code, \exp, \fl
.endm
/* f = op(a, b, c) with rounding mode (the fused multiply-adds). */
.macro t_fff code, op, rm, a, b, c, exp, fl
    fp_load fa1, \a
    fp_load fa2, \b
    fp_load fa3, \c
    fp_run \op fa0, fa1, fa2, fa3, \rm
    fmv.x.d a0, fa0
    fp_check \code, \exp, \fl
.endm

#endif /* __ASSEMBLER__ */
#endif /* RVISOR_FP_TEST_H */
