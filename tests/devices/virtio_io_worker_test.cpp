// VirtioIoWorker on its own: a scripted VirtioIoWork stands in for a device, so each test
// controls exactly when a batch starts, blocks and ends.
#include "devices/virtio/virtio_io_worker.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

namespace rvisor::devices::virtio {
namespace {

using namespace std::chrono_literals;

constexpr auto kPatience = 5s;  // an event that must happen
constexpr auto kQuiet = 50ms;   // how long we watch for an event that must not happen
constexpr auto kPrompt = 1s;    // bound on a stop that should take about a millisecond

template <typename Pred>
bool eventually(Pred pred) {
    const auto give_up = std::chrono::steady_clock::now() + kPatience;
    while (!pred()) {
        if (std::chrono::steady_clock::now() > give_up) return false;
        std::this_thread::sleep_for(1ms);
    }
    return true;
}

struct NullHost : VirtioHost {
    Virtqueue* queue(unsigned) override { return nullptr; }
    void notify_used() override {}
    void needs_reset() override {}
};

// Records every serve(); in Gate mode a batch waits for release(), in Poll mode it runs until
// the worker asks it to stop.
class ScriptedWork : public VirtioIoWork {
  public:
    enum class Mode { Quick, Gate, Poll };

    void attach(const VirtioIoWorker& w) { worker_ = &w; }
    void set_mode(Mode m) {
        std::lock_guard lock(mu_);
        mode_ = m;
    }

    void serve(VirtioHost& host) override {
        std::unique_lock lock(mu_);
        ++started_;
        in_serve_ = true;
        last_host_ = &host;
        last_thread_ = std::this_thread::get_id();
        cv_.notify_all();
        if (mode_ == Mode::Gate) {
            cv_.wait(lock, [this] { return released_; });
            released_ = false;
        } else if (mode_ == Mode::Poll) {
            lock.unlock();
            const auto give_up = std::chrono::steady_clock::now() + 10s;
            while (!worker_->stop_requested() && std::chrono::steady_clock::now() < give_up)
                std::this_thread::sleep_for(1ms);
            lock.lock();
            saw_stop_ = worker_->stop_requested();
        }
        ++finished_;
        in_serve_ = false;
        cv_.notify_all();
    }

    void release() {
        std::lock_guard lock(mu_);
        released_ = true;
        cv_.notify_all();
    }
    // Waits until at least n batches started / finished.
    bool wait_started(int n) {
        std::unique_lock lock(mu_);
        return cv_.wait_for(lock, kPatience, [&] { return started_ >= n; });
    }
    bool wait_finished(int n) {
        std::unique_lock lock(mu_);
        return cv_.wait_for(lock, kPatience, [&] { return finished_ >= n; });
    }
    int started() {
        std::lock_guard lock(mu_);
        return started_;
    }
    int finished() {
        std::lock_guard lock(mu_);
        return finished_;
    }
    bool in_serve() {
        std::lock_guard lock(mu_);
        return in_serve_;
    }
    bool saw_stop() {
        std::lock_guard lock(mu_);
        return saw_stop_;
    }
    VirtioHost* last_host() {
        std::lock_guard lock(mu_);
        return last_host_;
    }
    std::thread::id last_thread() {
        std::lock_guard lock(mu_);
        return last_thread_;
    }

