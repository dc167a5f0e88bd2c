// `rvisor run --snapshot-path FILE`: SIGUSR1 makes the running VM write a snapshot to FILE
// (pause, save, resume), so scripts and tests can snapshot a VM without the HTTP API:
//     kill -USR1 <rvisor pid>     -> stderr: "rvisor: snapshot written to FILE"
// A dedicated thread waits for the signal with sigwait(), so the snapshot is taken on an
// ordinary thread (never in a signal handler, never on a vCPU).
#pragma once

#include <pthread.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "machine/virt_machine.hpp"

namespace rvisor::cli {

class SnapshotSignal {
  public:
    // Blocks SIGUSR1 in the calling thread; call before the VM starts any thread, so that
    // every thread inherits the mask and only the waiting thread receives the signal.
    static void block();

    SnapshotSignal(machine::VirtMachine& vm, std::filesystem::path file);
    ~SnapshotSignal();
    SnapshotSignal(const SnapshotSignal&) = delete;
    SnapshotSignal& operator=(const SnapshotSignal&) = delete;

  private:
    void loop();
    void take();

    machine::VirtMachine& vm_;
    const std::filesystem::path file_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace rvisor::cli
