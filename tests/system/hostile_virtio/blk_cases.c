// blk_cases.c - the hostile driver against virtio-blk (slot 0) and the virtio-mmio
// transport's queue configuration; see hostile_virtio.c for the outcomes checked.
#include "virtio_driver.h"

static volatile struct desc indirect[1040] __attribute__((aligned(16)));
static volatile struct blk_req req __attribute__((aligned(16)));
static volatile u8 data[4096] __attribute__((aligned(4096)));
static volatile u8 status_byte;

static u8 sector0_byte(u64 i) {
    return (u8)(i * 13 + 5);
}

// --- virtio-blk ---

enum { BLK_IN = 0, BLK_OUT = 1 };

static void blk_fresh(u64 features) {
    dev_begin(BLK_BASE, 2, features);
    queue_setup(BLK_BASE, 0);
}

// A three-descriptor request in desc 0..2 (header, data, status); data flags given.
static void blk_chain(u32 type, u64 sector, u64 daddr, u32 dlen, u16 dflags) {
    volatile struct desc* d = desc_tab[0];
    req.type = type;
    req.reserved = 0;
    req.sector = sector;
    status_byte = 0xEE;
    d[0] = (struct desc){(u64)&req, 16, D_NEXT, 1};
    d[1] = (struct desc){daddr, dlen, (u16)(dflags | D_NEXT), 2};
    d[2] = (struct desc){(u64)&status_byte, 1, D_WRITE, 0};
}

// Reads sector 0 into `buf` through the queue as configured, expects OK and its bytes.
static void blk_good_read_into(u64 buf) {
    memset_((volatile u8*)buf, 0, 512);
    blk_chain(BLK_IN, 0, buf, 512, D_WRITE);
    const u16 before = used_ring[0].idx;
    post(BLK_BASE, 0, 0);
    CHECK(wait_used(0, (u16)(before + 1), LONG_WAIT), "good read completes", used_ring[0].idx);
    CHECK_EQ(used_ring[0].ring[before % QS].id, 0, "used id of the good read");
    CHECK_EQ(used_ring[0].ring[before % QS].len, 513, "used len of the good read");
    CHECK_EQ(status_byte, 0, "status of the good read");
    for (u64 i = 0; i < 512; ++i)
        CHECK_EQ(((volatile u8*)buf)[i], sector0_byte(i), "sector 0 contents");
}

// The device works after a reset: a fresh queue serves a good read of sector 0.
static void blk_recovers(void) {
    blk_fresh(F_VERSION_1);
    driver_ok(BLK_BASE);
    blk_good_read_into((u64)data);
    CHECK_EQ(rd(BLK_BASE, R_STATUS) & S_NEEDS_RESET, 0, "no NEEDS_RESET after the good read");
}

static void blk_ioerr_case(const char* name, u32 type, u64 sector, u64 daddr, u32 dlen) {
    current_case = name;
    canary_set();
    blk_fresh(F_VERSION_1);
    driver_ok(BLK_BASE);
    blk_chain(type, sector, daddr, dlen, type == BLK_IN ? D_WRITE : 0);
    post(BLK_BASE, 0, 0);
    CHECK(wait_used(0, 1, LONG_WAIT), "hostile request completes", used_ring[0].idx);
    CHECK_EQ(used_ring[0].ring[0].id, 0, "used id");
    CHECK_EQ(used_ring[0].ring[0].len, 1, "used len (status byte only)");
    CHECK_EQ(status_byte, 1, "VIRTIO_BLK_S_IOERR");
    CHECK_EQ(rd(BLK_BASE, R_STATUS) & S_NEEDS_RESET, 0, "no NEEDS_RESET for a failed request");
    canary_check();
    blk_good_read_into((u64)data);  // same queue, no reset
    blk_recovers();
    pass_case();
}

