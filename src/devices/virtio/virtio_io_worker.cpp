#include "devices/virtio/virtio_io_worker.hpp"

namespace rvisor::devices::virtio {

VirtioIoWorker::VirtioIoWorker(VirtioIoWork& work) : work_(work) {
    thread_ = std::jthread([this](std::stop_token st) { run(st); });
}

VirtioIoWorker::~VirtioIoWorker() {
    {
        std::lock_guard lock(mu_);
        stop_batch_ = true;
    }
    thread_.request_stop();
    if (thread_.joinable()) thread_.join();
}

void VirtioIoWorker::activate(VirtioHost& host) {
    std::lock_guard lock(mu_);
    host_ = &host;
    active_ = true;
    kicked_ = true;  // serve whatever the driver queued before DRIVER_OK
    stop_batch_ = paused_;
    wake_.notify_all();
}

void VirtioIoWorker::kick() {
    std::lock_guard lock(mu_);
    if (!active_) return;
    kicked_ = true;
    wake_.notify_all();
}

void VirtioIoWorker::reset() {
    std::unique_lock lock(mu_);
    active_ = false;
    kicked_ = false;
    stop_batch_ = true;
    idle_.wait(lock, [this] { return !busy_; });
    host_ = nullptr;
}

void VirtioIoWorker::pause() {
    std::unique_lock lock(mu_);
    paused_ = true;
    stop_batch_ = true;
    idle_.wait(lock, [this] { return !busy_; });
}

void VirtioIoWorker::resume() {
    std::lock_guard lock(mu_);
    if (!paused_) return;
    paused_ = false;
    stop_batch_ = false;
    // A batch cut short by pause() may have left chains in the ring, and kicks during the
    // pause were only recorded: look at the rings again.
    kicked_ = true;
    wake_.notify_all();
}

void VirtioIoWorker::run(std::stop_token stop) {
    std::unique_lock lock(mu_);
    for (;;) {
        if (!wake_.wait(lock, stop, [this] { return kicked_ && active_ && !paused_; })) return;
        kicked_ = false;
        busy_ = true;
        VirtioHost* host = host_;
        lock.unlock();
        work_.serve(*host);
        lock.lock();
        busy_ = false;
        idle_.notify_all();
    }
}

}  // namespace rvisor::devices::virtio
