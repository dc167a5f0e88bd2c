// What /proc/PID/stat says about a VM process (proc(5)): its start time (which, with the
// pid, names one process for good: pids are reused, start times are not), CPU time and RSS.
#pragma once

#include <sys/types.h>
#include <optional>
#include <string_view>

#include "base/types.hpp"

namespace rvisor::vmm {

struct ProcStat {
    char state = '?';     // field 3: R, S, D, Z, T...
    u64 utime_ticks = 0;  // field 14
    u64 stime_ticks = 0;  // field 15
    u64 start_ticks = 0;  // field 22, clock ticks after boot
    u64 rss_pages = 0;    // field 24
};

// Parses the line; comm (field 2) may hold spaces and parentheses, so fields are counted
// from the last ')'.
std::optional<ProcStat> parse_proc_stat(std::string_view line);
std::optional<ProcStat> read_proc_stat(pid_t pid);

}  // namespace rvisor::vmm
