// hello.c - the program `make run` runs: prints exactly "Hello from rvisor!\n" on the
// NS16550A UART (polling LSR.THRE before each byte), then passes through the test device
// (main returns 0; see common/crt0.S). Freestanding: no libc.
//
// qemu-expect-output: Hello from rvisor!
#include "test.h"

static void uart_putc(char c) {
    volatile unsigned char *const uart = (volatile unsigned char *)UART_BASE;
    while ((uart[UART_LSR] & UART_LSR_THRE) == 0) {
    }
    uart[UART_THR] = (unsigned char)c;
}

static void uart_puts(const char *s) {
    while (*s != '\0') {
        uart_putc(*s++);
    }
}

int main(void) {
    uart_puts("Hello from rvisor!\n");
    return 0;
}
