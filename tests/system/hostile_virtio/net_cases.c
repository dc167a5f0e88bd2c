// net_cases.c - the hostile driver against virtio-net (slot 1, libslirp behind it: its
// gateway 10.0.2.2 answers ARP); see hostile_virtio.c for the outcomes checked.
#include "virtio_driver.h"

static volatile u8 tx_buf[12 + 65536 + 16] __attribute__((aligned(16)));
static volatile u8 rx_buf[2048] __attribute__((aligned(16)));
static volatile u8 rx_small[20] __attribute__((aligned(16)));
static u8 mac[6];

// --- virtio-net ---

enum { RXQ = 0, TXQ = 1 };
#define NET_HDR 12

static void net_fresh(void) {
    dev_begin(NET_BASE, 1, F_VERSION_1);
    queue_setup(NET_BASE, RXQ);
    queue_setup(NET_BASE, TXQ);
    driver_ok(NET_BASE);
    for (int i = 0; i < 6; ++i) mac[i] = *(volatile u8*)(NET_BASE + R_CONFIG + i);
}

// tx_buf = virtio_net_hdr + an ARP request for 10.0.2.2 from 10.0.2.15, zero-padded to
// `frame_len` bytes (at least 42).
static void build_arp(u32 frame_len) {
    volatile u8* f = tx_buf;
    memset_(f, 0, NET_HDR + frame_len);
    f += NET_HDR;
    for (int i = 0; i < 6; ++i) {
        f[i] = 0xff;
        f[6 + i] = mac[i];
        f[22 + i] = mac[i];  // sender hardware address
    }
    const u8 rest[] = {0x08, 0x06, 0, 1, 0x08, 0x00, 6, 4, 0, 1};  // type, htype..op
    for (int i = 0; i < 10; ++i) f[12 + i] = rest[i];
    const u8 spa[] = {10, 0, 2, 15}, tpa[] = {10, 0, 2, 2};
    for (int i = 0; i < 4; ++i) {
        f[28 + i] = spa[i];
        f[38 + i] = tpa[i];
    }
}

// Sends (tx desc `slot`) an ARP request for 10.0.2.2; waits until it is returned.
static void net_send_arp(u16 slot) {
    build_arp(42);
    desc_tab[TXQ][slot] = (struct desc){(u64)tx_buf, NET_HDR + 42, 0, 0};
    const u16 before = used_ring[TXQ].idx;
    post(NET_BASE, TXQ, slot);
    CHECK(wait_used(TXQ, (u16)(before + 1), LONG_WAIT), "ARP request sent", used_ring[TXQ].idx);
    CHECK_EQ(used_ring[TXQ].ring[before % QS].len, 0, "tx used len");
}

// True when rx_buf holds slirp's ARP reply to us (10.0.2.2 is-at ...).
static int is_arp_reply(u32 len) {
    volatile u8* f = rx_buf + NET_HDR;
    if (len < NET_HDR + 42 || f[12] != 0x08 || f[13] != 0x06 || f[21] != 2) return 0;
    for (int i = 0; i < 6; ++i)
        if (f[i] != mac[i] || f[32 + i] != mac[i]) return 0;
    return f[28] == 10 && f[29] == 0 && f[30] == 2 && f[31] == 2;
}

// Posts rx_buf (cleared) as the next rx buffer, in desc slot = avail index % QS, unless one
// is still outstanding; rx chains are used in order, so used entry i holds slot i % QS.
static void post_rx_buf(void) {
    if (avail_next[RXQ] != used_ring[RXQ].idx) return;
    memset_(rx_buf, 0, sizeof rx_buf);
    const u16 slot = (u16)(avail_next[RXQ] % QS);
    desc_tab[RXQ][slot] = (struct desc){(u64)rx_buf, sizeof rx_buf, D_WRITE, 0};
    post(NET_BASE, RXQ, slot);
}

// The NIC works: an ARP request gets slirp's reply in a good rx buffer.
static void net_arp_roundtrip(void) {
    for (int attempt = 0; attempt < 8; ++attempt) {
        const u16 before = used_ring[RXQ].idx;
        post_rx_buf();
        net_send_arp((u16)(avail_next[TXQ] % QS));
        CHECK(wait_used(RXQ, (u16)(before + 1), LONG_WAIT), "a frame arrives", used_ring[RXQ].idx);
        const u32 len = used_ring[RXQ].ring[before % QS].len;
        CHECK_EQ(used_ring[RXQ].ring[before % QS].id, before % QS, "rx used id");
        CHECK_EQ(rx_buf[10] | (rx_buf[11] << 8), 1, "num_buffers");
        if (is_arp_reply(len)) return;
        // Something else (e.g. an IPv6 router advertisement): try again.
    }
    fail_(__FILE__, __LINE__, "no ARP reply from 10.0.2.2", 0);
}

static void net_recovers(void) {
    net_fresh();
    net_arp_roundtrip();
    CHECK_EQ(rd(NET_BASE, R_STATUS) & S_NEEDS_RESET, 0, "NIC without NEEDS_RESET");
}

