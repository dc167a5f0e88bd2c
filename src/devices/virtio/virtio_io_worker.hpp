// The I/O thread of a virtio device, and its quiesce protocol.
//
// A device's backend (a disk file, the Ethernet switch) may be slow, so no I/O happens on a
// vCPU thread: queue_notify() only kicks the worker, whose thread then calls the device's
// VirtioIoWork::serve() to walk its ring(s), do the I/O, publish used entries and raise the
// interrupt. Kicks that arrive while a batch runs, or while the worker is paused, are
// recorded as one: the next serve() looks at the whole ring again.
//
// Quiescing, for VirtioDevice::reset() and pause()/resume() (see virtio_device.hpp):
//   - reset() stops accepting kicks, asks the batch in hand to stop (stop_requested()) and
//     waits for serve() to return; on return the worker touches neither guest memory nor the
//     host it was activated with, until the next activate().
//   - pause() asks the batch to stop and waits for serve() to return (the request in hand is
//     finished); serve() is then not called until resume(), whatever kicks or activate()
//     calls arrive. Both are idempotent.
//   - resume() serves the rings again: a batch cut short by pause() may have left chains in a
//     ring, and kicks during the pause were only recorded.
//
// Locking: `mu_` guards the state below and is never held while serve() runs, nor while the
// worker calls anything else, so serve() may take other locks (the Ethernet switch's, for
// instance) and a device may call the worker with its own locks held, provided serve() never
// waits for them. reset() and pause() release `mu_` while they wait.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "devices/virtio/virtio_device.hpp"

namespace rvisor::devices::virtio {

// What a device does when its queue(s) were kicked.
class VirtioIoWork {
  public:
    // Runs on the worker thread, without the worker's lock, after a kick while active and not
    // paused: serves whatever the rings hold. A long batch should poll
    // VirtioIoWorker::stop_requested() between requests and return soon once it is true.
    virtual void serve(VirtioHost& host) = 0;

  protected:
    ~VirtioIoWork() = default;
};

class VirtioIoWorker {
  public:
    // Starts the thread. `work` must outlive the worker; serve() is first called after
    // activate().
    explicit VirtioIoWorker(VirtioIoWork& work);
    // Asks a running batch to stop and joins the thread.
    ~VirtioIoWorker();
    VirtioIoWorker(const VirtioIoWorker&) = delete;
    VirtioIoWorker& operator=(const VirtioIoWorker&) = delete;

    // The device became active with this host: serve the rings (they may already hold
    // requests queued before DRIVER_OK). A paused worker stays paused.
    void activate(VirtioHost& host);
    // The driver kicked a queue the worker serves. Never blocks on I/O (vCPU threads).
    void kick();
    // Back to inactive: see the header comment. Kicks are ignored until activate().
    void reset();
    void pause();
    void resume();

    // True when the batch in hand should stop soon (reset(), pause() or destruction).
    bool stop_requested() const { return stop_batch_.load(); }

  private:
    void run(std::stop_token stop);

    VirtioIoWork& work_;

    std::mutex mu_;  // guards the fields below
    std::condition_variable_any wake_;
    std::condition_variable idle_;
    VirtioHost* host_ = nullptr;
    bool active_ = false;
    bool kicked_ = false;
    bool busy_ = false;                    // serve() is running
    bool paused_ = false;                  // pause(): serve() is not called
    std::atomic<bool> stop_batch_{false};  // read by serve() without `mu_`

    std::jthread thread_;  // last: started after, and stopped before, everything above
};

}  // namespace rvisor::devices::virtio
