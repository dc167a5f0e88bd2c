// An L2 learning switch (IEEE 802.1D-style transparent bridging, no spanning tree) joining
// virtual NICs and host backends.
//
// send() learns the frame's source MAC on the ingress port, then forwards a unicast to the
// port that MAC was learned on, or floods a broadcast, multicast or unknown unicast to every
// port but the ingress one. A frame is never sent back out of its ingress port ("hairpin"),
// including a unicast whose destination was learned there. Frames shorter than an Ethernet
// header (14 bytes) are dropped. A multicast source MAC is not learned.
//
// Ageing: a learned entry unused (no frame from that MAC) for longer than the ageing time
// (300 s by default, as 802.1D recommends) is forgotten; the clock is injectable for tests.
// Detaching a port forgets the MACs learned on it.
//
// Threading: every member is thread-safe. deliver() is called with the switch's mutex held,
// which makes detach() a barrier: once it returns, the port gets no more deliver() calls and
// may be destroyed. In exchange, a NetPort::deliver() must not call back into the switch
// (send, attach, detach) and must not block on anything that may wait for the switch: it
// should copy the frame out, or drop it, and return.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <span>
#include <unordered_map>

#include "base/types.hpp"

namespace rvisor::net {

inline constexpr std::size_t kEthHeaderBytes = 14;  // destination, source, EtherType

// One end of a link into the switch.
class NetPort {
  public:
    virtual ~NetPort() = default;
    // A frame (destination MAC first, no FCS) leaving the switch through this port. The span
    // is valid only during the call. Called with the switch locked: see above.
    virtual void deliver(std::span<const u8> frame) = 0;
};

using SwitchPortId = u32;
inline constexpr SwitchPortId kInvalidPort = 0;

class EthernetSwitch {
  public:
    using Clock = std::chrono::steady_clock;
    using ClockFn = std::function<Clock::time_point()>;
    static constexpr std::chrono::seconds kDefaultAgeing{300};

    explicit EthernetSwitch(
        std::chrono::nanoseconds ageing = kDefaultAgeing,
        ClockFn clock = [] { return Clock::now(); });

    // `port` must stay alive until detach(). Ids are never reused and never kInvalidPort.
    SwitchPortId attach(NetPort& port);
    // Unknown ids are ignored. On return no deliver() to that port is in progress.
    void detach(SwitchPortId id);
    // A frame entering the switch from port `from` (which must be attached; frames from an
    // unknown port are dropped).
    void send(SwitchPortId from, std::span<const u8> frame);

    void set_ageing(std::chrono::nanoseconds ageing);
    // Diagnostics and tests: the port a MAC is learned on (ageing applied), or kInvalidPort.
    SwitchPortId lookup(std::span<const u8, 6> mac);
    std::size_t port_count();

  private:
    struct Entry {
        SwitchPortId port;
        Clock::time_point seen;
    };
    static u64 mac_key(const u8* mac);
    SwitchPortId lookup_locked(u64 key, Clock::time_point now);

    const ClockFn clock_;
    std::mutex mu_;  // guards everything below and serializes deliver() calls
    std::chrono::nanoseconds ageing_;
    SwitchPortId next_id_ = 1;
    std::map<SwitchPortId, NetPort*> ports_;
    std::unordered_map<u64, Entry> table_;
};

}  // namespace rvisor::net
