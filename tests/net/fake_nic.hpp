// A stand-in for a VM NIC on a switch port: records what the switch delivers and lets a test
// wait for a frame matching a predicate.
#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <vector>

#include "base/types.hpp"
#include "net/ethernet_switch.hpp"

namespace rvisor::net::testing {

using Mac = std::array<u8, 6>;
using Frame = std::vector<u8>;

class FakeNic : public NetPort {
  public:
    explicit FakeNic(EthernetSwitch& sw) : sw_(sw), port_(sw.attach(*this)) {}
    ~FakeNic() override { sw_.detach(port_); }

    void deliver(std::span<const u8> f) override {
        std::lock_guard lock(mu_);
        frames_.emplace_back(f.begin(), f.end());
        cv_.notify_all();
    }
    void send(std::span<const u8> f) { sw_.send(port_, f); }

    // The first received frame (oldest first) satisfying `match`, waiting up to `timeout`.
    std::optional<Frame> wait_for(const std::function<bool(const Frame&)>& match,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
        std::unique_lock lock(mu_);
        std::optional<Frame> found;
        cv_.wait_for(lock, timeout, [&] {
            for (const Frame& f : frames_)
                if (match(f)) {
                    found = f;
                    return true;
                }
            return false;
        });
        return found;
    }
    std::size_t count() {
        std::lock_guard lock(mu_);
        return frames_.size();
    }

  private:
    EthernetSwitch& sw_;
    SwitchPortId port_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::vector<Frame> frames_;
};

inline u16 be16(const Frame& f, std::size_t at) {
    return static_cast<u16>(f[at] << 8 | f[at + 1]);
}
inline void put16(Frame& f, std::size_t at, u16 v) {
    f[at] = static_cast<u8>(v >> 8);
    f[at + 1] = static_cast<u8>(v);
}

// Polls `cond` every few ms until true or the timeout; returns its last value.
inline bool eventually(const std::function<bool()>& cond,
                       std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (!cond()) {
        if (std::chrono::steady_clock::now() > end) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

}  // namespace rvisor::net::testing
