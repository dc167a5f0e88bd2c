#include "vmm/unix_socket.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>

namespace rvisor::vmm {

namespace {

// Fills `addr` for `path`; when it is too long, opens its folder O_PATH into `dir_fd` (the
// caller closes it after connect/bind) and uses the /proc/self/fd alias.
bool make_address(const std::filesystem::path& path, sockaddr_un& addr, int& dir_fd) {
    addr = {};
    addr.sun_family = AF_UNIX;
    dir_fd = -1;
    std::string p = path.string();
    if (p.size() >= sizeof addr.sun_path) {
        dir_fd = ::open(path.parent_path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0) return false;
        p = "/proc/self/fd/" + std::to_string(dir_fd) + "/" + path.filename().string();
        if (p.size() >= sizeof addr.sun_path) {
            ::close(dir_fd);
            dir_fd = -1;
            errno = ENAMETOOLONG;
            return false;
        }
    }
    std::memcpy(addr.sun_path, p.c_str(), p.size() + 1);
    return true;
}

}  // namespace

int connect_unix(const std::filesystem::path& path, int timeout_ms) {
    sockaddr_un addr;
    int dir_fd = -1;
    if (!make_address(path, addr, dir_fd)) return -1;
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int rc = fd < 0 ? -1 : ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    int saved = errno;
    if (rc != 0 && fd >= 0 && (saved == EINPROGRESS || saved == EAGAIN)) {
        pollfd p{fd, POLLOUT, 0};
        if (::poll(&p, 1, timeout_ms) == 1) {
            int err = 0;
            socklen_t len = sizeof err;
            ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
            rc = err == 0 ? 0 : -1;
            saved = err;
        } else {
            saved = ETIMEDOUT;
        }
    }
    if (dir_fd >= 0) ::close(dir_fd);
    if (rc != 0) {
        if (fd >= 0) ::close(fd);
        errno = saved;
        return -1;
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
}

int listen_unix(const std::filesystem::path& path) {
    sockaddr_un addr;
    int dir_fd = -1;
    auto fail = [&](const char* what) {
        const int saved = errno;
        if (dir_fd >= 0) ::close(dir_fd);
        throw std::system_error(saved, std::generic_category(), path.string() + ": " + what);
    };
    if (!make_address(path, addr, dir_fd)) fail("socket path too long");
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) fail("cannot create socket");
    ::unlink(addr.sun_path);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        fail("cannot bind");
    }
    // Permission on the socket file is the access control of the Unix listener.
    if (::chmod(addr.sun_path, 0600) != 0 || ::listen(fd, 64) != 0) {
        ::close(fd);
        fail("cannot listen");
    }
    if (dir_fd >= 0) ::close(dir_fd);
    return fd;
}

int listen_tcp_loopback(const std::string& host_port) {
    const std::size_t colon = host_port.rfind(':');
    if (colon == std::string::npos)
        throw std::runtime_error("--listen '" + host_port + "' is not HOST:PORT");
    std::string host = host_port.substr(0, colon);
    const std::string port_text = host_port.substr(colon + 1);
    int port = 0;
    try {
        std::size_t used = 0;
        port = std::stoi(port_text, &used);
        if (used != port_text.size() || port < 0 || port > 65535) throw std::out_of_range("");
    } catch (const std::exception&) {
        throw std::runtime_error("--listen '" + host_port + "': port must be 0 to 65535");
    }
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    sockaddr_storage ss{};
    socklen_t len = 0;
    in_addr a4{};
    in6_addr a6{};
    if (::inet_pton(AF_INET, host.c_str(), &a4) == 1) {
        if ((ntohl(a4.s_addr) >> 24) != 127)
            throw std::runtime_error("--listen '" + host_port +
                                     "': only loopback addresses (127.x.x.x, ::1) are allowed");
        auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
        sin->sin_family = AF_INET;
        sin->sin_port = htons(static_cast<uint16_t>(port));
        sin->sin_addr = a4;
        len = sizeof *sin;
    } else if (::inet_pton(AF_INET6, host.c_str(), &a6) == 1) {
        if (!IN6_IS_ADDR_LOOPBACK(&a6))
            throw std::runtime_error("--listen '" + host_port +
                                     "': only loopback addresses (127.x.x.x, ::1) are allowed");
        auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(static_cast<uint16_t>(port));
        sin6->sin6_addr = a6;
        len = sizeof *sin6;
    } else {
        throw std::runtime_error("--listen '" + host_port +
                                 "': HOST must be a numeric loopback address");
    }
    const int fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    if (fd < 0 || ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        ::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(fd, 64) != 0) {
        const std::string err = std::strerror(errno);
        if (fd >= 0) ::close(fd);
        throw std::runtime_error("--listen '" + host_port + "': " + err);
    }
    return fd;
}

}  // namespace rvisor::vmm
