#include "snapshot_signal.hpp"

#include <csignal>
#include <cstdio>

namespace rvisor::cli {

namespace {
sigset_t usr1_set() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    return set;
}
}  // namespace

void SnapshotSignal::block() {
    const sigset_t set = usr1_set();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

SnapshotSignal::SnapshotSignal(machine::VirtMachine& vm, std::filesystem::path file)
    : vm_(vm), file_(std::move(file)) {
    thread_ = std::thread([this] { loop(); });
}

SnapshotSignal::~SnapshotSignal() {
    stop_ = true;
    pthread_kill(thread_.native_handle(), SIGUSR1);  // wakes sigwait(); the flag ends the loop
    thread_.join();
}

void SnapshotSignal::loop() {
    const sigset_t set = usr1_set();
    for (;;) {
        int sig = 0;
        if (sigwait(&set, &sig) != 0) continue;
        if (stop_) return;
        take();
    }
}

void SnapshotSignal::take() {
    const bool was_paused = vm_.paused();
    vm_.pause();
    try {
        vm_.save_snapshot(file_);
        std::fprintf(stderr, "\r\nrvisor: snapshot written to %s\r\n", file_.c_str());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "\r\nrvisor: snapshot failed: %s\r\n", e.what());
    }
    if (!was_paused) vm_.resume();
}

}  // namespace rvisor::cli