  private:
    const VirtioIoWorker* worker_ = nullptr;
    std::mutex mu_;
    std::condition_variable cv_;
    Mode mode_ = Mode::Quick;
    int started_ = 0;
    int finished_ = 0;
    bool in_serve_ = false;
    bool released_ = false;
    bool saw_stop_ = false;
    VirtioHost* last_host_ = nullptr;
    std::thread::id last_thread_;
};

struct Fixture {
    Fixture() { work.attach(worker); }
    NullHost host;
    ScriptedWork work;
    VirtioIoWorker worker{work};
};

TEST(VirtioIoWorker, KickRunsWorkOnTheWorkerThread) {
    Fixture f;
    f.worker.kick();  // not active yet: ignored
    std::this_thread::sleep_for(kQuiet);
    EXPECT_EQ(f.work.started(), 0);

    f.worker.activate(f.host);  // serves what was queued before DRIVER_OK
    ASSERT_TRUE(f.work.wait_finished(1));
    EXPECT_EQ(f.work.last_host(), &f.host);
    EXPECT_NE(f.work.last_thread(), std::this_thread::get_id());
    const std::thread::id io_thread = f.work.last_thread();

    f.worker.kick();
    ASSERT_TRUE(f.work.wait_finished(2));
    EXPECT_EQ(f.work.last_thread(), io_thread);  // one thread for the device's lifetime
    EXPECT_FALSE(f.worker.stop_requested());
}

TEST(VirtioIoWorker, KicksDuringABatchCoalesceIntoOne) {
    Fixture f;
    f.work.set_mode(ScriptedWork::Mode::Gate);
    f.worker.activate(f.host);
    ASSERT_TRUE(f.work.wait_started(1));
    for (int i = 0; i < 5; ++i) f.worker.kick();
    f.work.set_mode(ScriptedWork::Mode::Quick);
    f.work.release();
    ASSERT_TRUE(f.work.wait_finished(2));
    std::this_thread::sleep_for(kQuiet);
    EXPECT_EQ(f.work.started(), 2);  // the batch in hand, then one for all five kicks
}

TEST(VirtioIoWorker, PauseWaitsForTheBatchInHandAndResumeServesDeferredKicks) {
    Fixture f;
    f.work.set_mode(ScriptedWork::Mode::Gate);
    f.worker.activate(f.host);
    ASSERT_TRUE(f.work.wait_started(1));

    auto paused = std::async(std::launch::async, [&] {
        f.worker.pause();
        return f.work.finished();  // what had finished when pause() returned
    });
    ASSERT_TRUE(eventually([&] { return f.worker.stop_requested(); }));  // pause() began
    EXPECT_EQ(paused.wait_for(kQuiet), std::future_status::timeout);     // batch still in hand
    f.work.set_mode(ScriptedWork::Mode::Quick);
    f.work.release();
    ASSERT_EQ(paused.wait_for(kPatience), std::future_status::ready);
    EXPECT_EQ(paused.get(), 1);
    EXPECT_FALSE(f.work.in_serve());

    // Paused: kicks (and a re-activation, as a snapshot load does) are only recorded.
    f.worker.kick();
    f.worker.activate(f.host);
    f.worker.pause();  // idempotent
    std::this_thread::sleep_for(kQuiet);
    EXPECT_EQ(f.work.started(), 1);
    EXPECT_TRUE(f.worker.stop_requested());

    f.worker.resume();
    ASSERT_TRUE(f.work.wait_finished(2));
    EXPECT_FALSE(f.worker.stop_requested());
    f.worker.resume();  // idempotent: no extra batch
    std::this_thread::sleep_for(kQuiet);
    EXPECT_EQ(f.work.started(), 2);
}

TEST(VirtioIoWorker, ResumeServesTheRingsAfterABatchCutShortByPause) {
    Fixture f;
    f.work.set_mode(ScriptedWork::Mode::Poll);
    f.worker.activate(f.host);
    ASSERT_TRUE(f.work.wait_started(1));
    const auto t0 = std::chrono::steady_clock::now();
    f.worker.pause();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, kPrompt);
    EXPECT_EQ(f.work.finished(), 1);
    EXPECT_TRUE(f.work.saw_stop());

    // No kick: the cut batch may have left requests in the ring, so resume() serves anyway.
    f.work.set_mode(ScriptedWork::Mode::Quick);
    f.worker.resume();
    ASSERT_TRUE(f.work.wait_finished(2));
}

TEST(VirtioIoWorker, ResetStopsALongBatchPromptly) {
    Fixture f;
    f.work.set_mode(ScriptedWork::Mode::Poll);
    f.worker.activate(f.host);
    ASSERT_TRUE(f.work.wait_started(1));

    const auto t0 = std::chrono::steady_clock::now();
    f.worker.reset();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, kPrompt);
    EXPECT_EQ(f.work.finished(), 1);  // serve() returned before reset() did
    EXPECT_TRUE(f.work.saw_stop());

    // Inactive: kicks are ignored, not deferred.
    f.worker.kick();
    std::this_thread::sleep_for(kQuiet);
    EXPECT_EQ(f.work.started(), 1);

    f.work.set_mode(ScriptedWork::Mode::Quick);
    f.worker.activate(f.host);
    ASSERT_TRUE(f.work.wait_finished(2));
    EXPECT_FALSE(f.worker.stop_requested());
}

TEST(VirtioIoWorker, DestructionStopsTheBatchAndJoins) {
    NullHost host;
    ScriptedWork work;
    auto worker = std::make_unique<VirtioIoWorker>(work);
    work.attach(*worker);
    work.set_mode(ScriptedWork::Mode::Poll);
    worker->activate(host);
    ASSERT_TRUE(work.wait_started(1));

    const auto t0 = std::chrono::steady_clock::now();
    worker.reset();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, kPrompt);
    EXPECT_EQ(work.finished(), 1);  // the thread left serve() before the destructor returned
    EXPECT_FALSE(work.in_serve());
    EXPECT_TRUE(work.saw_stop());
}

}  // namespace
}  // namespace rvisor::devices::virtio
