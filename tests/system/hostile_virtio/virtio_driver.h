// virtio_driver.h - the hostile driver's minimal virtio-mmio side: console, checks, the
// transport registers (virtio 1.2 section 4.2.2), split rings (section 2.7) it lays out in
// its own .bss, and the steps every case repeats (reset and negotiate, queue setup, post,
// bounded polls). Used by blk_cases.c and net_cases.c; see hostile_virtio.c.
#pragma once

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long u64;

#define RAM_BASE 0x80000000UL
#define RAM_END 0x88000000UL  // --memory 128M
#define OUTSIDE 0xF0000000UL  // no RAM, no device
#define BLK_BASE 0x10001000UL
#define NET_BASE 0x10002000UL
#define UART 0x10000000UL
#define TEST_DEVICE 0x100000UL
#define TIMEBASE_HZ 10000000UL  // the board's timebase-frequency

// virtio-mmio registers (virtio 1.2 section 4.2.2).
enum {
    R_MAGIC = 0x000,
    R_VERSION = 0x004,
    R_DEVICE_ID = 0x008,
    R_DEV_FEATURES = 0x010,
    R_DEV_FEATURES_SEL = 0x014,
    R_DRV_FEATURES = 0x020,
    R_DRV_FEATURES_SEL = 0x024,
    R_QUEUE_SEL = 0x030,
    R_QUEUE_NUM_MAX = 0x034,
    R_QUEUE_NUM = 0x038,
    R_QUEUE_READY = 0x044,
    R_QUEUE_NOTIFY = 0x050,
    R_ISR = 0x060,
    R_ISR_ACK = 0x064,
    R_STATUS = 0x070,
    R_DESC_LO = 0x080,
    R_DESC_HI = 0x084,
    R_AVAIL_LO = 0x090,
    R_AVAIL_HI = 0x094,
    R_USED_LO = 0x0a0,
    R_USED_HI = 0x0a4,
    R_CONFIG = 0x100,
};
enum { S_ACK = 1, S_DRIVER = 2, S_DRIVER_OK = 4, S_FEATURES_OK = 8, S_NEEDS_RESET = 64 };
#define F_INDIRECT (1UL << 28)
#define F_VERSION_1 (1UL << 32)
enum { D_NEXT = 1, D_WRITE = 2, D_INDIRECT = 4 };

struct desc {
    u64 addr;
    u32 len;
    u16 flags;
    u16 next;
};
struct used_elem {
    u32 id;
    u32 len;
};
struct used_ring {
    u16 flags;
    u16 idx;
    struct used_elem ring[256];
    u16 avail_event;
};
struct blk_req {
    u32 type;
    u32 reserved;
    u64 sector;
};

#define QS 16  // the queue size the cases use (QueueNumMax is 256)

// Two queues' worth of rings (virtio-net uses both; virtio-blk queue 0), in driver.c.
extern volatile struct desc desc_tab[2][256];
extern volatile u16 avail_ring[2][2 + 256 + 1];
extern volatile struct used_ring used_ring[2];
extern u16 avail_next[2];  // our avail idx per queue
extern const char* current_case;

void puts_(const char* s);
void putc_(char c);
void fail_(const char* file, int line, const char* what, u64 got);
void pass_case(void);  // counts current_case as passed and prints it
void memset_(volatile void* p, u8 v, u64 n);

#define CHECK(cond, what, got)                                    \
    do {                                                          \
        if (!(cond)) fail_(__FILE__, __LINE__, what, (u64)(got)); \
    } while (0)
#define CHECK_EQ(got, want, what)                                       \
    do {                                                                \
        u64 got_ = (u64)(got);                                          \
        if (got_ != (u64)(want)) fail_(__FILE__, __LINE__, what, got_); \
    } while (0)

static inline void fence(void) {
    __asm__ volatile("fence iorw, iorw" ::: "memory");
}
static inline u64 now(void) {
    u64 t;
    __asm__ volatile("rdtime %0" : "=r"(t));
    return t;
}
static inline u32 rd(u64 base, u32 off) {
    fence();
    return *(volatile u32*)(base + off);
}
static inline void wr(u64 base, u32 off, u32 v) {
    fence();
    *(volatile u32*)(base + off) = v;
    fence();
}

#define LONG_WAIT (TIMEBASE_HZ * 10)
#define SHORT_WAIT (TIMEBASE_HZ / 20)

// Reset, check the identity, negotiate `features` (which the device must offer).
void dev_begin(u64 base, u32 device_id, u64 features);
// Writes a queue's size and ring addresses and sets QueueReady.
void queue_config(u64 base, u32 q, u32 size, u64 d, u64 a, u64 u);
// Our standard rings for queue q (size QS), cleared; checks QueueReady reads 1.
void queue_setup(u64 base, u32 q);
void driver_ok(u64 base);
// Puts `head` in the avail ring, publishes it and kicks.
void post(u64 base, u32 q, u16 head);
// Polls until used idx of queue q reaches `idx` or `ticks` pass; true when it did.
int wait_used(u32 q, u16 idx, u64 ticks);
// The device set DEVICE_NEEDS_RESET with a configuration-change interrupt and returned
// `used` chains on queue q.
void expect_needs_reset(u64 base, u32 q, u16 used);

// The last 16 bytes of RAM: a canary no hostile request may change.
void canary_set(void);
void canary_check(void);
