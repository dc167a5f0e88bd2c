// The hub of a multi-process virtual switch: a SOCK_DGRAM Unix socket at a path, serving an
// EthernetSwitch with one port per client (a VM's SwitchEndpoint, see switch_endpoint.hpp).
//
// Wire protocol, one datagram per Ethernet frame (destination MAC first, no FCS):
//   - A zero-length datagram is HELLO / keepalive. It registers its sender as a client (any
//     datagram does) and the server answers it with a zero-length datagram, which lets a
//     client notice a server that went away.
//   - A datagram of 1..13 bytes is a runt and dropped; anything longer is a frame for the
//     switch, from the sender's port.
//   - Frames leaving the switch through a client's port are sent to that client's address
//     (non-blocking; dropped and counted when the client's queue is full).
// Clients bind their own (autobound, abstract) address: an unbound sender cannot be answered
// and is ignored. A client silent for client_timeout (30 s; clients send keepalives every
// 5 s), or whose address refuses a datagram (ECONNREFUSED / ENOENT: its socket is closed),
// is detached.
//
// One server per path: the constructor takes an flock(2) on the path's .lock file, held for
// the server's lifetime, and refuses (std::runtime_error) when another process holds it or a
// live server answers at the path; a socket file left by a dead server is removed.
// Access control is the directory's: switch_socket_path() keeps it 0700.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "base/types.hpp"
#include "net/ethernet_switch.hpp"

namespace rvisor::net {

struct SwitchServerOptions {
    std::chrono::milliseconds client_timeout{30'000};
    // run() returns once the server has had no client for this long; zero: never.
    std::chrono::milliseconds idle_exit{0};
    // HELLOs from more addresses than this are ignored (a bound on memory, not a policy).
    std::size_t max_clients = 1024;
};

class SwitchServer {
  public:
    explicit SwitchServer(std::filesystem::path path, SwitchServerOptions options = {});
    ~SwitchServer();
    SwitchServer(const SwitchServer&) = delete;
    SwitchServer& operator=(const SwitchServer&) = delete;

    // Serves until `stop` is requested or the idle exit triggers (then returns true).
    // Call from one thread at a time.
    bool run(std::stop_token stop);

    const std::filesystem::path& path() const { return path_; }
    // Registered clients right now (any thread).
    std::size_t clients() const { return clients_count_.load(); }
    u64 frames_dropped() const { return dropped_.load(); }

  private:
    class RemotePort;
    struct Client;

    Client* client_for(const void* addr, unsigned addr_len);
    void receive_batch();
    void reap(std::chrono::steady_clock::time_point now);

    std::filesystem::path path_;
    SwitchServerOptions options_;
    int lock_fd_ = -1;
    int sock_fd_ = -1;
    int wake_fd_ = -1;
    std::atomic<u64> dropped_{0};
    std::atomic<std::size_t> clients_count_{0};
    EthernetSwitch switch_;
    std::map<std::string, std::unique_ptr<Client>> clients_;  // key: the sockaddr_un bytes
    std::vector<u8> rx_buf_;
};

}  // namespace rvisor::net
