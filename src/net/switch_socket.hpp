// Where the multi-process virtual switches live: one SOCK_DGRAM Unix socket per named switch,
// shared by every VM (and `rvisor switch NAME`) of the same user.
//
// Directory: $RVISOR_RUN_DIR if set, else $XDG_RUNTIME_DIR/rvisor, else /tmp/rvisor-<uid>.
// It is created with mode 0700 when missing; the /tmp fallback, being in a shared directory,
// must then be a real directory owned by us and closed to others (otherwise anyone could
// plant a socket there), or we refuse it. The socket is `switch-<name>.sock`, next to it
// `switch-<name>.lock`, which the serving process holds an flock(2) on for its lifetime.
#pragma once

#include <filesystem>
#include <string_view>

namespace rvisor::net {

// Names are 1..64 characters of [A-Za-z0-9_.-]; throws std::invalid_argument naming the
// name otherwise.
void validate_switch_name(std::string_view name);

// Validates the name, creates the directory if needed (throws std::runtime_error, one line,
// when it cannot) and returns the socket's path.
std::filesystem::path switch_socket_path(std::string_view name);

// The lock file that goes with a socket path.
std::filesystem::path switch_lock_path(const std::filesystem::path& socket_path);

// True when a server is bound at `path` (a datagram connect() to it succeeds).
bool switch_server_answers(const std::filesystem::path& path);

}  // namespace rvisor::net
