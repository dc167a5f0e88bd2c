#include "net/switch_socket.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

namespace rvisor::net {

namespace fs = std::filesystem;

void validate_switch_name(std::string_view name) {
    const auto ok = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '.' || c == '-';
    };
    bool good = !name.empty() && name.size() <= 64;
    for (char c : name) good = good && ok(c);
    // "." and ".." are harmless inside "switch-NAME.sock", but say nothing useful either.
    if (!good)
        throw std::invalid_argument("switch name '" + std::string(name) +
                                    "' is invalid (1 to 64 of A-Z a-z 0-9 _ . -)");
}

namespace {

fs::path run_dir() {
    if (const char* d = std::getenv("RVISOR_RUN_DIR"); d && *d) return d;
    if (const char* d = std::getenv("XDG_RUNTIME_DIR"); d && *d) return fs::path(d) / "rvisor";
    return "/tmp/rvisor-" + std::to_string(::getuid());
}

}  // namespace

fs::path switch_socket_path(std::string_view name) {
    validate_switch_name(name);
    const fs::path dir = run_dir();
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
        // A missing parent (e.g. RVISOR_RUN_DIR=/a/b/c): create the chain, then the leaf 0700.
        std::error_code ec;
        fs::create_directories(dir.parent_path(), ec);
        if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
            throw std::runtime_error("switch directory " + dir.string() + ": " +
                                     std::strerror(errno));
    }
    struct stat st {};
    if (::lstat(dir.c_str(), &st) != 0)
        throw std::runtime_error("switch directory " + dir.string() + ": " + std::strerror(errno));
    if (!S_ISDIR(st.st_mode))
        throw std::runtime_error("switch directory " + dir.string() + " is not a directory");
    const bool shared_tmp = !std::getenv("RVISOR_RUN_DIR") && dir.string().starts_with("/tmp/");
    if (shared_tmp && (st.st_uid != ::getuid() || (st.st_mode & 077) != 0))
        throw std::runtime_error("switch directory " + dir.string() +
                                 " is not private (must be owned by you, mode 0700)");
    fs::path path = dir / ("switch-" + std::string(name) + ".sock");
    if (path.native().size() >= sizeof(sockaddr_un{}.sun_path))
        throw std::runtime_error("switch socket path " + path.string() +
                                 " is too long for a Unix socket (set RVISOR_RUN_DIR)");
    return path;
}

fs::path switch_lock_path(const fs::path& socket_path) {
    fs::path p = socket_path;
    p.replace_extension(".lock");
    return p;
}

bool switch_server_answers(const fs::path& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.native().size() >= sizeof addr.sun_path) return false;
    std::memcpy(addr.sun_path, path.c_str(), path.native().size());
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    // A datagram connect() succeeds exactly when a socket is bound at the path; a file left
    // by a dead server gives ECONNREFUSED.
    const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

}  // namespace rvisor::net
