/*
 * start.S - entry of hostile_virtio.elf in S-mode (OpenSBI fw_dynamic: a0 = hartid,
 * a1 = DTB). Hart 0 (the only one the test boots) gets a stack and a cleared .bss, a trap
 * vector that reports any trap as a failure, and runs main(); main returning 0 passes.
 */
    .section .text.init, "ax"
    .globl _start
_start:
    la sp, __stack_top
    la t0, trap_entry
    csrw stvec, t0
    la t0, __bss_start
    la t1, __bss_end
1:  bgeu t0, t1, 2f
    sd zero, 0(t0)
    addi t0, t0, 8
    j 1b
2:  call main
    call finish
3:  j 3b

    .align 4
trap_entry:
    csrr a0, scause
    csrr a1, sepc
    csrr a2, stval
    call unexpected_trap
4:  j 4b
