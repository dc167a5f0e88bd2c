/*
 * crt0.S - start-up for freestanding C guest programs (e.g. hello.c): the usual TEST_START
 * (hart 0 only, stack, default trap handler, .bss cleared), then `int main(void)`.
 * main returning 0 passes through the test device; returning N fails with code N.
 */
#include "test.h"

TEST_START
    call main
    bnez a0, 1f
    PASS
1:  j _rt_fail
