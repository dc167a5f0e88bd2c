// /proc/PID/stat parsing, exit classification and the console replay ring.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "vmm/console_hub.hpp"
#include "vmm/proc_stat.hpp"
#include "vmm/vm_process.hpp"

namespace rvisor::vmm {
namespace {

TEST(ProcStat, FieldsCountFromTheLastParenthesis) {
    // comm "(rv) x (y)" holds spaces and parentheses.
    const std::string line =
        "4242 ((rv) x (y)) S 1 4242 4242 0 -1 4194560 500 0 0 0 731 42 0 0 20 0 5 0 "
        "98765 1234567 3210 18446744073709551615";
    const auto s = parse_proc_stat(line);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->state, 'S');
    EXPECT_EQ(s->utime_ticks, 731u);
    EXPECT_EQ(s->stime_ticks, 42u);
    EXPECT_EQ(s->start_ticks, 98765u);
    EXPECT_EQ(s->rss_pages, 3210u);
    EXPECT_FALSE(parse_proc_stat("4242 (short) S 1 2"));
    EXPECT_FALSE(parse_proc_stat("garbage"));
}

TEST(ProcStat, ReadsThisProcess) {
    const auto s = read_proc_stat(::getpid());
    ASSERT_TRUE(s);
    EXPECT_GT(s->start_ticks, 0u);
    EXPECT_GT(s->rss_pages, 0u);
}

TEST(ExitClassification, RvisorRunExitCodesAndSignals) {
    using K = ProcessEnd::Kind;
    auto c = [](K k, int v, bool stop = false) { return classify_exit({k, v}, stop); };
    EXPECT_EQ(c(K::Exited, 0).state, "stopped");
    EXPECT_EQ(c(K::Exited, 0).reason, "poweroff");
    EXPECT_EQ(c(K::Exited, 3).reason, "reboot");
    EXPECT_EQ(c(K::Exited, 4).state, "crashed");
    EXPECT_EQ(c(K::Exited, 4).reason, "guest kernel panic");
    EXPECT_EQ(c(K::Exited, 124).reason, "timeout");
    EXPECT_EQ(c(K::Exited, 2).state, "failed");
    EXPECT_EQ(c(K::Exited, 2).exit_code, 2);
    EXPECT_EQ(c(K::Signaled, 9).state, "crashed");
    EXPECT_EQ(c(K::Signaled, 9).reason, "crashed (signal 9)");
    EXPECT_EQ(c(K::Signaled, 9).exit_code, std::nullopt);
    EXPECT_EQ(c(K::Signaled, 15, true).state, "stopped");
    EXPECT_EQ(c(K::Signaled, 15, true).reason, "stopped by request");
    EXPECT_EQ(c(K::Unknown, 0).reason, "crashed (exit status unknown)");
    EXPECT_EQ(c(K::Unknown, 0, true).state, "stopped");
}

TEST(ByteRing, KeepsTheLastCapacityBytes) {
    ByteRing ring(8);
    ring.append("abc");
    EXPECT_EQ(ring.contents(), "abc");
    ring.append("defghij");
    EXPECT_EQ(ring.contents(), "cdefghij");
    for (int i = 0; i < 100; ++i) ring.append("0123456789");
    EXPECT_EQ(ring.contents(), "23456789");
}

TEST(VmProcess, SpawnReportsExitCodeThroughThePidfd) {
    char tmpl[] = "/tmp/rvisor-vmm-spawn-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    SpawnSpec spec;
    spec.program = "/bin/sh";
    spec.args = {"-c", "pwd; exit 3"};
    spec.cwd = tmpl;
    spec.log_file = std::string(tmpl) + "/log";
    const Spawned s = spawn_vm_process(spec);
    EXPECT_GT(s.pid, 0);
    const auto end = reap_pidfd(s.pidfd);
    ASSERT_TRUE(end);
    EXPECT_EQ(end->kind, ProcessEnd::Kind::Exited);
    EXPECT_EQ(end->value, 3);
    ::close(s.pidfd);
    std::ifstream log(spec.log_file);
    std::string line;
    std::getline(log, line);
    EXPECT_EQ(line, tmpl);  // it ran in spec.cwd with its output in the log
    spec.program = "/nonexistent/rvisor";
    EXPECT_THROW(spawn_vm_process(spec), std::runtime_error);
    std::filesystem::remove_all(tmpl);
}

}  // namespace
}  // namespace rvisor::vmm
