#include "vmm/console_hub.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

#include "vmm/unix_socket.hpp"

namespace rvisor::vmm {

void ByteRing::append(std::string_view bytes) {
    data_.append(bytes);
    if (data_.size() > 2 * capacity_) data_.erase(0, data_.size() - capacity_);
}

std::string ByteRing::contents() const {
    if (data_.size() <= capacity_) return data_;
    return data_.substr(data_.size() - capacity_);
}

namespace {

// Blocking send of everything, bounded by the socket's send timeout.
bool send_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

}  // namespace

ConsoleHub::ConsoleHub() : wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

ConsoleHub::~ConsoleHub() {
    stop();
    if (wake_fd_ >= 0) ::close(wake_fd_);
}

void ConsoleHub::wake() {
    const uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof one);
}

void ConsoleHub::start(std::filesystem::path socket, std::function<bool()> alive) {
    stop();
    stop_ = false;
    thread_ = std::thread([this, s = std::move(socket), a = std::move(alive)] { run(s, a); });
}

void ConsoleHub::stop() {
    stop_ = true;
    wake();
    if (thread_.joinable()) thread_.join();
    std::lock_guard lock(mutex_);
    close_clients_locked();
}

void ConsoleHub::close_clients_locked() {
    for (const int fd : clients_) ::close(fd);
    clients_.clear();
}

std::string ConsoleHub::replay() const {
    std::lock_guard lock(mutex_);
    return ring_.contents();
}

void ConsoleHub::attach(int fd, std::string_view preamble, std::string_view pending_input) {
    const timeval timeout{2, 0};  // a client that stops reading is dropped, not waited for
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    std::lock_guard lock(mutex_);
    // Under the lock, so no output is lost or sent twice between replay and relay.
    if (!send_all(fd, preamble) || !send_all(fd, ring_.contents()) || !connected_) {
        ::close(fd);
        return;
    }
    if (!pending_input.empty() && vm_fd_ >= 0) send_all(vm_fd_, pending_input);
    clients_.push_back(fd);
    wake();
}

void ConsoleHub::run(std::filesystem::path socket, std::function<bool()> alive) {
    // The VM process creates its console socket a few milliseconds after it starts.
    int fd = -1;
    while (!stop_) {
        fd = connect_unix(socket, 200);
        if (fd >= 0 || !alive()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (fd < 0) return;
    {
        std::lock_guard lock(mutex_);
        vm_fd_ = fd;
        connected_ = true;
    }
    std::vector<pollfd> fds;
    char buf[4096];
    while (!stop_) {
        fds.clear();
        fds.push_back({fd, POLLIN, 0});
        fds.push_back({wake_fd_, POLLIN, 0});
        {
            std::lock_guard lock(mutex_);
            for (const int c : clients_) fds.push_back({c, POLLIN, 0});
        }
        if (::poll(fds.data(), fds.size(), 1000) < 0 && errno != EINTR) break;
        if (fds[1].revents) {
            uint64_t v;
            (void)!::read(wake_fd_, &v, sizeof v);
        }
        std::lock_guard lock(mutex_);
        if (fds[0].revents) {
            const ssize_t n = ::read(fd, buf, sizeof buf);
            if (n <= 0) break;  // the VM process closed its console: it is ending
            const std::string_view out(buf, static_cast<std::size_t>(n));
            ring_.append(out);
            std::erase_if(clients_, [&](int c) {
                if (send_all(c, out)) return false;
                ::close(c);
                return true;
            });
        }
        for (std::size_t i = 2; i < fds.size(); ++i) {
            if (!fds[i].revents) continue;
            const int c = fds[i].fd;
            if (std::find(clients_.begin(), clients_.end(), c) == clients_.end()) continue;
            const ssize_t n = ::recv(c, buf, sizeof buf, MSG_DONTWAIT);
            if (n > 0) {
                send_all(fd, std::string_view(buf, static_cast<std::size_t>(n)));
            } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                ::close(c);
                std::erase(clients_, c);
            }
        }
    }
    std::lock_guard lock(mutex_);
    connected_ = false;
    vm_fd_ = -1;
    ::close(fd);
    close_clients_locked();
}

}  // namespace rvisor::vmm
