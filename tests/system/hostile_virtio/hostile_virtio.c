// hostile_virtio.c - a hostile virtio driver, booted as the virt board's kernel (S-mode,
// after OpenSBI), that attacks the virtio-mmio transport and the virtio-blk and virtio-net
// devices with malformed queues, chains and buffers (issue 5, "Bad input").
//
// Board, as tests/system/hostile_virtio_test.py starts it: `rvisor run --memory 128M
// --disk IMG --net user`, so RAM is [0x80000000, 0x88000000), slot 0 (0x10001000) is the
// disk and slot 1 (0x10002000) the NIC. The image's sector 0 holds byte i = i*13+5.
//
// Each case resets the device, negotiates VERSION_1 (and INDIRECT_DESC where it needs it),
// sets up the queue, posts the hostile request, kicks and polls (bounded by the time CSR)
// for the outcome the devices' header comments promise (virtqueue.hpp, virtio_blk.hpp,
// virtio_net.hpp, virtio_mmio.hpp):
//  - a malformed ring or chain, or a misconfigured queue: DEVICE_NEEDS_RESET (status 0x40)
//    with a configuration-change interrupt, nothing returned, later kicks ignored;
//  - a well-formed virtio-blk chain whose data or header is not in RAM: that request fails
//    with VIRTIO_BLK_S_IOERR (used length 1), and the device goes on serving the queue;
//  - a virtio-blk status byte or any virtio-net buffer outside RAM: the chain is returned
//    with used length 0 and DEVICE_NEEDS_RESET is set;
//  - a virtio-net frame too short or too long, or an rx buffer too small: dropped, used
//    length 0, the device goes on.
// After each case the device is reset and must serve a good request again (a read of sector
// 0, or an ARP exchange with libslirp's gateway 10.0.2.2). Canaries around the end of RAM
// show that no hostile request wrote there.
//
// Results go to the NS16550A UART; the SiFive test device ends the run: 0x5555 when all
// cases pass, (code << 16) | 0x3333 at the first failing check (code = its line number %
// 200 + 1; the file, line and reason are printed). Freestanding: no libc.
#include "virtio_driver.h"

void blk_cases(void);
void transport_cases(void);
void net_cases(void);

int main(void) {
    puts_("hostile_virtio: start\n");
    blk_cases();
    transport_cases();
    net_cases();
    // Leave both devices reset.
    wr(BLK_BASE, R_STATUS, 0);
    wr(NET_BASE, R_STATUS, 0);
    return 0;
}
