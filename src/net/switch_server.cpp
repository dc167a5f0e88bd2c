#include "net/switch_server.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <fcntl.h>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "net/switch_socket.hpp"

namespace rvisor::net {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kMaxDatagram = 65536;

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what) {
    throw std::runtime_error("switch at " + path.string() + ": " + what);
}

}  // namespace

// A client's port on the switch: frames leaving through it go to the client's address.
class SwitchServer::RemotePort final : public NetPort {
  public:
    RemotePort(SwitchServer& server, const void* addr, unsigned len)
        : server_(server), len_(static_cast<socklen_t>(len)) {
        std::memcpy(&addr_, addr, len);
    }
    void deliver(std::span<const u8> frame) override {
        // Called with the switch locked: never block, never call back into the switch.
        if (::sendto(server_.sock_fd_, frame.data(), frame.size(), MSG_DONTWAIT | MSG_NOSIGNAL,
                     reinterpret_cast<const sockaddr*>(&addr_), len_) >= 0)
            return;
        if (errno == ECONNREFUSED || errno == ENOENT) gone = true;  // reaped by run()
        server_.dropped_.fetch_add(1, std::memory_order_relaxed);
    }
    void hello_ack() {
        if (::sendto(server_.sock_fd_, nullptr, 0, MSG_DONTWAIT | MSG_NOSIGNAL,
                     reinterpret_cast<const sockaddr*>(&addr_), len_) < 0 &&
            (errno == ECONNREFUSED || errno == ENOENT))
            gone = true;
    }
    bool gone = false;  // run() thread only (deliver() runs inside its switch_.send())

  private:
    SwitchServer& server_;
    sockaddr_un addr_{};
    socklen_t len_;
};

struct SwitchServer::Client {
    Client(SwitchServer& s, const void* addr, unsigned len) : port(s, addr, len) {}
    RemotePort port;
    SwitchPortId id = kInvalidPort;
    Clock::time_point last_seen;
};

SwitchServer::SwitchServer(std::filesystem::path path, SwitchServerOptions options)
    : path_(std::move(path)), options_(options), rx_buf_(kMaxDatagram + 1) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path_.native().size() >= sizeof addr.sun_path) fail(path_, "path too long");
    std::memcpy(addr.sun_path, path_.c_str(), path_.native().size());

    const std::filesystem::path lock = switch_lock_path(path_);
    lock_fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock_fd_ < 0) fail(path_, lock.string() + ": " + std::strerror(errno));
    if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
        ::close(lock_fd_);
        fail(path_, "already served by another process");
    }
    auto cleanup = [this] {
        if (sock_fd_ >= 0) ::close(sock_fd_);
        if (wake_fd_ >= 0) ::close(wake_fd_);
        ::close(lock_fd_);
    };
    if (switch_server_answers(path_)) {
        cleanup();
        fail(path_, "already served by another process");
    }
    ::unlink(path_.c_str());  // a dead server's socket file, if any
    sock_fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (sock_fd_ < 0 || wake_fd_ < 0 ||
        ::bind(sock_fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        const int err = errno;
        cleanup();
        fail(path_, std::strerror(err));
    }
    // Frames in flight to slow clients are charged to our send buffer: make room for bursts
    // (the kernel caps this at net.core.wmem_max; best effort).
    const int buf = 4 << 20;
    ::setsockopt(sock_fd_, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
    ::setsockopt(sock_fd_, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
}

SwitchServer::~SwitchServer() {
    for (auto& [key, c] : clients_) switch_.detach(c->id);
    clients_.clear();
    ::unlink(path_.c_str());  // still ours: we hold the lock
    ::close(sock_fd_);
    ::close(wake_fd_);
    ::close(lock_fd_);  // the lock file stays: unlinking it would race with a new server
}

SwitchServer::Client* SwitchServer::client_for(const void* addr, unsigned addr_len) {
    std::string key(static_cast<const char*>(addr), addr_len);
    if (const auto it = clients_.find(key); it != clients_.end()) return it->second.get();
    if (clients_.size() >= options_.max_clients) return nullptr;
    auto c = std::make_unique<Client>(*this, addr, addr_len);
    c->id = switch_.attach(c->port);
    Client* raw = c.get();
    clients_.emplace(std::move(key), std::move(c));
    clients_count_.store(clients_.size());
    return raw;
}

void SwitchServer::receive_batch() {
    std::vector<u8>& buf = rx_buf_;
    // Bounded so that reaping and stop requests are seen under a flood.
    for (int i = 0; i < 256; ++i) {
        sockaddr_un from{};
        socklen_t from_len = sizeof from;
        const ssize_t n = ::recvfrom(sock_fd_, buf.data(), buf.size(), MSG_DONTWAIT | MSG_TRUNC,
                                     reinterpret_cast<sockaddr*>(&from), &from_len);
        if (n < 0) return;  // EAGAIN, or nothing we can act on
        // An unbound sender has no address to answer (from_len is just the family).
        if (from_len <= sizeof(sa_family_t) || from_len > sizeof from) continue;
        Client* c = client_for(&from, from_len);
        if (!c) continue;
        c->last_seen = Clock::now();
        if (n == 0) {
            c->port.hello_ack();
            continue;
        }
        if (static_cast<std::size_t>(n) < kEthHeaderBytes ||
            static_cast<std::size_t>(n) > kMaxDatagram) {
            dropped_.fetch_add(1, std::memory_order_relaxed);  // runt, or truncated
            continue;
        }
        switch_.send(c->id, std::span<const u8>(buf.data(), static_cast<std::size_t>(n)));
    }
}

void SwitchServer::reap(Clock::time_point now) {
    for (auto it = clients_.begin(); it != clients_.end();) {
        Client& c = *it->second;
        if (c.port.gone || now - c.last_seen > options_.client_timeout) {
            switch_.detach(c.id);
            it = clients_.erase(it);
        } else {
            ++it;
        }
    }
    clients_count_.store(clients_.size());
}

bool SwitchServer::run(std::stop_token stop) {
    std::stop_callback wake(stop, [this] {
        const u64 one = 1;
        [[maybe_unused]] const auto r = ::write(wake_fd_, &one, sizeof one);
    });
    using std::chrono::milliseconds;
    // Poll often enough to apply the timeouts with a quarter of their length as slack.
    milliseconds tick{1000};
    tick = std::min(tick, options_.client_timeout / 4);
    if (options_.idle_exit.count() > 0) tick = std::min(tick, options_.idle_exit / 4);
    tick = std::max(tick, milliseconds{5});
    Clock::time_point idle_since = Clock::now();
    while (!stop.stop_requested()) {
        pollfd fds[2] = {{sock_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
        const int r = ::poll(fds, 2, static_cast<int>(tick.count()));
        if (r < 0 && errno != EINTR) fail(path_, std::string("poll: ") + std::strerror(errno));
        if (r > 0 && (fds[1].revents & POLLIN)) {
            u64 v;
            [[maybe_unused]] const auto n = ::read(wake_fd_, &v, sizeof v);
        }
        if (r > 0 && (fds[0].revents & POLLIN)) receive_batch();
        const Clock::time_point now = Clock::now();
        reap(now);
        if (!clients_.empty()) {
            idle_since = now;
        } else if (options_.idle_exit.count() > 0 && now - idle_since >= options_.idle_exit) {
            return true;
        }
    }
    return false;
}

}  // namespace rvisor::net
