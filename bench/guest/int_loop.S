# Fixed integer workload for the interpreter/JIT speed figure: a mix of ALU ops, a multiply,
# loads and stores and a branch per iteration, like compiled integer code. 10 instructions
# per iteration (the checksum code after the loop is negligible); runs ITERATIONS times then
# powers off through the test device.
#ifndef ITERATIONS
#define ITERATIONS 50000000
#endif
    .section .text.init
    .globl _start
_start:
    la      s0, buffer
    li      s1, ITERATIONS
    li      a0, 0
    li      a1, 0x9e3779b9
1:
    add     a0, a0, a1
    slli    a2, a0, 3
    xor     a0, a0, a2
    mul     a3, a0, a1
    andi    a4, a3, 0x3f8
    add     a5, s0, a4
    sd      a0, 0(a5)
    ld      a6, 8(s0)
    addi    s1, s1, -1
    bnez    s1, 1b
    # Pass: write 0x5555 to the test device.
    li      t0, 0x100000
    li      t1, 0x5555
    sw      t1, 0(t0)
2:  j       2b

    .bss
    .balign 4096
buffer:
    .skip   4096