// Chain built by `build` in desc_tab[0]/indirect, head 0 posted: DEVICE_NEEDS_RESET with
// `used` chains returned; then a good request is ignored; then a reset brings the device back.
static void blk_reset_case(const char* name, u64 features, void (*build)(void), u16 used) {
    current_case = name;
    canary_set();
    blk_fresh(features);
    driver_ok(BLK_BASE);
    build();
    post(BLK_BASE, 0, 0);
    expect_needs_reset(BLK_BASE, 0, used);
    if (used) CHECK_EQ(used_ring[0].ring[0].len, 0, "used len of an unanswerable chain");
    // Kicks are ignored now: a good request in other descriptors stays unserved.
    volatile struct desc* d = desc_tab[0];
    d[8] = (struct desc){(u64)&req, 16, D_NEXT, 9};
    d[9] = (struct desc){(u64)data, 512, D_WRITE | D_NEXT, 10};
    d[10] = (struct desc){(u64)&status_byte, 1, D_WRITE, 0};
    req.type = BLK_IN;
    req.sector = 0;
    status_byte = 0xEE;
    post(BLK_BASE, 0, 8);
    CHECK(!wait_used(0, (u16)(used + 1), SHORT_WAIT), "request after NEEDS_RESET not served",
          used_ring[0].idx);
    CHECK_EQ(status_byte, 0xEE, "status byte after NEEDS_RESET untouched");
    canary_check();
    blk_recovers();
    pass_case();
}

static void build_status_outside(void) {
    blk_chain(BLK_IN, 0, (u64)data, 512, D_WRITE);
    desc_tab[0][2].addr = OUTSIDE;
}
static void build_status_wraps(void) {
    blk_chain(BLK_IN, 0, (u64)data, 512, D_WRITE);
    desc_tab[0][2].addr = ~0UL;  // [2^64-1, 2^64+1)
    desc_tab[0][2].len = 2;
}
static void build_status_straddles_end(void) {
    blk_chain(BLK_IN, 0, (u64)data, 512, D_WRITE);
    desc_tab[0][2].addr = RAM_END - 1;
    desc_tab[0][2].len = 2;
}
static void build_self_loop(void) {
    blk_chain(BLK_IN, 0, (u64)data, 512, D_WRITE);
    desc_tab[0][0].next = 0;
}
static void build_loop_back(void) {
    blk_chain(BLK_IN, 0, (u64)data, 512, D_WRITE);
    desc_tab[0][2].flags = D_WRITE | D_NEXT;
    desc_tab[0][2].next = 1;  // 0 -> 1 -> 2 -> 1 ...
}
static void build_longer_than_queue(void) {
    // Every descriptor of the ring in one cycle: QS+1 visits.
    for (u16 i = 0; i < QS; ++i)
        desc_tab[0][i] = (struct desc){(u64)data, 4, D_NEXT, (u16)((i + 1) % QS)};
}
static void build_next_out_of_range(void) {
    blk_chain(BLK_IN, 0, (u64)data, 512, D_WRITE);
    desc_tab[0][1].next = QS;
}
static void build_readable_after_writable(void) {
    blk_chain(BLK_IN, 0, (u64)data, 512, D_WRITE);
    desc_tab[0][2].flags = D_WRITE | D_NEXT;
    desc_tab[0][2].next = 3;
    desc_tab[0][3] = (struct desc){(u64)data, 16, 0, 0};
}
// Indirect tables: desc 0 points at `indirect`.
static void ind_request(u16 n) {
    req.type = BLK_IN;
    req.sector = 0;
    status_byte = 0xEE;
    indirect[0] = (struct desc){(u64)&req, 16, D_NEXT, 1};
    indirect[1] = (struct desc){(u64)data, 512, D_WRITE | D_NEXT, 2};
    indirect[2] = (struct desc){(u64)&status_byte, 1, D_WRITE, 0};
    desc_tab[0][0] = (struct desc){(u64)indirect, (u32)(16 * n), D_INDIRECT, 0};
}
static void build_ind_loop(void) {
    ind_request(3);
    indirect[2].flags = D_WRITE | D_NEXT;
    indirect[2].next = 2;
}
static void build_ind_longer_than_table(void) {
    ind_request(3);
    indirect[2].flags = D_WRITE | D_NEXT;
    indirect[2].next = 1;  // 0 -> 1 -> 2 -> 1: 4 visits in a 3-entry table
}
static void build_ind_next_out_of_range(void) {
    ind_request(3);
    indirect[2].flags = D_WRITE | D_NEXT;
    indirect[2].next = 3;
}
static void build_ind_len_not_multiple(void) {
    ind_request(3);
    desc_tab[0][0].len = 56;  // 3.5 entries: the 3 whole ones hold a complete request
}
static void build_ind_len_zero(void) {
    ind_request(3);
    desc_tab[0][0].len = 0;
}
static void build_ind_too_many(void) {
    ind_request(3);
    desc_tab[0][0].len = 16 * 1025;  // more than kMaxIndirectEntries (virtqueue.hpp)
}
static void build_ind_outside(void) {
    ind_request(3);
    desc_tab[0][0].addr = OUTSIDE;
}
static void build_ind_wraps(void) {
    ind_request(3);
    desc_tab[0][0].addr = 0xFFFFFFFFFFFFFFF0UL;
}
static void build_ind_straddles_end(void) {
    ind_request(3);
    desc_tab[0][0].addr = RAM_END - 32;  // 48 bytes
}
static void build_ind_with_next(void) {
    ind_request(3);
    desc_tab[0][0].flags = D_INDIRECT | D_NEXT;
    desc_tab[0][0].next = 1;
}
static void build_ind_nested(void) {
    ind_request(3);
    indirect[0] = (struct desc){(u64)&indirect[4], 48, D_INDIRECT, 0};
}
static void build_avail_ahead(void) {
    blk_chain(BLK_IN, 0, (u64)data, 512, D_WRITE);
    avail_next[0] = QS;  // post() publishes idx QS + 1: more than a ring ahead
}

