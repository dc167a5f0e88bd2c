// Never finishes: used to check that --timeout and --max-instructions stop a guest.
    .section .text.init
    .globl _start
_start:
1:  addi t0, t0, 1
    j 1b
