// A host-side network backend: the far end of a VM NIC's private two-port EthernetSwitch
// (the virtio-net device on one port, the backend on the other).
//
// Contract shared by every backend: the constructor attaches the backend to the switch it is
// given (which must outlive it) and the destructor detaches it first thing, so no deliver()
// runs once destruction has begun. deliver() (called with the switch locked) only queues the
// frame or writes it to a non-blocking fd; the backend's own thread does the rest and calls
// EthernetSwitch::send() without holding any lock deliver() takes.
//
// Counters are from the backend's point of view: tx = frames it took from the switch and
// sent to the outside (guest -> world), rx = frames it brought in from the outside and sent
// into the switch (world -> guest), dropped = frames lost in either direction (full queue,
// send error, malformed).
#pragma once

#include <atomic>
#include <string>

#include "base/types.hpp"

namespace rvisor::net {

class NetBackend {
  public:
    virtual ~NetBackend() = default;
    // One line for status output and logs, e.g. "user (slirp) 10.0.2.0/24".
    virtual std::string describe() const = 0;

    virtual u64 rx_frames() const { return rx_frames_.load(std::memory_order_relaxed); }
    virtual u64 tx_frames() const { return tx_frames_.load(std::memory_order_relaxed); }
    virtual u64 dropped_frames() const { return dropped_frames_.load(std::memory_order_relaxed); }

  protected:
    void count_rx() { rx_frames_.fetch_add(1, std::memory_order_relaxed); }
    void count_tx() { tx_frames_.fetch_add(1, std::memory_order_relaxed); }
    void count_drop() { dropped_frames_.fetch_add(1, std::memory_order_relaxed); }

  private:
    std::atomic<u64> rx_frames_{0};
    std::atomic<u64> tx_frames_{0};
    std::atomic<u64> dropped_frames_{0};
};

}  // namespace rvisor::net
