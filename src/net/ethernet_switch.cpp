#include "net/ethernet_switch.hpp"

#include <utility>

namespace rvisor::net {

EthernetSwitch::EthernetSwitch(std::chrono::nanoseconds ageing, ClockFn clock)
    : clock_(std::move(clock)), ageing_(ageing) {}

u64 EthernetSwitch::mac_key(const u8* mac) {
    u64 k = 0;
    for (int i = 0; i < 6; ++i) k = k << 8 | mac[i];
    return k;
}

SwitchPortId EthernetSwitch::attach(NetPort& port) {
    std::lock_guard lock(mu_);
    const SwitchPortId id = next_id_++;
    ports_.emplace(id, &port);
    return id;
}

void EthernetSwitch::detach(SwitchPortId id) {
    std::lock_guard lock(mu_);
    if (ports_.erase(id) == 0) return;
    std::erase_if(table_, [id](const auto& kv) { return kv.second.port == id; });
}

void EthernetSwitch::set_ageing(std::chrono::nanoseconds ageing) {
    std::lock_guard lock(mu_);
    ageing_ = ageing;
}

std::size_t EthernetSwitch::port_count() {
    std::lock_guard lock(mu_);
    return ports_.size();
}

SwitchPortId EthernetSwitch::lookup(std::span<const u8, 6> mac) {
    std::lock_guard lock(mu_);
    return lookup_locked(mac_key(mac.data()), clock_());
}

SwitchPortId EthernetSwitch::lookup_locked(u64 key, Clock::time_point now) {
    const auto it = table_.find(key);
    if (it == table_.end()) return kInvalidPort;
    if (now - it->second.seen > ageing_) {
        table_.erase(it);
        return kInvalidPort;
    }
    return it->second.port;
}

void EthernetSwitch::send(SwitchPortId from, std::span<const u8> frame) {
    if (frame.size() < kEthHeaderBytes) return;  // a runt: no header to switch on
    std::lock_guard lock(mu_);
    if (!ports_.contains(from)) return;
    const Clock::time_point now = clock_();
    const u8* dst = frame.data();
    const u8* src = frame.data() + 6;
    // Learn (or refresh, or move) the source, unless it is a group address.
    if (!(src[0] & 1)) table_.insert_or_assign(mac_key(src), Entry{from, now});

    if (!(dst[0] & 1)) {
        const SwitchPortId to = lookup_locked(mac_key(dst), now);
        if (to != kInvalidPort) {
            // Known unicast: to its port, unless that is where it came from (then the
            // destination is on the ingress segment and the switch has nothing to do).
            if (to != from) {
                if (const auto p = ports_.find(to); p != ports_.end()) p->second->deliver(frame);
            }
            return;
        }
    }
    // Broadcast, multicast or unknown unicast: flood.
    for (const auto& [id, port] : ports_)
        if (id != from) port->deliver(frame);
}

}  // namespace rvisor::net
