// VirtMachine::pause/resume on the default guest (skipped when scripts/fetch-guest has not
// cached it): pause parks every thread (no CPU use while paused), is idempotent, works
// before run() starts, and a paused VM can be snapshotted, resumed and stopped.
#include <sys/resource.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <future>
#include <thread>

#include "machine/virt_machine.hpp"

namespace rvisor::machine {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

fs::path guest_dir() {
    if (const char* c = std::getenv("RVISOR_CACHE")) return fs::path(c) / "guest";
    if (const char* h = std::getenv("HOME")) return fs::path(h) / ".cache" / "rvisor" / "guest";
    return "/nonexistent";
}

double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

VmConfig guest_config() {
    VmConfig c;
    c.memory = 128ULL << 20;
    c.kernel = guest_dir() / "Image";
    c.initrd = guest_dir() / "initramfs.cpio.gz";
    c.console.kind = ConsoleConfig::Kind::File;
    c.console.path = "/dev/null";
    c.timeout = 8s;
    // The reference engine; the JIT's compiled code sees stop requests through the same
    // events word.
    c.engine = Engine::Interpreter;
    return c;
}

TEST(VirtMachinePauseTest, PausedVmUsesNoCpuAndResumes) {
    if (!fs::exists(guest_dir() / "Image") || !fs::exists(kDefaultFirmware))
        GTEST_SKIP() << "default guest or OpenSBI not installed";
    VirtMachine vm(guest_config());
    EXPECT_FALSE(vm.paused());
    EXPECT_THROW(vm.save_snapshot("/nonexistent/x"), std::logic_error);
    auto done = std::async(std::launch::async, [&] { return vm.run(); });
    std::this_thread::sleep_for(500ms);  // booting: the hart is busy
    for (int i = 0; i < 3; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        vm.pause();
        const auto took = std::chrono::steady_clock::now() - t0;
        std::printf("pause took %.3f ms\n",
                    std::chrono::duration<double, std::milli>(took).count());
        EXPECT_LT(took, 1s);
        vm.pause();  // idempotent
        EXPECT_TRUE(vm.paused());
        const double before = cpu_seconds();
        std::this_thread::sleep_for(300ms);
        EXPECT_LT(cpu_seconds() - before, 0.03) << "a paused VM burns CPU";
        vm.resume();
        vm.resume();
        EXPECT_FALSE(vm.paused());
        std::this_thread::sleep_for(200ms);
    }
    // Still running after the pauses: the timeout ends it, not a hang.
    EXPECT_EQ(done.get().kind, VmExit::Kind::Timeout);
}

TEST(VirtMachinePauseTest, PauseBeforeRunKeepsTheHartsParked) {
    if (!fs::exists(guest_dir() / "Image") || !fs::exists(kDefaultFirmware))
        GTEST_SKIP() << "default guest or OpenSBI not installed";
    VmConfig c = guest_config();
    c.timeout = 1s;
    VirtMachine vm(c);
    vm.pause();
    const double before = cpu_seconds();
    // The harts never run; the timeout still ends run() (the stop wakes parked harts).
    EXPECT_EQ(vm.run().kind, VmExit::Kind::Timeout);
    EXPECT_LT(cpu_seconds() - before, 0.1);
}

}  // namespace
}  // namespace rvisor::machine
