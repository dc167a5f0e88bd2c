// rvisord: the VM manager daemon. Each VM runs as its own `rvisor run` process; the daemon
// keeps definitions and runtime records in a state directory, serves the manager API on a
// Unix socket (and optionally loopback TCP with a bearer token), and re-attaches to running
// VMs when it restarts. SIGTERM/SIGINT end the daemon, never the VMs.
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <filesystem>

#include "vmm/budget.hpp"
#include "vmm/http_server.hpp"
#include "vmm/manager.hpp"
#include "vmm/manager_api.hpp"
#include "vmm/resource_limits.hpp"
#include "vmm/state_store.hpp"
#include "vmm/unix_socket.hpp"

namespace fs = std::filesystem;
using namespace rvisor;

namespace {

constexpr int kExitBadInput = 2;

// Only the daemon's own user (or root) may use the Unix socket, whatever its file mode.
bool peer_allowed(int fd) {
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return false;
    return cred.uid == ::geteuid() || cred.uid == 0;
}

fs::path own_directory() {
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::path(".") : self.parent_path();
}

// The rvisor binary beside this one (build tree: src/vmm/rvisord and src/cli/rvisor).
fs::path default_rvisor() {
    const fs::path dir = own_directory();
    for (const fs::path& p : {dir / "rvisor", dir.parent_path() / "cli" / "rvisor"})
        if (::access(p.c_str(), X_OK) == 0) return p;
    return dir / "rvisor";
}

int run(int argc, char** argv) {
    CLI::App app{"rvisord: the rvisor VM manager daemon"};
    std::string state_dir, socket_path, listen, token_file, rvisor;
    u64 max_memory = 0;
    u32 max_vcpus = 0;
    app.add_option("--state-dir", state_dir,
                   "definitions and runtime records (default $XDG_STATE_HOME/rvisor or "
                   "~/.local/state/rvisor)");
    app.add_option("--socket", socket_path, "manager API socket (default STATE/rvisord.sock)");
    app.add_option("--listen", listen,
                   "also serve on loopback TCP, 127.0.0.1:PORT (needs --token-file)");
    app.add_option("--token-file", token_file, "bearer token for --listen (mode 0600)");
    app.add_option("--rvisor", rvisor, "the rvisor binary VMs run with (default: beside rvisord)");
    app.add_option("--max-memory-mib", max_memory,
                   "guest memory budget (default: host RAM - 1 GiB)")
        ->check(CLI::PositiveNumber);
    app.add_option("--max-vcpus", max_vcpus, "vCPU budget (default: 4 per host core)")
        ->check(CLI::PositiveNumber);
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::fprintf(stderr, "rvisord: %s\n", e.what());
        return kExitBadInput;
    }
    if (!listen.empty() && token_file.empty()) {
        std::fprintf(stderr,
                     "rvisord: --listen needs --token-file (the TCP API requires a token)\n");
        return kExitBadInput;
    }
    std::optional<std::string> token;
    try {
        if (!token_file.empty()) token = vmm::read_token_file(token_file);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "rvisord: %s\n", e.what());
        return kExitBadInput;
    }
    ::umask(077);
    const fs::path state = state_dir.empty() ? vmm::default_state_dir() : fs::absolute(state_dir);
    std::optional<vmm::StateStore> store;
    try {
        std::error_code ec;
        fs::create_directories(state.parent_path(), ec);
        store.emplace(state);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "rvisord: %s\n", e.what());
        return kExitBadInput;
    }
    // One daemon per state directory.
    const fs::path lock_path = state / "rvisord.lock";
    const int lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock_fd < 0 || ::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
        std::fprintf(stderr, "rvisord: %s: another rvisord uses this state directory\n",
                     state.c_str());
        return 1;
    }

    vmm::ManagerConfig config;
    config.rvisor = rvisor.empty() ? default_rvisor() : fs::absolute(rvisor);
    if (::access(config.rvisor.c_str(), X_OK) != 0) {
        std::fprintf(stderr, "rvisord: %s: no rvisor binary there (--rvisor PATH)\n",
                     config.rvisor.c_str());
        return kExitBadInput;
    }
    config.features = vmm::probe_rvisor_features(config.rvisor);
    config.budget = vmm::default_budget();
    if (max_memory) config.budget.max_memory_mib = max_memory;
    if (max_vcpus) config.budget.max_vcpus = max_vcpus;

    // Signals: handled by sigwait in this thread only; every thread started below inherits
    // the mask. A client that goes away mid-answer must not kill the daemon.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    ::pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    ::signal(SIGPIPE, SIG_IGN);

    vmm::ResourceLimiter limiter;
    vmm::Manager manager(*store, limiter, config);
    for (const auto& line : manager.recover()) std::fprintf(stderr, "rvisord: %s\n", line.c_str());

    const fs::path sock = socket_path.empty() ? state / "rvisord.sock" : fs::absolute(socket_path);
    vmm::HttpServer unix_server;
    vmm::add_manager_routes(unix_server, manager, std::nullopt);
    std::optional<vmm::HttpServer> tcp_server;
    try {
        unix_server.serve(vmm::listen_unix(sock), peer_allowed);
        if (!listen.empty()) {
            tcp_server.emplace();
            vmm::add_manager_routes(*tcp_server, manager, token);
            tcp_server->serve(vmm::listen_tcp_loopback(listen));
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "rvisord: %s\n", e.what());
        return kExitBadInput;
    }
    std::fprintf(stderr,
                 "rvisord: state %s, API on %s%s%s; VMs run %s (per-VM API %s); budget %llu "
                 "MiB, %u vCPUs; limits by %s\n",
                 state.c_str(), sock.c_str(), listen.empty() ? "" : " and ", listen.c_str(),
                 config.rvisor.c_str(), config.features.api_sock ? "yes" : "no",
                 static_cast<unsigned long long>(config.budget.max_memory_mib),
                 config.budget.max_vcpus, limiter.mechanism().c_str());

    int sig = 0;
    while (::sigwait(&signals, &sig) != 0 || sig == SIGHUP) {
    }
    std::fprintf(stderr, "rvisord: signal %d: stopping (VMs keep running)\n", sig);
    unix_server.shutdown();
    if (tcp_server) tcp_server->shutdown();
    ::unlink(sock.c_str());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    return run(argc, argv);
}