// A tx frame of `frame_len` bytes after the header: dropped, chain returned with len 0, no
// reset. The frame is an ARP request (padded, or cut short): had it reached libslirp, an ARP
// reply would arrive in the rx buffer posted beforehand.
static void net_tx_dropped_case(const char* name, u32 frame_len) {
    current_case = name;
    net_fresh();
    post_rx_buf();
    build_arp(frame_len > 42 ? frame_len : 42);
    desc_tab[TXQ][0] = (struct desc){(u64)tx_buf, NET_HDR + frame_len, 0, 0};
    post(NET_BASE, TXQ, 0);
    CHECK(wait_used(TXQ, 1, LONG_WAIT), "tx chain returned", used_ring[TXQ].idx);
    CHECK_EQ(used_ring[TXQ].ring[0].len, 0, "tx used len");
    CHECK_EQ(rd(NET_BASE, R_STATUS) & S_NEEDS_RESET, 0, "no NEEDS_RESET for a dropped frame");
    if (wait_used(RXQ, 1, 4 * SHORT_WAIT))
        CHECK(!is_arp_reply(used_ring[RXQ].ring[0].len), "a dropped frame reached the network",
              used_ring[RXQ].ring[0].len);
    net_arp_roundtrip();  // same device, no reset
    net_recovers();
    pass_case();
}

void net_cases(void) {
    current_case = "NIC baseline ARP";
    net_recovers();
    pass_case();

    net_tx_dropped_case("tx frame of 65536 bytes (> 65535)", 65536);
    net_tx_dropped_case("tx frame shorter than an Ethernet header", 10);

    current_case = "tx buffer outside RAM";
    net_fresh();
    desc_tab[TXQ][0] = (struct desc){OUTSIDE, NET_HDR + 60, 0, 0};
    post(NET_BASE, TXQ, 0);
    expect_needs_reset(NET_BASE, TXQ, 1);
    CHECK_EQ(used_ring[TXQ].ring[0].len, 0, "tx used len");
    net_recovers();
    pass_case();

    current_case = "tx chain loops";
    net_fresh();
    desc_tab[TXQ][0] = (struct desc){(u64)tx_buf, NET_HDR + 60, D_NEXT, 1};
    desc_tab[TXQ][1] = (struct desc){(u64)tx_buf, 4, D_NEXT, 0};
    post(NET_BASE, TXQ, 0);
    expect_needs_reset(NET_BASE, TXQ, 0);
    net_recovers();
    pass_case();

    current_case = "tx len + addr wraps 2^64";
    net_fresh();
    desc_tab[TXQ][0] = (struct desc){0xFFFFFFFFFFFFFFF0UL, NET_HDR + 60, 0, 0};
    post(NET_BASE, TXQ, 0);
    expect_needs_reset(NET_BASE, TXQ, 1);
    net_recovers();
    pass_case();

    // An rx buffer too small for header + frame: returned with len 0, the frame dropped.
    current_case = "rx buffer too small";
    net_fresh();
    for (u64 i = 0; i < sizeof rx_small; ++i) rx_small[i] = 0x5A;
    desc_tab[RXQ][0] = (struct desc){(u64)rx_small, sizeof rx_small, D_WRITE, 0};
    post(NET_BASE, RXQ, 0);
    net_send_arp(0);
    CHECK(wait_used(RXQ, 1, LONG_WAIT), "small rx buffer returned", used_ring[RXQ].idx);
    CHECK_EQ(used_ring[RXQ].ring[0].len, 0, "rx used len of a too-small buffer");
    for (u64 i = 0; i < sizeof rx_small; ++i) CHECK_EQ(rx_small[i], 0x5A, "small buffer untouched");
    CHECK_EQ(rd(NET_BASE, R_STATUS) & S_NEEDS_RESET, 0, "no NEEDS_RESET for a small buffer");
    net_arp_roundtrip();  // same device
    net_recovers();
    pass_case();

    // An rx chain with a device-readable buffer (section 5.1.6.3): returned with len 0.
    current_case = "rx chain with a readable buffer";
    net_fresh();
    desc_tab[RXQ][0] = (struct desc){(u64)rx_small, sizeof rx_small, D_NEXT, 1};
    desc_tab[RXQ][1] = (struct desc){(u64)rx_buf, sizeof rx_buf, D_WRITE, 0};
    post(NET_BASE, RXQ, 0);
    net_send_arp(0);
    CHECK(wait_used(RXQ, 1, LONG_WAIT), "rx chain returned", used_ring[RXQ].idx);
    CHECK_EQ(used_ring[RXQ].ring[0].len, 0, "rx used len of a readable chain");
    CHECK_EQ(rd(NET_BASE, R_STATUS) & S_NEEDS_RESET, 0, "no NEEDS_RESET");
    net_recovers();
    pass_case();

    current_case = "rx buffer straddles RAM end";
    canary_set();
    net_fresh();
    desc_tab[RXQ][0] = (struct desc){RAM_END - 16, 1600, D_WRITE, 0};
    post(NET_BASE, RXQ, 0);
    net_send_arp(0);
    expect_needs_reset(NET_BASE, RXQ, 1);
    CHECK_EQ(used_ring[RXQ].ring[0].len, 0, "rx used len");
    canary_check();
    net_recovers();
    pass_case();
}
