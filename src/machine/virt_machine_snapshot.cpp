// VirtMachine's pause/resume and snapshot save/restore. The file format is in
// machine/snapshot.hpp; each device and hart serialises itself (save/load, mem/state_io.hpp).
#include <stdexcept>

#include "machine/nic_config.hpp"
#include "machine/snapshot.hpp"
#include "machine/virt_machine.hpp"

namespace rvisor::machine {

void VirtMachine::hart_loop(cpu::Hart& hart) {
    std::unique_lock lock(park_mutex_);
    ++harts_running_;
    for (;;) {
        if (stopping_) break;
        if (pause_requested_) {
            // Parked on a condition variable: a paused VM costs no CPU.
            ++harts_parked_;
            park_cv_.notify_all();
            park_cv_.wait(lock, [this] { return !pause_requested_ || stopping_; });
            --harts_parked_;
            continue;
        }
        lock.unlock();
        // Returns at a block boundary on request_stop() (pause, finish), after a budget, or
        // after a WFI park: the pause check above then runs. Cost: one lock per return.
        hart.run(1ULL << 24);
        lock.lock();
    }
    --harts_running_;
    park_cv_.notify_all();
}

void VirtMachine::wake_parked_harts() {
    // Taking the lock orders this with a hart's predicate check: the wake-up is not lost.
    { std::lock_guard lock(park_mutex_); }
    park_cv_.notify_all();
}

void VirtMachine::pause() {
    std::lock_guard control(pause_mutex_);
    if (paused_) return;
    {
        std::lock_guard lock(park_mutex_);
        pause_requested_ = true;
    }
    // A hart in its block loop returns at the next block boundary (an instruction boundary:
    // pc and registers are exact); one parked in WFI wakes and returns.
    for (auto& h : harts_) h->request_stop();
    {
        std::unique_lock lock(park_mutex_);
        park_cv_.wait(lock, [this] { return harts_parked_ == harts_running_; });
    }
    // No hart runs now, so no new kicks: let the devices finish what they hold.
    for (auto& t : virtio_transports_) t->pause();
    rtc_->pause();
    timebase_.pause();
    paused_ = true;
}

void VirtMachine::resume() {
    std::lock_guard control(pause_mutex_);
    if (!paused_) return;
    timebase_.resume();
    rtc_->resume();
    for (auto& t : virtio_transports_) t->resume();
    paused_ = false;
    {
        std::lock_guard lock(park_mutex_);
        pause_requested_ = false;
    }
    park_cv_.notify_all();
}

namespace {
constexpr u32 kMachineVersion = 1;
}

void VirtMachine::snapshot_from_console() {
    if (!config_.snapshot_path) {
        console_->message("rvisor: no snapshot file; start with --snapshot-path FILE");
        return;
    }
    const bool was_paused = paused();
    pause();
    try {
        save_snapshot(*config_.snapshot_path);
        console_->message("rvisor: snapshot written to " + config_.snapshot_path->string());
    } catch (const std::exception& e) {
        console_->message(std::string("rvisor: snapshot failed: ") + e.what());
    }
    if (!was_paused) resume();
}

void VirtMachine::save_snapshot(const std::filesystem::path& file) {
    std::lock_guard control(pause_mutex_);
    if (!paused_) throw std::logic_error("save_snapshot: the VM must be paused first");
    SnapshotConfig sc;
    sc.name = config_.name;
    sc.cpus = config_.cpus;
    sc.memory = ram_->size();
    for (DiskConfig d : config_.disks) {
        // Absolute, so a restore from another working directory finds the same image.
        d.path = std::filesystem::absolute(d.path);
        sc.disks.push_back(std::move(d));
    }
    sc.nics = config_.nics;
    // The guest's driver read each NIC's MAC at boot: keep the effective one.
    for (unsigned i = 0; i < sc.nics.size(); ++i)
        if (!sc.nics[i].mac) sc.nics[i].mac = derive_mac(config_.name, i);
    // What the disks acknowledged must be in the images the snapshot refers to.
    for (auto& b : virtio_blks_) b->backend().flush();

    mem::StateWriter w;
    save_snapshot_config(w, sc);
    w.begin("machine", kMachineVersion);
    w.put<u64>(timebase_.now());
    w.put<u32>(static_cast<u32>(harts_.size()));
    for (const auto& h : harts_) h->save(w);
    clint_->save(w);
    plic_->save(w);
    uart_->save(w);
    rtc_->save(w);
    test_->save(w);
    w.put<u32>(static_cast<u32>(virtio_transports_.size()));
    for (const auto& t : virtio_transports_) t->save(w);
    write_snapshot_file(file, w, *ram_);
}

void VirtMachine::restore_state(const SnapshotFile& snapshot) {
    mem::StateReader r = snapshot.state();
    r.begin("machine", kMachineVersion);
    timebase_.set(r.get<u64>());
    const u32 harts = r.get<u32>();
    if (harts != harts_.size()) r.mismatch("the hart count", harts, harts_.size());
    for (auto& h : harts_) h->load(r);
    // In save order. The interrupt controllers drive the harts' lines as they load, the
    // devices then drive their (already loaded) PLIC inputs with the same levels.
    clint_->load(r);
    plic_->load(r);
    uart_->load(r);
    rtc_->load(r);
    test_->load(r);
    const u32 transports = r.get<u32>();
    if (transports != virtio_transports_.size())
        r.mismatch("the virtio device count", transports, virtio_transports_.size());
    for (auto& t : virtio_transports_) t->load(r);
    if (r.remaining() != 0) r.fail("unexpected data after the last device");
}

}  // namespace rvisor::machine
