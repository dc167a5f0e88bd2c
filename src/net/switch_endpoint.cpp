#include "net/switch_endpoint.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace rvisor::net {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kMaxDatagram = 65536;

// "switch-lan0.sock" -> "lan0"; any other file name is used whole.
std::string name_from_path(const std::filesystem::path& p) {
    std::string n = p.filename().string();
    if (n.starts_with("switch-") && n.ends_with(".sock") && n.size() > 12)
        return n.substr(7, n.size() - 12);
    return n;
}

void wake(int fd) {
    const u64 one = 1;
    [[maybe_unused]] const auto r = ::write(fd, &one, sizeof one);
}

}  // namespace

SwitchEndpoint::SwitchEndpoint(EthernetSwitch& local, std::filesystem::path server_path,
                               std::chrono::milliseconds keepalive)
    : local_(local),
      path_(std::move(server_path)),
      name_(name_from_path(path_)),
      keepalive_(keepalive) {
    const std::string where = "switch " + name_ + ": ";
    if (path_.native().size() >= sizeof(sockaddr_un{}.sun_path))
        throw std::runtime_error(where + "socket path " + path_.string() + " is too long");
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    // Binding with only the family autobinds a unique abstract address (unix(7)): the server
    // needs one to answer us, and it vanishes with the socket.
    const sa_family_t family = AF_UNIX;
    if (fd_ < 0 || wake_fd_ < 0 ||
        ::bind(fd_, reinterpret_cast<const sockaddr*>(&family), sizeof family) != 0) {
        const int err = errno;
        if (fd_ >= 0) ::close(fd_);
        if (wake_fd_ >= 0) ::close(wake_fd_);
        throw std::runtime_error(where + "cannot create a socket: " + std::strerror(err));
    }
    if (!connect_server()) {
        const int err = errno;
        ::close(fd_);
        ::close(wake_fd_);
        throw std::runtime_error(where + "no switch at " + path_.string() + " (" +
                                 std::strerror(err) + "; start one with: rvisor switch " + name_ +
                                 ")");
    }
    const int buf = 1 << 20;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    send_hello();
    port_ = local_.attach(*this);
    thread_ = std::jthread([this](std::stop_token st) { thread_main(st); });
}

SwitchEndpoint::~SwitchEndpoint() {
    local_.detach(port_);  // no deliver() after this
    thread_.request_stop();
    wake(wake_fd_);
    thread_.join();
    ::close(fd_);
    ::close(wake_fd_);
}

std::string SwitchEndpoint::describe() const {
    return "switch " + name_ + " at " + path_.string();
}

bool SwitchEndpoint::connect_server() {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path_.c_str(), path_.native().size());
    return ::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
}

void SwitchEndpoint::send_hello() {
    ::send(fd_, nullptr, 0, MSG_DONTWAIT | MSG_NOSIGNAL);
}

void SwitchEndpoint::deliver(std::span<const u8> frame) {
    // Called with the local switch locked: never block, never call back into it.
    std::lock_guard lock(mu_);
    if (pending_.empty()) {
        if (::send(fd_, frame.data(), frame.size(), MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) {
            count_tx();
            return;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK) {  // server gone: the thread reconnects
            count_drop();
            return;
        }
    }
    if (pending_.size() >= kMaxPending) {
        count_drop();
        return;
    }
    pending_.emplace_back(frame.begin(), frame.end());
    wake(wake_fd_);  // so the thread polls for POLLOUT
}

void SwitchEndpoint::flush_locked() {
    while (!pending_.empty()) {
        const std::vector<u8>& f = pending_.front();
        if (::send(fd_, f.data(), f.size(), MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) {
            count_tx();
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return;
        } else {
            count_drop();
        }
        pending_.pop_front();
    }
}

void SwitchEndpoint::thread_main(std::stop_token stop) {
    std::vector<u8> buf(kMaxDatagram + 1);
    Clock::time_point last_heard = Clock::now();
    Clock::time_point next_keepalive = last_heard + keepalive_;
    while (!stop.stop_requested()) {
        bool want_out;
        {
            std::lock_guard lock(mu_);
            want_out = !pending_.empty();
        }
        pollfd fds[2] = {{fd_, static_cast<short>(POLLIN | (want_out ? POLLOUT : 0)), 0},
                         {wake_fd_, POLLIN, 0}};
        const auto wait =
            std::chrono::duration_cast<std::chrono::milliseconds>(next_keepalive - Clock::now());
        const int r = ::poll(fds, 2, static_cast<int>(std::max<i64>(0, wait.count())));
        if (r > 0 && (fds[1].revents & POLLIN)) {
            u64 v;
            [[maybe_unused]] const auto n = ::read(wake_fd_, &v, sizeof v);
        }
        if (r > 0 && (fds[0].revents & POLLIN)) {
            for (int i = 0; i < 256; ++i) {
                const ssize_t n = ::recv(fd_, buf.data(), buf.size(), MSG_DONTWAIT | MSG_TRUNC);
                if (n < 0) break;
                last_heard = Clock::now();
                if (n == 0) continue;  // the server's answer to a keepalive
                if (static_cast<std::size_t>(n) < kEthHeaderBytes ||
                    static_cast<std::size_t>(n) > kMaxDatagram) {
                    count_drop();
                    continue;
                }
                count_rx();
                local_.send(port_, std::span<const u8>(buf.data(), static_cast<std::size_t>(n)));
            }
        }
        if (want_out) {
            std::lock_guard lock(mu_);
            flush_locked();
        }
        const Clock::time_point now = Clock::now();
        if (now >= next_keepalive) {
            // Silent for three keepalives: the server died or was restarted; a connected
            // datagram socket stays tied to the old one, so connect to the path again.
            if (now - last_heard > 3 * keepalive_) connect_server();
            send_hello();
            next_keepalive = now + keepalive_;
        }
    }
}

}  // namespace rvisor::net