// Head index out of range needs the avail entry itself: posted by hand.
static void blk_head_out_of_range_case(void) {
    current_case = "head index out of range";
    blk_fresh(F_VERSION_1);
    driver_ok(BLK_BASE);
    blk_chain(BLK_IN, 0, (u64)data, 512, D_WRITE);
    post(BLK_BASE, 0, QS);
    expect_needs_reset(BLK_BASE, 0, 0);
    blk_recovers();
    pass_case();
}

// A good request through an indirect table (positive control for the indirect cases).
static void blk_indirect_good_case(void) {
    current_case = "indirect good";
    blk_fresh(F_VERSION_1 | F_INDIRECT);
    driver_ok(BLK_BASE);
    memset_(data, 0, 512);
    ind_request(3);
    post(BLK_BASE, 0, 0);
    CHECK(wait_used(0, 1, LONG_WAIT), "indirect read completes", used_ring[0].idx);
    CHECK_EQ(used_ring[0].ring[0].len, 513, "used len of the indirect read");
    CHECK_EQ(status_byte, 0, "status of the indirect read");
    for (u64 i = 0; i < 512; ++i) CHECK_EQ(data[i], sector0_byte(i), "sector 0 via indirect");
    pass_case();
}

// Queue configurations the device must refuse: QueueReady stays 0, DEVICE_NEEDS_RESET.
static void queue_refused_case(const char* name, u32 size, u64 d, u64 a, u64 u) {
    current_case = name;
    dev_begin(BLK_BASE, 2, F_VERSION_1);
    queue_config(BLK_BASE, 0, size, d, a, u);
    CHECK_EQ(rd(BLK_BASE, R_QUEUE_READY), 0, "QueueReady of a refused queue");
    CHECK_EQ(rd(BLK_BASE, R_STATUS), S_ACK | S_DRIVER | S_FEATURES_OK | S_NEEDS_RESET,
             "NEEDS_RESET for a refused queue");
    CHECK(rd(BLK_BASE, R_ISR) & 2, "configuration change interrupt", rd(BLK_BASE, R_ISR));
    blk_recovers();
    pass_case();
}

