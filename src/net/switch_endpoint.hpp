// A VM's connection to a multi-process virtual switch (switch_server.hpp has the protocol):
// the backend end of the VM NIC's private switch, relaying frames to and from the server.
//
// The endpoint binds its own autobound abstract address, connects its datagram socket to the
// server's path and says HELLO; then its thread relays frames from the server into the local
// switch and sends a keepalive every 5 s. If the server stops answering keepalives for 15 s
// (or refuses a datagram: it died), the endpoint reconnects to the path on each keepalive,
// so a restarted server picks its clients up again.
//
// deliver() sends straight to the server without blocking. The server's receive queue is
// short (net.unix.max_dgram_qlen, 10 datagrams by default), so when it is full the frame waits
// in a bounded queue (kMaxPending) that the thread flushes when the socket is writable again;
// frames beyond that are dropped and counted.
#pragma once

#include <chrono>
#include <deque>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "net/ethernet_switch.hpp"
#include "net/net_backend.hpp"

namespace rvisor::net {

class SwitchEndpoint final : public NetBackend, private NetPort {
  public:
    static constexpr std::chrono::seconds kKeepalive{5};
    static constexpr std::size_t kMaxPending = 256;

    // Throws std::runtime_error "switch NAME: no switch at PATH (reason; ...)" when no server
    // is bound at `server_path`.
    // `keepalive` is for tests; the server expects one at least every 30 s.
    SwitchEndpoint(EthernetSwitch& local, std::filesystem::path server_path,
                   std::chrono::milliseconds keepalive = kKeepalive);
    ~SwitchEndpoint() override;
    SwitchEndpoint(const SwitchEndpoint&) = delete;
    SwitchEndpoint& operator=(const SwitchEndpoint&) = delete;

    std::string describe() const override;

  private:
    void deliver(std::span<const u8> frame) override;
    void thread_main(std::stop_token stop);
    bool connect_server();
    void send_hello();
    // Sends queued frames until the socket would block. Caller holds mu_.
    void flush_locked();

    EthernetSwitch& local_;
    const std::filesystem::path path_;
    const std::string name_;
    const std::chrono::milliseconds keepalive_;
    int fd_ = -1;
    int wake_fd_ = -1;

    std::mutex mu_;  // guards pending_; never held while calling local_
    std::deque<std::vector<u8>> pending_;

    std::jthread thread_;
    SwitchPortId port_ = kInvalidPort;  // attached last, detached first
};

}  // namespace rvisor::net
