// virtio-net (virtio 1.2 section 5.1), device id 1, one queue pair (0 = receiveq1,
// 1 = transmitq1), plugged into a port of a net::EthernetSwitch.
//
// Features: MAC (the configured address is in the config space) and STATUS (the link is
// always up). No offloads: neither CSUM, GUEST_CSUM, GSO/TSO/UFO nor MRG_RXBUF is offered, so
// every frame is complete and checksummed, and every virtio_net_hdr we write is all zero but
// num_buffers = 1. The header is the VERSION_1 one, 12 bytes (section 5.1.6), on every frame
// in both directions.
//
// TX: queue_notify(1) (a vCPU thread) kicks the device's VirtioIoWorker, whose thread pops
// tx chains, strips the header, hands the frame to the switch and returns the chain (used
// length 0).
// A chain whose frame is shorter than an Ethernet header or longer than kMaxFrame is dropped.
//
// RX: deliver() runs on whatever thread sent the frame into the switch. It pops one rx chain,
// writes header + frame into its writable buffers and publishes it. With no buffer posted the
// frame is dropped (what a NIC with a full ring does; TCP retransmits, and Linux keeps the
// ring filled), so no queue can grow without bound. A buffer too small for header + frame
// is returned with used length 0 (Linux counts it as a length error) and the frame dropped.
//
// Errors: a malformed ring, or a descriptor pointing outside guest RAM, set
// DEVICE_NEEDS_RESET (section 2.1.2); the device then stops using that queue.
//
// Locking: the worker (virtio_io_worker.hpp) owns the tx side: the I/O thread, the kick and
// the quiesce protocol. `rx_mu_` guards the rx side: its activation state and the rx queue.
// deliver() holds `rx_mu_` while it writes guest RAM, so reset() and pause() (which take it,
// mark rx stopped, release it, then wait for the worker) guarantee that no guest memory is
// touched once they return. The two locks are never nested: `rx_mu_` is never held while
// calling the worker or the switch, and the worker holds its lock neither while it runs the
// tx batch nor while it waits. So the I/O thread may call the switch, which calls deliver()
// (of other ports: no hairpin) with its own lock held, see net/ethernet_switch.hpp; the
// order is switch lock, then `rx_mu_`.
#pragma once

#include <array>
#include <atomic>
#include <mutex>
#include <vector>

#include "base/types.hpp"
#include "devices/virtio/virtio_device.hpp"
#include "devices/virtio/virtio_io_worker.hpp"
#include "devices/virtio/virtqueue.hpp"
#include "net/ethernet_switch.hpp"

namespace rvisor::devices::virtio {

// Network device feature bits (section 5.1.3).
inline constexpr u64 kNetMac = 1ULL << 5;
inline constexpr u64 kNetStatus = 1ULL << 16;
// Config status bits (section 5.1.4).
inline constexpr u16 kNetSLinkUp = 1;
// struct virtio_net_hdr with VIRTIO_F_VERSION_1 (section 5.1.6).
inline constexpr u32 kNetHdrBytes = 12;

// What a NIC has done since the device was created, for monitoring. Bytes are Ethernet frame
// bytes (no virtio_net_hdr). rx_dropped: frames from the switch not given to the guest (no
// buffer posted, buffer too small, device not running); tx_dropped: guest frames shorter than
// an Ethernet header or longer than kMaxFrame.
struct NetStats {
    u64 rx_bytes = 0;
    u64 rx_frames = 0;
    u64 rx_dropped = 0;
    u64 tx_bytes = 0;
    u64 tx_frames = 0;
    u64 tx_dropped = 0;
};

class VirtioNet final : public VirtioDevice, private net::NetPort, private VirtioIoWork {
  public:
    static constexpr u16 kQueueSize = 256;
    static constexpr unsigned kRxQueue = 0;
    static constexpr unsigned kTxQueue = 1;
    // Largest frame accepted from the guest (no GSO: 1514 plus VLAN tags is the real bound;
    // this only caps what a hostile chain makes us copy).
    static constexpr u32 kMaxFrame = 65535;

    // Attaches to `sw`, which must outlive the device.
    VirtioNet(net::EthernetSwitch& sw, std::array<u8, 6> mac);
    ~VirtioNet() override;

    u32 device_id() const override { return 1; }
    u64 device_features() const override { return kNetMac | kNetStatus; }
    unsigned num_queues() const override { return 2; }
    u16 queue_max_size(unsigned) const override { return kQueueSize; }
    void read_config(u64 offset, std::span<u8> out) override;
    void activate(VirtioHost& host, u64 features) override;
    void queue_notify(unsigned q) override;
    void reset() override;
    void pause() override;
    void resume() override;

    net::SwitchPortId port() const { return port_; }
    // Frames dropped on RX for want of a posted buffer (diagnostics, tests).
    u64 rx_dropped() const { return rx_dropped_; }
    // A monitoring read from any thread: each count is exact, the set is not one instant's.
    NetStats stats() const;

  private:
    // net::NetPort: a frame from the switch.
    void deliver(std::span<const u8> frame) override;

    // VirtioIoWork, on the I/O thread: sends what the tx queue holds.
    void serve(VirtioHost& host) override;
    void process_tx(VirtioHost& host, Virtqueue& vq);
    // Copies the frame of a tx chain into frame_; false when a buffer is outside RAM.
    bool gather_tx(const Chain& chain);

    net::EthernetSwitch& switch_;
    std::array<u8, 8> config_{};  // mac[6], le16 status

    std::mutex rx_mu_;               // guards the fields below (the rx side)
    VirtioHost* rx_host_ = nullptr;  // non-null while active
    bool rx_broken_ = false;
    bool rx_paused_ = false;  // pause(): received frames dropped
    Chain rx_chain_;
    std::atomic<u64> rx_dropped_{0};
    // Updated once per frame (rx under rx_mu_, tx by the I/O thread); relaxed is enough.
    std::atomic<u64> rx_bytes_{0};
    std::atomic<u64> rx_frames_{0};
    std::atomic<u64> tx_bytes_{0};
    std::atomic<u64> tx_frames_{0};
    std::atomic<u64> tx_dropped_{0};

    // I/O thread only.
    Chain tx_chain_;
    std::vector<u8> frame_;

    VirtioIoWorker worker_{*this};  // started after everything above, stopped after detach
    net::SwitchPortId port_ = 0;    // attached last, detached first
};

}  // namespace rvisor::devices::virtio
