// Unix stream sockets by path, with paths longer than sun_path (108 bytes) reached through
// an O_PATH handle on their folder (/proc/self/fd/N/NAME): a state directory deep in $HOME
// plus a 64-character VM name does not fit otherwise.
#pragma once

#include <filesystem>

namespace rvisor::vmm {

// A connected socket, or -1 with errno set. Non-blocking connect bounded by `timeout_ms`.
int connect_unix(const std::filesystem::path& path, int timeout_ms);
// A listening socket at `path` (an old socket file there is replaced) with mode 0600.
// Throws std::system_error naming the path.
int listen_unix(const std::filesystem::path& path);
// A listening TCP socket on a loopback address "127.0.0.1:PORT" or "[::1]:PORT" (anything
// else is refused: the manager API has no TLS). Throws std::runtime_error naming the problem.
int listen_tcp_loopback(const std::string& host_port);

}  // namespace rvisor::vmm
