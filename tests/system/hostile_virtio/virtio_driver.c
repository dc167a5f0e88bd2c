// virtio_driver.c - see virtio_driver.h.
#include "virtio_driver.h"

volatile struct desc desc_tab[2][256] __attribute__((aligned(4096)));
volatile u16 avail_ring[2][2 + 256 + 1] __attribute__((aligned(4096)));
volatile struct used_ring used_ring[2] __attribute__((aligned(4096)));
u16 avail_next[2];
const char* current_case = "setup";
static unsigned cases_passed;

// --- Console, exit ---

void putc_(char c) {
    volatile u8* uart = (volatile u8*)UART;
    while ((uart[5] & 0x20) == 0) {
    }
    uart[0] = (u8)c;
}
void puts_(const char* s) {
    while (*s) putc_(*s++);
}
static void puthex(u64 v) {
    puts_("0x");
    for (int i = 60; i >= 0; i -= 4) putc_("0123456789abcdef"[(v >> i) & 15]);
}
static void exit_(u32 value) {
    *(volatile u32*)TEST_DEVICE = value;
    for (;;) {
    }
}
static void putdec(u64 v) {
    char digits[20];
    int n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) putc_(digits[--n]);
}
void finish(void) {
    puts_("hostile_virtio: all ");
    putdec(cases_passed);
    puts_(" cases passed\n");
    exit_(0x5555);
}
void fail_(const char* file, int line, const char* what, u64 got) {
    puts_("hostile_virtio: FAIL in case ");
    puts_(current_case);
    puts_(": ");
    puts_(what);
    puts_(" (got ");
    puthex(got);
    puts_(", ");
    puts_(file);
    putc_(':');
    putdec((u64)line);
    puts_(")\n");
    exit_(((u32)(line % 200 + 1) << 16) | 0x3333);
}
void unexpected_trap(u64 scause, u64 sepc, u64 stval) {
    puts_("hostile_virtio: unexpected trap scause ");
    puthex(scause);
    puts_(" sepc ");
    puthex(sepc);
    puts_(" stval ");
    puthex(stval);
    putc_('\n');
    exit_((250u << 16) | 0x3333);
}

void memset_(volatile void* p, u8 v, u64 n) {
    for (u64 i = 0; i < n; ++i) ((volatile u8*)p)[i] = v;
}

// --- Transport ---

void dev_begin(u64 base, u32 device_id, u64 features) {
    wr(base, R_STATUS, 0);
    CHECK_EQ(rd(base, R_STATUS), 0, "status after reset");
    CHECK_EQ(rd(base, R_ISR), 0, "interrupt status after reset");
    CHECK_EQ(rd(base, R_MAGIC), 0x74726976, "magic");
    CHECK_EQ(rd(base, R_VERSION), 2, "version");
    CHECK_EQ(rd(base, R_DEVICE_ID), device_id, "device id");
    wr(base, R_STATUS, S_ACK);
    wr(base, R_STATUS, S_ACK | S_DRIVER);
    wr(base, R_DEV_FEATURES_SEL, 0);
    u64 offered = rd(base, R_DEV_FEATURES);
    wr(base, R_DEV_FEATURES_SEL, 1);
    offered |= (u64)rd(base, R_DEV_FEATURES) << 32;
    CHECK_EQ(offered & features, features, "offered features");
    wr(base, R_DRV_FEATURES_SEL, 0);
    wr(base, R_DRV_FEATURES, (u32)features);
    wr(base, R_DRV_FEATURES_SEL, 1);
    wr(base, R_DRV_FEATURES, (u32)(features >> 32));
    wr(base, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
    CHECK_EQ(rd(base, R_STATUS), S_ACK | S_DRIVER | S_FEATURES_OK, "FEATURES_OK accepted");
}

void queue_config(u64 base, u32 q, u32 size, u64 d, u64 a, u64 u) {
    wr(base, R_QUEUE_SEL, q);
    wr(base, R_QUEUE_NUM, size);
    wr(base, R_DESC_LO, (u32)d);
    wr(base, R_DESC_HI, (u32)(d >> 32));
    wr(base, R_AVAIL_LO, (u32)a);
    wr(base, R_AVAIL_HI, (u32)(a >> 32));
    wr(base, R_USED_LO, (u32)u);
    wr(base, R_USED_HI, (u32)(u >> 32));
    wr(base, R_QUEUE_READY, 1);
}

void queue_setup(u64 base, u32 q) {
    memset_(desc_tab[q], 0, sizeof desc_tab[q]);
    memset_(avail_ring[q], 0, sizeof avail_ring[q]);
    memset_(&used_ring[q], 0, sizeof used_ring[q]);
    avail_next[q] = 0;
    wr(base, R_QUEUE_SEL, q);
    CHECK_EQ(rd(base, R_QUEUE_NUM_MAX), 256, "QueueNumMax");
    queue_config(base, q, QS, (u64)desc_tab[q], (u64)avail_ring[q], (u64)&used_ring[q]);
    CHECK_EQ(rd(base, R_QUEUE_READY), 1, "QueueReady of a good queue");
}

void driver_ok(u64 base) {
    wr(base, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
    CHECK_EQ(rd(base, R_STATUS), S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK,
             "status after DRIVER_OK");
}

void post(u64 base, u32 q, u16 head) {
    avail_ring[q][2 + avail_next[q] % QS] = head;
    fence();
    avail_ring[q][1] = ++avail_next[q];
    fence();
    wr(base, R_QUEUE_NOTIFY, q);
}

int wait_used(u32 q, u16 idx, u64 ticks) {
    const u64 start = now();
    while (now() - start < ticks) {
        fence();
        if (used_ring[q].idx == idx) return 1;
    }
    fence();
    return used_ring[q].idx == idx;
}

static int wait_needs_reset(u64 base, u64 ticks) {
    const u64 start = now();
    while (now() - start < ticks)
        if (rd(base, R_STATUS) & S_NEEDS_RESET) return 1;
    return (rd(base, R_STATUS) & S_NEEDS_RESET) != 0;
}

// The device set DEVICE_NEEDS_RESET with a configuration-change interrupt, returned
// `used` chains, and now ignores the queue: a good request kicked afterwards is not served.
void expect_needs_reset(u64 base, u32 q, u16 used) {
    CHECK(wait_needs_reset(base, LONG_WAIT), "DEVICE_NEEDS_RESET set", rd(base, R_STATUS));
    CHECK_EQ(rd(base, R_STATUS), S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK | S_NEEDS_RESET,
             "status with NEEDS_RESET");
    CHECK(rd(base, R_ISR) & 2, "configuration change interrupt", rd(base, R_ISR));
    fence();
    CHECK_EQ(used_ring[q].idx, used, "used idx after the malformed chain");
}

void pass_case(void) {
    ++cases_passed;
    puts_("  ok ");
    puts_(current_case);
    putc_('\n');
}

#define CANARY ((volatile u8*)(RAM_END - 16))
void canary_set(void) {
    for (int i = 0; i < 16; ++i) CANARY[i] = (u8)(0xA0 + i);
}
void canary_check(void) {
    for (int i = 0; i < 16; ++i) CHECK_EQ(CANARY[i], 0xA0 + i, "canary at the end of RAM");
}

// A well-formed request whose data buffer is [daddr, daddr+dlen): IOERR, used length 1,