// Rings at the very end of RAM, at the smallest alignments the spec allows: accepted.
static void queue_at_ram_end_case(void) {
    current_case = "rings at the end of RAM, minimal alignment";
    const u64 d = RAM_END - 4096 + 16;        // 16-byte aligned, 256 bytes
    const u64 u = RAM_END - 4096 + 1024 + 4;  // 4-byte aligned, 6 + 8*16 bytes
    const u64 a = RAM_END - (6 + 2 * QS);     // 2-byte aligned, ends at RAM_END
    for (u64 p = RAM_END - 4096; p < RAM_END; ++p) *(volatile u8*)p = 0;
    dev_begin(BLK_BASE, 2, F_VERSION_1);
    queue_config(BLK_BASE, 0, QS, d, a, u);
    CHECK_EQ(rd(BLK_BASE, R_QUEUE_READY), 1, "QueueReady of rings ending at RAM end");
    driver_ok(BLK_BASE);
    volatile struct desc* dt = (volatile struct desc*)d;
    volatile u16* av = (volatile u16*)a;
    volatile struct used_ring* ur = (volatile struct used_ring*)u;
    req.type = BLK_IN;
    req.sector = 0;
    status_byte = 0xEE;
    memset_(data, 0, 512);
    dt[5] = (struct desc){(u64)&req, 16, D_NEXT, 15};
    dt[15] = (struct desc){(u64)data, 512, D_WRITE | D_NEXT, 0};
    dt[0] = (struct desc){(u64)&status_byte, 1, D_WRITE, 0};
    av[2] = 5;
    fence();
    av[1] = 1;
    wr(BLK_BASE, R_QUEUE_NOTIFY, 0);
    const u64 start = now();
    while (now() - start < LONG_WAIT && ur->idx != 1) fence();
    CHECK_EQ(ur->idx, 1, "used idx with rings at the end of RAM");
    CHECK_EQ(ur->ring[0].id, 5, "used id");
    CHECK_EQ(ur->ring[0].len, 513, "used len");
    CHECK_EQ(status_byte, 0, "status");
    for (u64 i = 0; i < 512; ++i) CHECK_EQ(data[i], sector0_byte(i), "sector 0 contents");
    blk_recovers();
    pass_case();
}

