// One VM's `rvisor run` process: started in a session of its own (so it outlives the
// daemon), watched through a pidfd, and its end turned into a state and a reason.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace rvisor::vmm {

struct SpawnSpec {
    std::filesystem::path program;   // the rvisor binary
    std::vector<std::string> args;   // after argv[0]
    std::filesystem::path cwd;       // the VM's folder (relative socket paths there)
    std::filesystem::path log_file;  // stdout and stderr (stdin is /dev/null)
    int cgroup_procs_fd = -1;        // the child writes its pid here before exec
    std::optional<int> nice;         // setpriority() before exec: every thread inherits it
};

struct Spawned {
    pid_t pid = -1;
    int pidfd = -1;
};

// fork + setsid + exec. Throws std::runtime_error when the program cannot be executed.
Spawned spawn_vm_process(const SpawnSpec& spec);

// pidfd_open(2); -1 with errno when the process is gone.
int open_pidfd(pid_t pid);
// pidfd_send_signal(2).
bool signal_pidfd(int pidfd, int sig);

// How a VM process ended, as far as the daemon can know.
struct ProcessEnd {
    enum class Kind { Exited, Signaled, Unknown };
    Kind kind = Kind::Unknown;
    int value = 0;  // exit code or signal number
};

// For our own child: waitid(P_PIDFD). nullopt when it is not our child (re-attached after
// a daemon restart), whose status only the exit-status file can tell.
std::optional<ProcessEnd> reap_pidfd(int pidfd);
// The exit-status file `rvisor run --exit-status-file` writes: the exit code in decimal.
ProcessEnd read_exit_status_file(const std::filesystem::path& file);

struct ExitOutcome {
    std::string state;   // stopped | crashed | failed
    std::string reason;  // "poweroff", "crashed (signal 9)", ...
    std::optional<int> exit_code;
};
// rvisor run's exit codes: 0 poweroff, 2 bad input, 3 reboot, 4 guest panic, 124 timeout.
ExitOutcome classify_exit(const ProcessEnd& end, bool stop_requested);

}  // namespace rvisor::vmm
