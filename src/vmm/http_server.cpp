#include "vmm/http_server.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

namespace rvisor::vmm {

namespace {
constexpr int kMaxConnections = 128;
constexpr int kReadTimeoutMs = 5000;
constexpr int kKeepAliveTimeoutMs = 5000;
constexpr int kKeepAliveMaxRequests = 100;
}  // namespace

// A socket with a read buffer the hijacker can collect, and a "taken" switch after which
// httplib's writes go nowhere and its reads end.
class HttpServer::ConnectionStream final : public httplib::Stream {
  public:
    explicit ConnectionStream(int fd) : fd_(fd) {}

    bool wait_readable(int timeout_ms) const {
        if (pos_ < buf_.size()) return true;
        pollfd p{fd_, POLLIN, 0};
        int rc;
        do rc = ::poll(&p, 1, timeout_ms);
        while (rc < 0 && errno == EINTR);
        return rc > 0;
    }
    bool is_readable() const override { return !taken_ && wait_readable(kReadTimeoutMs); }
    bool is_writable() const override {
        if (taken_) return true;
        pollfd p{fd_, POLLOUT, 0};
        return ::poll(&p, 1, kReadTimeoutMs) > 0;
    }
    ssize_t read(char* ptr, size_t size) override {
        if (taken_) return -1;
        if (pos_ == buf_.size()) {
            if (!wait_readable(kReadTimeoutMs)) return -1;
            buf_.resize(4096);
            ssize_t n;
            do n = ::recv(fd_, buf_.data(), buf_.size(), 0);
            while (n < 0 && errno == EINTR);
            if (n <= 0) {
                buf_.clear();
                pos_ = 0;
                return n;
            }
            buf_.resize(static_cast<std::size_t>(n));
            pos_ = 0;
        }
        const std::size_t n = std::min(size, buf_.size() - pos_);
        std::copy_n(buf_.data() + pos_, n, ptr);
        pos_ += n;
        return static_cast<ssize_t>(n);
    }
    ssize_t write(const char* ptr, size_t size) override {
        if (taken_) return static_cast<ssize_t>(size);
        ssize_t n;
        do n = ::send(fd_, ptr, size, MSG_NOSIGNAL);
        while (n < 0 && errno == EINTR);
        return n;
    }
    void get_remote_ip_and_port(std::string& ip, int& port) const override {
        ip.clear();
        port = 0;
    }
    void get_local_ip_and_port(std::string& ip, int& port) const override {
        ip.clear();
        port = 0;
    }
    socket_t socket() const override { return fd_; }

    TakenConnection take() {
        taken_ = true;
        return TakenConnection{fd_, buf_.substr(pos_)};
    }
    bool taken() const { return taken_; }

  private:
    int fd_;
    std::string buf_;
    std::size_t pos_ = 0;
    bool taken_ = false;
};

thread_local HttpServer::ConnectionStream* HttpServer::current_stream_ = nullptr;

HttpServer::HttpServer() {
    set_payload_max_length(1 << 20);
}

HttpServer::~HttpServer() {
    shutdown();
}

void HttpServer::serve(int listen_fd, std::function<bool(int)> peer_check) {
    std::lock_guard lock(mutex_);
    listen_fds_.push_back(listen_fd);
    acceptors_.emplace_back(
        [this, listen_fd, check = std::move(peer_check)] { accept_loop(listen_fd, check); });
}

void HttpServer::shutdown() {
    stopping_ = true;
    std::vector<std::thread> acceptors;
    {
        std::lock_guard lock(mutex_);
        for (const int fd : listen_fds_) ::shutdown(fd, SHUT_RDWR);
        for (const int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
        acceptors.swap(acceptors_);
    }
    for (auto& t : acceptors) t.join();
    std::unique_lock lock(mutex_);
    idle_.wait_for(lock, std::chrono::seconds(5), [this] { return open_fds_.empty(); });
    for (const int fd : listen_fds_) ::close(fd);
    listen_fds_.clear();
}

void HttpServer::accept_loop(int listen_fd, std::function<bool(int)> peer_check) {
    while (!stopping_) {
        pollfd p{listen_fd, POLLIN, 0};
        if (::poll(&p, 1, 200) <= 0) continue;
        const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) continue;
        if (stopping_ || (peer_check && !peer_check(fd))) {
            ::close(fd);
            continue;
        }
        {
            std::lock_guard lock(mutex_);
            if (static_cast<int>(open_fds_.size()) >= kMaxConnections) {
                ::close(fd);
                continue;
            }
            open_fds_.push_back(fd);
        }
        std::thread([this, fd] { serve_connection(fd); }).detach();
    }
}

void HttpServer::serve_connection(int fd) {
    ConnectionStream stream(fd);
    current_stream_ = &stream;
    for (int left = kKeepAliveMaxRequests; left > 0 && !stopping_; --left) {
        if (!stream.wait_readable(kKeepAliveTimeoutMs)) break;
        bool closed = false;
        const bool ok = process_request(stream, left == 1, closed, [](httplib::Request& req) {
            // RFC 9112 6.3: a request with neither Content-Length nor Transfer-Encoding has
            // an empty body (httplib 0.11 would wait for the client to close instead).
            if (!req.has_header("Content-Length") && !req.has_header("Transfer-Encoding"))
                req.set_header("Content-Length", "0");
        });
        if (!ok || closed || stream.taken()) break;
    }
    current_stream_ = nullptr;
    std::lock_guard lock(mutex_);
    open_fds_.erase(std::find(open_fds_.begin(), open_fds_.end(), fd));
    if (!stream.taken()) ::close(fd);
    idle_.notify_all();
}

std::optional<TakenConnection> HttpServer::take_connection() {
    if (!current_stream_ || current_stream_->taken()) return std::nullopt;
    return current_stream_->take();
}

}  // namespace rvisor::vmm
