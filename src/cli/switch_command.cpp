// `rvisor switch NAME`: serves a multi-process virtual Ethernet switch (net/switch_server.hpp)
// that VMs of the same user join with `--net switch:NAME`. In the foreground until SIGINT or
// SIGTERM, or, with --detach, as a daemon started only when none answers yet.
// ensure_switch_server() is the same start-on-demand for `rvisor run`.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>

#include "commands.hpp"
#include "net/switch_server.hpp"
#include "net/switch_socket.hpp"

namespace rvisor::cli {

namespace {

constexpr unsigned kAutoIdleExitSeconds = 30;
constexpr std::chrono::seconds kStartTimeout{3};

// Starts `/proc/self/exe switch NAME --idle-exit N` as a daemon: double fork so it is
// re-parented to init and never becomes our zombie, setsid so our terminal's signals do not
// reach it, stdio on /dev/null, no inherited fds, default signal state.
void spawn_switch_daemon(const std::string& name, unsigned idle_exit) {
    // Everything the child needs is prepared before fork(): between fork and exec only
    // async-signal-safe calls are allowed (we may have other threads).
    const std::string idle = std::to_string(idle_exit);
    const char* argv[] = {"rvisor", "switch", name.c_str(), "--idle-exit", idle.c_str(), nullptr};
    const pid_t pid = ::fork();
    if (pid < 0)
        throw std::runtime_error("switch " + name +
                                 ": cannot start a switch: fork: " + std::strerror(errno));
    if (pid == 0) {
        if (::setsid() < 0) ::_exit(1);
        const pid_t grandchild = ::fork();
        if (grandchild != 0) ::_exit(grandchild < 0 ? 1 : 0);
        const int null = ::open("/dev/null", O_RDWR);
        if (null < 0) ::_exit(1);
        ::dup2(null, 0);
        ::dup2(null, 1);
        ::dup2(null, 2);
        ::close_range(3, ~0U, 0);
        sigset_t none;
        ::sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        struct sigaction dfl {};
        dfl.sa_handler = SIG_DFL;
        for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) ::sigaction(sig, &dfl, nullptr);
        if (::chdir("/") != 0) ::_exit(1);
        ::execv("/proc/self/exe", const_cast<char* const*>(argv));
        ::_exit(127);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
}

// Starts a daemon unless a server answers; waits for one to answer. Two callers racing both
// start one: the switch's lock lets exactly one serve, the other exits, both callers see it.
void start_switch_if_needed(const std::string& name, unsigned idle_exit) {
    const std::filesystem::path path = net::switch_socket_path(name);
    if (net::switch_server_answers(path)) return;
    spawn_switch_daemon(name, idle_exit);
    const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (net::switch_server_answers(path)) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    throw std::runtime_error("switch " + name + ": no switch answered at " + path.string() +
                             " within 3 s (run `rvisor switch " + name + "` to see why)");
}

struct SwitchOptions {
    std::string name;
    unsigned idle_exit = 0;
    bool detach = false;
};

// Serves in the foreground. SIGINT and SIGTERM are blocked here and taken synchronously by a
// helper thread (sigtimedwait), which requests the server's stop: no async signal handler.
int serve(const SwitchOptions& o) {
    const std::filesystem::path path = net::switch_socket_path(o.name);
    net::SwitchServerOptions so;
    so.idle_exit = std::chrono::seconds(o.idle_exit);
    sigset_t sigs;
    ::sigemptyset(&sigs);
    ::sigaddset(&sigs, SIGINT);
    ::sigaddset(&sigs, SIGTERM);
    ::pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
    net::SwitchServer server(path, so);
    std::printf("switch %s listening on %s\n", o.name.c_str(), path.c_str());
    std::fflush(stdout);
    std::stop_source stop;
    std::jthread signals([&stop, sigs](std::stop_token st) {
        const timespec tick{0, 100'000'000};
        while (!st.stop_requested()) {
            if (::sigtimedwait(&sigs, nullptr, &tick) > 0) {
                stop.request_stop();
                return;
            }
        }
    });
    if (server.run(stop.get_token()))
        std::printf("switch %s: no client for %u s, exiting\n", o.name.c_str(), o.idle_exit);
    return 0;
}

int run_switch(const SwitchOptions& o) {
    try {
        net::validate_switch_name(o.name);
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "rvisor switch: %s\n", e.what());
        return kExitBadInput;
    }
    try {
        if (o.detach) {
            start_switch_if_needed(o.name, o.idle_exit);
            std::printf("switch %s listening on %s\n", o.name.c_str(),
                        net::switch_socket_path(o.name).c_str());
            return 0;
        }
        return serve(o);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "rvisor switch: %s\n", e.what());
        return 1;
    }
}

}  // namespace

void ensure_switch_server(const std::string& name) {
    start_switch_if_needed(name, kAutoIdleExitSeconds);
}

void add_switch_command(CLI::App& app, int& exit_code) {
    auto o = std::make_shared<SwitchOptions>();
    CLI::App* cmd = app.add_subcommand(
        "switch", "Run a virtual Ethernet switch that VMs join with --net switch:NAME");
    cmd->add_option("NAME", o->name, "switch name: 1 to 64 of A-Z a-z 0-9 _ . -")->required();
    cmd->add_option("--idle-exit", o->idle_exit,
                    "exit after SECONDS without any connected VM (0, the default: never)");
    cmd->add_flag("--detach", o->detach,
                  "start the switch in the background unless it already runs, and return once "
                  "it answers");
    cmd->callback([o, &exit_code] { exit_code = run_switch(*o); });
}

}  // namespace rvisor::cli
