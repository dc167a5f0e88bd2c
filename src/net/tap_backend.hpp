// A Linux tap device (Documentation/networking/tuntap.rst) as a backend: frames from the VM
// go to the host's tap interface, frames the host sends out of it come to the VM. The host
// side (addresses, bridge, up/down) is configured by the user; a tap we may not create must
// exist already (ip tuntap add NAME mode tap user $USER).
//
// The fd is non-blocking: deliver() writes the frame straight to it (a frame the kernel does
// not take at once is dropped and counted), and a reader thread polls it, plus an eventfd
// that wakes it for shutdown, and sends what it reads into the switch.
#pragma once

#include <string>
#include <thread>

#include "net/ethernet_switch.hpp"
#include "net/net_backend.hpp"

namespace rvisor::net {

class TapBackend final : public NetBackend, private NetPort {
  public:
    // Opens /dev/net/tun and attaches to (or, with CAP_NET_ADMIN, creates) the tap `ifname`
    // with IFF_TAP | IFF_NO_PI. Throws std::invalid_argument for a bad name and
    // std::runtime_error, one line saying what to do, when the device cannot be had:
    // "tap ifname=tap0: Operation not permitted (create it first: ip tuntap add tap0 mode
    // tap user $USER)".
    TapBackend(EthernetSwitch& sw, std::string ifname);
    ~TapBackend() override;
    TapBackend(const TapBackend&) = delete;
    TapBackend& operator=(const TapBackend&) = delete;

    std::string describe() const override { return "tap " + ifname_; }
    // The kernel's name for the interface (as asked, or as assigned for a "tap%d" pattern).
    const std::string& ifname() const { return ifname_; }

  private:
    void deliver(std::span<const u8> frame) override;
    void thread_main(std::stop_token stop);

    EthernetSwitch& switch_;
    std::string ifname_;
    int fd_ = -1;
    int wake_fd_ = -1;
    std::jthread thread_;
    SwitchPortId port_ = kInvalidPort;  // attached before the thread starts, detached first
};

}  // namespace rvisor::net
