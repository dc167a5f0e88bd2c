#include "vmm/vm_process.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <fstream>
#include <stdexcept>

extern char** environ;

namespace rvisor::vmm {

int open_pidfd(pid_t pid) {
    return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

bool signal_pidfd(int pidfd, int sig) {
    return ::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0) == 0;
}

Spawned spawn_vm_process(const SpawnSpec& spec) {
    // Everything the child needs is prepared here: between fork and exec in a threaded
    // process only async-signal-safe calls are allowed.
    std::vector<std::string> argv_storage;
    argv_storage.push_back(spec.program.string());
    argv_storage.insert(argv_storage.end(), spec.args.begin(), spec.args.end());
    std::vector<char*> argv;
    for (auto& a : argv_storage) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int log_fd =
        ::open(spec.log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (log_fd < 0) throw std::runtime_error(spec.log_file.string() + ": " + std::strerror(errno));
    const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    int status_pipe[2];
    if (null_fd < 0 || ::pipe2(status_pipe, O_CLOEXEC) != 0) {
        ::close(log_fd);
        if (null_fd >= 0) ::close(null_fd);
        throw std::runtime_error(std::string("cannot create a pipe: ") + std::strerror(errno));
    }
    const std::string cwd = spec.cwd.string();
    const int cgroup_fd = spec.cgroup_procs_fd;
    const int nice = spec.nice.value_or(0);
    const bool set_nice = spec.nice.has_value();

    const pid_t pid = ::fork();
    if (pid == 0) {
        auto die = [&](int err) {
            (void)!::write(status_pipe[1], &err, sizeof err);
            ::_exit(127);
        };
        ::setsid();
        if (cgroup_fd >= 0) {
            char buf[16];
            int n = 0;
            for (pid_t p = ::getpid(); p > 0; p /= 10) buf[n++] = static_cast<char>('0' + p % 10);
            char out[16];
            for (int i = 0; i < n; ++i) out[i] = buf[n - 1 - i];
            if (::write(cgroup_fd, out, static_cast<size_t>(n)) < 0) die(errno);
        }
        if (set_nice) (void)::setpriority(PRIO_PROCESS, 0, nice);  // best effort
        if (::chdir(cwd.c_str()) != 0) die(errno);
        if (::dup2(null_fd, 0) < 0 || ::dup2(log_fd, 1) < 0 || ::dup2(log_fd, 2) < 0) die(errno);
        // Nothing of the daemon's (API connections, other VMs' consoles) leaks into the VM.
        const int keep = status_pipe[1];
        ::syscall(SYS_close_range, 3, keep - 1, 0);
        ::syscall(SYS_close_range, keep + 1, ~0U, 0);
        ::signal(SIGPIPE, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::execve(argv[0], argv.data(), environ);
        die(errno);
    }
    const int fork_errno = errno;
    ::close(status_pipe[1]);
    ::close(log_fd);
    ::close(null_fd);
    if (pid < 0) {
        ::close(status_pipe[0]);
        throw std::runtime_error(std::string("cannot fork: ") + std::strerror(fork_errno));
    }
    int child_errno = 0;
    ssize_t n;
    do n = ::read(status_pipe[0], &child_errno, sizeof child_errno);
    while (n < 0 && errno == EINTR);
    ::close(status_pipe[0]);
    if (n == sizeof child_errno) {
        ::waitpid(pid, nullptr, 0);
        throw std::runtime_error("cannot start " + spec.program.string() + ": " +
                                 std::strerror(child_errno));
    }
    Spawned s{pid, open_pidfd(pid)};
    if (s.pidfd < 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        throw std::runtime_error(std::string("pidfd_open: ") + std::strerror(errno));
    }
    return s;
}

std::optional<ProcessEnd> reap_pidfd(int pidfd) {
    siginfo_t info{};
    if (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), &info, WEXITED) != 0)
        return std::nullopt;
    if (info.si_code == CLD_EXITED) return ProcessEnd{ProcessEnd::Kind::Exited, info.si_status};
    return ProcessEnd{ProcessEnd::Kind::Signaled, info.si_status};
}

ProcessEnd read_exit_status_file(const std::filesystem::path& file) {
    std::ifstream in(file);
    int code = 0;
    if (in >> code && code >= 0 && code < 256) return ProcessEnd{ProcessEnd::Kind::Exited, code};
    return ProcessEnd{};
}

ExitOutcome classify_exit(const ProcessEnd& end, bool stop_requested) {
    using K = ProcessEnd::Kind;
    std::optional<int> code;
    if (end.kind == K::Exited) code = end.value;
    if (stop_requested && !(end.kind == K::Exited && end.value == 4))
        return {"stopped", "stopped by request", code};
    switch (end.kind) {
        case K::Exited:
            switch (end.value) {
                case 0: return {"stopped", "poweroff", code};
                case 2: return {"failed", "failed to start (exit 2)", code};
                case 3: return {"stopped", "reboot", code};
                case 4: return {"crashed", "guest kernel panic", code};
                case 124: return {"stopped", "timeout", code};
                default:
                    return {"crashed", "crashed (exit code " + std::to_string(end.value) + ")",
                            code};
            }
        case K::Signaled:
            return {"crashed", "crashed (signal " + std::to_string(end.value) + ")", code};
        case K::Unknown: break;
    }
    return {"crashed", "crashed (exit status unknown)", code};
}

}  // namespace rvisor::vmm
