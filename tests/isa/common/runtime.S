/*
 * runtime.S - support code linked into every test program (see test.h): start-up helper,
 * pass/fail exits, the default and the recording trap handlers, and UART diagnostics.
 *
 * None of this uses the stack (a test may have moved sp), and the failure paths only use
 * registers, since they never return.
 */
#include "test.h"

    .text

/* Non-zero harts wait forever. */
    .globl _rt_park
_rt_park:
    wfi
    j _rt_park

/* Zero .bss (the stack is outside it). Link register ra. */
    .globl _rt_init
_rt_init:
    la t0, __bss_start
    la t1, __bss_end
1:  bgeu t0, t1, 2f
    sd zero, 0(t0)
    addi t0, t0, 8
    j 1b
2:  ret

    .globl _rt_pass
_rt_pass:
    li t0, TEST_DEVICE_BASE
    li t1, TEST_DEVICE_PASS
    sw t1, 0(t0)
1:  j 1b

/* Plain failure: a0 = code. Prints "FAIL <code>". */
    .globl _rt_fail
_rt_fail:
    mv s11, a0
    la a2, .Lmsg_fail
    jal t4, _rt_puts
    mv a3, s11
    jal t4, _rt_putdec
    li a1, '\n'
    jal t0, _rt_putc
    mv a0, s11
    j _rt_exit_fail

/* Value mismatch: a0 = code, t5 = value found, t6 = value expected. */
    .globl _rt_fail_value
_rt_fail_value:
    mv s11, a0
    mv s10, t5
    mv s9, t6
    la a2, .Lmsg_fail
    jal t4, _rt_puts
    mv a3, s11
    jal t4, _rt_putdec
    la a2, .Lmsg_got
    jal t4, _rt_puts
    mv a3, s10
    jal t4, _rt_puthex
    la a2, .Lmsg_expected
    jal t4, _rt_puts
    mv a3, s9
    jal t4, _rt_puthex
    li a1, '\n'
    jal t0, _rt_putc
    mv a0, s11
    j _rt_exit_fail

/* a0 = code: write (code << 16) | 0x3333 to the finisher and stop. */
_rt_exit_fail:
    li t0, TEST_DEVICE_BASE
    slli a0, a0, 16
    li t1, TEST_DEVICE_FAIL
    or a0, a0, t1
    sw a0, 0(t0)
1:  j 1b

/* ---- trap handlers ---------------------------------------------------------------------- */

/* Default: any trap is a failure. Prints mcause/mepc/mtval, exits with 200 + mcause (or 240
 * for an interrupt). */
    .balign 4
    .globl _rt_trap_default
_rt_trap_default:
    csrr s11, mcause
    csrr s10, mepc
    csrr s9, mtval
    la a2, .Lmsg_trap
    jal t4, _rt_puts
    mv a3, s11
    jal t4, _rt_puthex
    la a2, .Lmsg_mepc
    jal t4, _rt_puts
    mv a3, s10
    jal t4, _rt_puthex
    la a2, .Lmsg_mtval
    jal t4, _rt_puts
    mv a3, s9
    jal t4, _rt_puthex
    li a1, '\n'
    jal t0, _rt_putc
    li a0, CODE_UNEXPECTED_IRQ
    bltz s11, _rt_exit_fail
    li a0, CODE_UNEXPECTED_TRAP + 31
    li t0, 31
    bgtu s11, t0, _rt_exit_fail
    addi a0, s11, CODE_UNEXPECTED_TRAP
    j _rt_exit_fail

/* Recording handler (installed by TRAP_ARM). Clobbers only t5 and t6. */
    .balign 4
    .globl _rt_trap_record
