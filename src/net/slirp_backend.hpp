// User-mode networking ("-netdev user" in QEMU terms): a NAT'ed IPv4 network served by
// libslirp 4.7, with no privileges and no host configuration.
//
// The network, as QEMU sets it up by default:
//   10.0.2.0/24   the guest network
//   10.0.2.2      the gateway, and the host: connections to it go to the host's 127.0.0.1
//   10.0.2.3      the DNS server (forwards to the host's resolver)
//   10.0.2.15     the first (and normally only) DHCP address; the lease names 10.0.2.2 as
//                 router and 10.0.2.3 as DNS server
// IPv6, TFTP/BOOTP files and the "emu" protocol helpers are off. Outgoing TCP and UDP from the
// guest become ordinary sockets of this process; ICMP echo works where the host allows
// unprivileged ping sockets. Incoming connections need a host forward (HostForward).
//
// Threading: libslirp is not thread-safe, so one thread owns the Slirp instance after
// construction: it feeds it the frames deliver() queued (bounded, kMaxQueued; more are
// dropped and counted), runs slirp_pollfds_fill / poll(2) / slirp_pollfds_poll, fires slirp's
// timers, and sends slirp's output into the switch. deliver() wakes it through an eventfd.
#pragma once

#include <poll.h>

#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/types.hpp"
#include "net/ethernet_switch.hpp"
#include "net/net_backend.hpp"

struct Slirp;  // <slirp/libslirp.h>, kept out of this header

namespace rvisor::net {

// A host port forwarded to the guest, QEMU's hostfwd=.
struct HostForward {
    enum class Proto { Tcp, Udp };
    Proto proto = Proto::Tcp;
    std::string host_addr;   // IPv4 to bind on the host; empty: any (0.0.0.0), as in QEMU
    u16 host_port = 0;       // 1..65535
    std::string guest_addr;  // IPv4 in the guest network; empty: 10.0.2.15
    u16 guest_port = 0;      // 1..65535
};

// Parses QEMU's syntax "[tcp|udp]:[hostaddr]:hostport-[guestaddr]:guestport", e.g.
// "tcp:127.0.0.1:2222-:22", "udp::5353-10.0.2.15:53", "tcp::8080-:80" (no protocol: tcp).
// Throws std::invalid_argument, one line naming the bad part.
HostForward parse_hostfwd(std::string_view spec);
// "tcp 127.0.0.1:2222" (host side), for messages.
std::string describe_host_side(const HostForward& fwd);

struct SlirpOptions {
    std::vector<HostForward> hostfwd;
};

class SlirpBackend final : public NetBackend, private NetPort {
  public:
    static constexpr std::size_t kMaxQueued = 256;
    static constexpr std::size_t kMaxFrame = 65536;  // larger frames from the switch: dropped

    // Attaches to `sw` (which must outlive the backend). Throws std::runtime_error, one line,
    // when libslirp fails or a forward cannot be set up ("user network: cannot forward tcp
    // 127.0.0.1:2222: Address already in use").
    SlirpBackend(EthernetSwitch& sw, SlirpOptions options = {});
    ~SlirpBackend() override;
    SlirpBackend(const SlirpBackend&) = delete;
    SlirpBackend& operator=(const SlirpBackend&) = delete;

    std::string describe() const override;

  private:
    struct Timer;
    struct Callbacks;  // the C callbacks handed to libslirp
    struct SlirpDeleter {
        void operator()(Slirp* s) const;
    };

    void deliver(std::span<const u8> frame) override;
    void thread_main(std::stop_token stop);
    void fire_timers();
    int poll_timeout_ms(int slirp_ms) const;

    EthernetSwitch& switch_;
    const SlirpOptions options_;
    int wake_fd_ = -1;

    std::mutex mu_;  // guards queue_; never held while calling the switch or slirp
    std::deque<std::vector<u8>> queue_;

    // The slirp thread's (and, before it starts and after it ends, the constructor's and
    // destructor's).
    std::vector<std::unique_ptr<Timer>> timers_;
    std::vector<pollfd> pollfds_;
    std::unique_ptr<Slirp, SlirpDeleter> slirp_;

    std::jthread thread_;
    SwitchPortId port_ = kInvalidPort;  // attached before the thread starts, detached first
};

}  // namespace rvisor::net
