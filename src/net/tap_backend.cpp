#include "net/tap_backend.hpp"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace rvisor::net {

namespace {

constexpr std::size_t kMaxFrame = 65536;

void wake(int fd) {
    const u64 one = 1;
    [[maybe_unused]] const auto r = ::write(fd, &one, sizeof one);
}

// What to do about a failed open("/dev/net/tun") or TUNSETIFF.
std::string hint(int err, const std::string& name, bool opening) {
    switch (err) {
        case EPERM:
        case EACCES:
            if (opening) return " (needs read-write access to /dev/net/tun)";
            return " (create it first: ip tuntap add " + name + " mode tap user $USER)";
        case ENOENT:
        case ENODEV:
        case ENXIO: return " (the tun driver is missing: modprobe tun)";
        case EBUSY: return " (another process has it open)";
        case EINVAL: return " (is " + name + " an existing interface that is not a tap?)";
        default: return "";
    }
}

}  // namespace

TapBackend::TapBackend(EthernetSwitch& sw, std::string ifname)
    : switch_(sw), ifname_(std::move(ifname)) {
    const std::string where = "tap ifname=" + ifname_ + ": ";
    if (ifname_.empty() || ifname_.size() >= IFNAMSIZ || ifname_.find('/') != std::string::npos)
        throw std::invalid_argument(where + "bad interface name (1 to " +
                                    std::to_string(IFNAMSIZ - 1) + " characters, no '/')");
    fd_ = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd_ < 0) {
        const int err = errno;
        throw std::runtime_error(where + "/dev/net/tun: " + std::strerror(err) +
                                 hint(err, ifname_, true));
    }
    ifreq ifr{};
    std::memcpy(ifr.ifr_name, ifname_.data(), ifname_.size());
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    if (::ioctl(fd_, TUNSETIFF, &ifr) != 0) {
        const int err = errno;
        ::close(fd_);
        throw std::runtime_error(where + std::strerror(err) + hint(err, ifname_, false));
    }
    ifname_.assign(ifr.ifr_name, ::strnlen(ifr.ifr_name, IFNAMSIZ));
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd_ < 0) {
        const int err = errno;
        ::close(fd_);
        throw std::runtime_error(where + "eventfd: " + std::strerror(err));
    }
    port_ = switch_.attach(*this);
    thread_ = std::jthread([this](std::stop_token st) { thread_main(st); });
}

TapBackend::~TapBackend() {
    switch_.detach(port_);  // no deliver() after this
    thread_.request_stop();
    wake(wake_fd_);
    thread_.join();
    ::close(fd_);
    ::close(wake_fd_);
}

void TapBackend::deliver(std::span<const u8> frame) {
    // Called with the switch locked; the fd is non-blocking. With IFF_NO_PI one write() is one
    // frame; a short write does not happen for tun (it takes the whole frame or fails).
    if (::write(fd_, frame.data(), frame.size()) == static_cast<ssize_t>(frame.size()))
        count_tx();
    else
        count_drop();
}

void TapBackend::thread_main(std::stop_token stop) {
    std::vector<u8> buf(kMaxFrame);
    while (!stop.stop_requested()) {
        pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0) continue;  // EINTR
        if (fds[1].revents & POLLIN) {
            u64 v;
            [[maybe_unused]] const auto n = ::read(wake_fd_, &v, sizeof v);
        }
        if (fds[0].revents & (POLLERR | POLLHUP)) return;  // interface deleted under us
        if (!(fds[0].revents & POLLIN)) continue;
        for (int i = 0; i < 64; ++i) {
            const ssize_t n = ::read(fd_, buf.data(), buf.size());
            if (n < 0) break;  // EAGAIN
            if (static_cast<std::size_t>(n) < kEthHeaderBytes) {
                count_drop();
                continue;
            }
            count_rx();
            switch_.send(port_, std::span<const u8>(buf.data(), static_cast<std::size_t>(n)));
        }
    }
}

}  // namespace rvisor::net