_rt_trap_record:
    la t6, trap_record
    ld t5, TRAP_COUNT(t6)
    addi t5, t5, 1
    sd t5, TRAP_COUNT(t6)
    csrr t5, mcause
    sd t5, TRAP_MCAUSE(t6)
    csrr t5, mepc
    sd t5, TRAP_MEPC(t6)
    csrr t5, mtval
    sd t5, TRAP_MTVAL(t6)
    csrr t5, mstatus
    sd t5, TRAP_MSTATUS(t6)
    ld t5, TRAP_COUNT(t6)
    li t6, 16
    bgtu t5, t6, .Lrunaway
    csrr t5, mcause
    bltz t5, .Linterrupt
    /* Instruction fetch faults: mepc is not readable, resume at ra. */
    li t6, CAUSE_MISALIGNED_FETCH
    beq t5, t6, .Lresume_ra
    li t6, CAUSE_FETCH_ACCESS
    beq t5, t6, .Lresume_ra
    li t6, CAUSE_FETCH_PAGE_FAULT
    beq t5, t6, .Lresume_ra
    /* Skip the faulting instruction: 4 bytes if its low two bits are 11, else 2. */
    csrr t6, mepc
    lhu t5, 0(t6)
    andi t5, t5, 3
    addi t5, t5, -3
    beqz t5, 1f
    addi t6, t6, 2
    j 2f
1:  addi t6, t6, 4
2:  csrw mepc, t6
    mret
.Lresume_ra:
    csrw mepc, ra
    mret
.Linterrupt:
    li a0, CODE_UNEXPECTED_IRQ
    j _rt_exit_fail
.Lrunaway:
    li a0, CODE_RUNAWAY_TRAPS
    j _rt_exit_fail

/* ---- UART output (NS16550A, polled) ------------------------------------------------------ */

/* putc: a1 = character. Link t0; clobbers t1, t2, t3. Gives up waiting after ~1M polls so a
 * broken UART cannot hide the failure exit. */
_rt_putc:
    li t1, UART_BASE
    li t3, 1000000
1:  lbu t2, UART_LSR(t1)
    andi t2, t2, UART_LSR_THRE
    bnez t2, 2f
    addi t3, t3, -1
    bnez t3, 1b
2:  sb a1, UART_THR(t1)
    jr t0

/* puts: a2 = NUL-terminated string. Link t4; clobbers a1, a2, t0-t3. */
_rt_puts:
1:  lbu a1, 0(a2)
    beqz a1, 2f
    jal t0, _rt_putc
    addi a2, a2, 1
    j 1b
2:  jr t4

/* puthex: a3 = value, printed as 0x + 16 digits. Link t4; clobbers a1, a3, a4, t0-t3. */
_rt_puthex:
    li a1, '0'
    jal t0, _rt_putc
    li a1, 'x'
    jal t0, _rt_putc
    li a4, 16
1:  srli a1, a3, 60
    slli a3, a3, 4
    addi a1, a1, '0'
    li t1, '9'
    bleu a1, t1, 2f
    addi a1, a1, 'a' - '0' - 10
2:  jal t0, _rt_putc
    addi a4, a4, -1
    bnez a4, 1b
    jr t4

/* putdec: a3 = value below 1000, in decimal without leading zeros. Link t4; clobbers a1,
 * a3, a4, a5, t0-t3. Uses no M-extension instructions. */
_rt_putdec:
    li a5, 100          /* current digit weight */
    li a4, 0            /* set once a digit was printed */
1:  li a1, 0
2:  bltu a3, a5, 3f
    sub a3, a3, a5
    addi a1, a1, 1
    j 2b
3:  bnez a1, 4f
    bnez a4, 4f
    li t1, 1
    bne a5, t1, 5f      /* leading zero: skip, but always print the last digit */
4:  addi a1, a1, '0'
    li a4, 1
    jal t0, _rt_putc
5:  li t1, 1
    beq a5, t1, 6f
    li t1, 100
    li t2, 10
    beq a5, t1, 7f
    li t2, 1
7:  mv a5, t2
    j 1b
6:  jr t4

    .section .rodata
.Lmsg_fail:     .asciz "FAIL check "
.Lmsg_got:      .asciz ": got "
.Lmsg_expected: .asciz ", expected "
.Lmsg_trap:     .asciz "FAIL unexpected trap: mcause="
.Lmsg_mepc:     .asciz " mepc="
.Lmsg_mtval:    .asciz " mtval="

    .data
    .balign 8
    .globl trap_record
trap_record:
    .dword 0, -1, -1, -1, -1