void transport_cases(void) {
    current_case = "features without VERSION_1";
    wr(BLK_BASE, R_STATUS, 0);
    wr(BLK_BASE, R_STATUS, S_ACK | S_DRIVER);
    wr(BLK_BASE, R_DRV_FEATURES_SEL, 1);
    wr(BLK_BASE, R_DRV_FEATURES, 0);
    wr(BLK_BASE, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
    CHECK_EQ(rd(BLK_BASE, R_STATUS), S_ACK | S_DRIVER, "FEATURES_OK refused (section 2.2.2)");
    blk_recovers();
    pass_case();

    current_case = "unoffered feature bit";
    wr(BLK_BASE, R_STATUS, 0);
    wr(BLK_BASE, R_STATUS, S_ACK | S_DRIVER);
    wr(BLK_BASE, R_DRV_FEATURES_SEL, 1);
    wr(BLK_BASE, R_DRV_FEATURES, 1 | (1u << 30));  // VERSION_1 and bit 62
    wr(BLK_BASE, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
    CHECK_EQ(rd(BLK_BASE, R_STATUS), S_ACK | S_DRIVER, "FEATURES_OK refused");
    blk_recovers();
    pass_case();

    current_case = "DRIVER_OK without FEATURES_OK";
    wr(BLK_BASE, R_STATUS, 0);
    wr(BLK_BASE, R_STATUS, S_ACK | S_DRIVER);
    wr(BLK_BASE, R_STATUS, S_ACK | S_DRIVER | S_DRIVER_OK);
    CHECK_EQ(rd(BLK_BASE, R_STATUS), S_ACK | S_DRIVER | S_NEEDS_RESET, "DRIVER_OK refused");
    blk_recovers();
    pass_case();

    current_case = "queue select out of range";
    dev_begin(BLK_BASE, 2, F_VERSION_1);
    wr(BLK_BASE, R_QUEUE_SEL, 7);
    CHECK_EQ(rd(BLK_BASE, R_QUEUE_NUM_MAX), 0, "QueueNumMax of an absent queue");
    queue_config(BLK_BASE, 7, QS, (u64)desc_tab[0], (u64)avail_ring[0], (u64)&used_ring[0]);
    CHECK_EQ(rd(BLK_BASE, R_QUEUE_READY), 0, "QueueReady of an absent queue");
    CHECK_EQ(rd(BLK_BASE, R_STATUS), S_ACK | S_DRIVER | S_FEATURES_OK, "status unchanged");
    blk_recovers();
    pass_case();

    const u64 d = (u64)desc_tab[0], a = (u64)avail_ring[0], u = (u64)&used_ring[0];
    queue_refused_case("queue size 0", 0, d, a, u);
    queue_refused_case("queue size 17 (not a power of two)", 17, d, a, u);
    queue_refused_case("queue size 512 (> QueueNumMax)", 512, d, a, u);
    queue_refused_case("queue size 65536", 65536, d, a, u);
    queue_refused_case("desc ring 8-byte aligned", QS, d + 8, a, u);
    queue_refused_case("avail ring odd", QS, d, a + 1, u);
    queue_refused_case("used ring 2-byte aligned", QS, d, a, u + 2);
    queue_refused_case("desc ring outside RAM", QS, OUTSIDE, a, u);
    queue_refused_case("desc ring straddles RAM end", QS, RAM_END - 16 * QS + 16, a, u);
    queue_refused_case("avail ring straddles RAM end", QS, d, RAM_END - 6 - 2 * QS + 2, u);
    queue_refused_case("used ring straddles RAM end", QS, d, a, RAM_END - 6 - 8 * QS + 2);
    queue_refused_case("used ring below RAM", QS, d, a, RAM_BASE - 64);
    queue_refused_case("desc ring address wraps 2^64", QS, 0xFFFFFFFFFFFFFF00UL, a, u);
    queue_refused_case("max queue size past RAM end", 256, RAM_END - 4096 + 16, a, u);
    queue_at_ram_end_case();
}

void blk_cases(void) {
    current_case = "baseline read";
    blk_recovers();
    pass_case();

    blk_ioerr_case("data outside RAM", BLK_IN, 0, OUTSIDE, 512);
    blk_ioerr_case("data at RAM end - 8, len 64", BLK_IN, 0, RAM_END - 8, 64);
    blk_ioerr_case("data straddles RAM start", BLK_IN, 0, RAM_BASE - 256, 512);
    blk_ioerr_case("data addr + len wraps 2^64", BLK_IN, 0, 0xFFFFFFFFFFFFFF00UL, 512);
    blk_ioerr_case("data len 0xffffffff", BLK_IN, 0, (u64)data, 0xFFFFFFFFu);
    blk_ioerr_case("write from outside RAM", BLK_OUT, 1, OUTSIDE, 512);
    blk_ioerr_case("write from RAM end - 256, len 512", BLK_OUT, 1, RAM_END - 256, 512);

    // Positive control: the last 512 bytes of RAM are a valid buffer.
    current_case = "data in the last 512 bytes of RAM";
    blk_fresh(F_VERSION_1);
    driver_ok(BLK_BASE);
    blk_good_read_into(RAM_END - 512);
    pass_case();

    // A header outside RAM: the request fails, not the device.
    current_case = "header outside RAM";
    blk_fresh(F_VERSION_1);
    driver_ok(BLK_BASE);
    blk_chain(BLK_IN, 0, (u64)data, 512, D_WRITE);
    desc_tab[0][0].addr = OUTSIDE;
    post(BLK_BASE, 0, 0);
    CHECK(wait_used(0, 1, LONG_WAIT), "request completes", used_ring[0].idx);
    CHECK_EQ(used_ring[0].ring[0].len, 1, "used len");
    CHECK_EQ(status_byte, 1, "VIRTIO_BLK_S_IOERR");
    CHECK_EQ(rd(BLK_BASE, R_STATUS) & S_NEEDS_RESET, 0, "no NEEDS_RESET");
    blk_recovers();
    pass_case();

    // A good write to sector 2 (the host checks it), so the OUT cases above are meaningful.
    current_case = "good write to sector 2";
    blk_fresh(F_VERSION_1);
    driver_ok(BLK_BASE);
    for (u64 i = 0; i < 512; ++i) data[i] = (u8)(i * 3 + 1);
    blk_chain(BLK_OUT, 2, (u64)data, 512, 0);
    post(BLK_BASE, 0, 0);
    CHECK(wait_used(0, 1, LONG_WAIT), "write completes", used_ring[0].idx);
    CHECK_EQ(used_ring[0].ring[0].len, 1, "used len of a write");
    CHECK_EQ(status_byte, 0, "status of a write");
    pass_case();

    // Chains the device cannot answer.
    blk_reset_case("status byte outside RAM", F_VERSION_1, build_status_outside, 1);
    blk_reset_case("status addr + len wraps 2^64", F_VERSION_1, build_status_wraps, 1);
    blk_reset_case("status straddles RAM end", F_VERSION_1, build_status_straddles_end, 1);
    // Malformed chains and rings.
    blk_reset_case("chain loops on itself", F_VERSION_1, build_self_loop, 0);
    blk_reset_case("chain loops back", F_VERSION_1, build_loop_back, 0);
    blk_reset_case("chain longer than the queue", F_VERSION_1, build_longer_than_queue, 0);
    blk_reset_case("next index out of range", F_VERSION_1, build_next_out_of_range, 0);
    blk_reset_case("readable after writable", F_VERSION_1, build_readable_after_writable, 0);
    blk_reset_case("avail idx more than a ring ahead", F_VERSION_1, build_avail_ahead, 0);
    blk_head_out_of_range_case();
    // Indirect descriptors.
    blk_indirect_good_case();
    blk_reset_case("indirect not negotiated", F_VERSION_1, build_ind_longer_than_table, 0);
    blk_reset_case("indirect table loops", F_VERSION_1 | F_INDIRECT, build_ind_loop, 0);
    blk_reset_case("indirect chain longer than its table", F_VERSION_1 | F_INDIRECT,
                   build_ind_longer_than_table, 0);
    blk_reset_case("indirect next out of range", F_VERSION_1 | F_INDIRECT,
                   build_ind_next_out_of_range, 0);
    blk_reset_case("indirect len 56 (not a multiple of 16)", F_VERSION_1 | F_INDIRECT,
                   build_ind_len_not_multiple, 0);
    blk_reset_case("indirect len 0", F_VERSION_1 | F_INDIRECT, build_ind_len_zero, 0);
    blk_reset_case("indirect table of 1025 entries", F_VERSION_1 | F_INDIRECT, build_ind_too_many,
                   0);
    blk_reset_case("indirect table outside RAM", F_VERSION_1 | F_INDIRECT, build_ind_outside, 0);
    blk_reset_case("indirect table addr wraps 2^64", F_VERSION_1 | F_INDIRECT, build_ind_wraps, 0);
    blk_reset_case("indirect table straddles RAM end", F_VERSION_1 | F_INDIRECT,
                   build_ind_straddles_end, 0);
    blk_reset_case("INDIRECT with NEXT", F_VERSION_1 | F_INDIRECT, build_ind_with_next, 0);
    blk_reset_case("nested indirect table", F_VERSION_1 | F_INDIRECT, build_ind_nested, 0);
}
