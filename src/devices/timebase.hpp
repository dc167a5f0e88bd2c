// The machine's time base: the 64-bit tick counter behind the CLINT's mtime register and every
// hart's `time` CSR. It runs at kFrequencyHz (10 MHz, the virt board's device-tree
// "timebase-frequency") from the host's monotonic clock, so guest time advances in real time
// whether or not a vCPU runs, and never jumps backwards with the host's wall clock.
//
// One Timebase per machine, shared by reference between the CLINT (which can write it, as
// ACLINT allows for MTIME) and the harts (which read it for `time` and to decide MTIP). All
// members are thread-safe: now() is two atomic loads plus a clock read, set() two atomic stores.
// pause()/resume() freeze the count while the machine is paused (VirtMachine::pause).
#pragma once

#include <atomic>
#include <chrono>

#include "base/types.hpp"

namespace rvisor::devices {

class Timebase {
  public:
    static constexpr u64 kFrequencyHz = 10'000'000;
    static constexpr u64 kNanosPerTick = 1'000'000'000 / kFrequencyHz;  // 100 ns

    // Starts counting from `initial` ticks now (power-on: mtime = 0).
    explicit Timebase(u64 initial = 0) : epoch_(std::chrono::steady_clock::now()) { set(initial); }
    Timebase(const Timebase&) = delete;
    Timebase& operator=(const Timebase&) = delete;

    // Current tick count. Wraps modulo 2^64 like a hardware counter (after ~58,000 years).
    // While paused, the value at the pause.
    u64 now() const {
        if (RVISOR_UNLIKELY(paused_.load(std::memory_order_acquire)))
            return frozen_.load(std::memory_order_relaxed);
        return host_ticks() + offset_.load(std::memory_order_acquire);
    }

    // Makes now() return `value` at this instant; the count continues from there (or stays
    // there while paused).
    void set(u64 value) {
        frozen_.store(value, std::memory_order_relaxed);
        offset_.store(value - host_ticks(), std::memory_order_release);
    }

    // Stops the count (a paused VM: guest time must not jump when it resumes) and restarts it
    // from the same value. Not reentrant: the machine calls them from one control thread.
    void pause() {
        if (paused_.load(std::memory_order_relaxed)) return;
        frozen_.store(now(), std::memory_order_relaxed);
        paused_.store(true, std::memory_order_release);
    }
    void resume() {
        if (!paused_.load(std::memory_order_relaxed)) return;
        offset_.store(frozen_.load(std::memory_order_relaxed) - host_ticks(),
                      std::memory_order_release);
        paused_.store(false, std::memory_order_release);
    }
    bool paused() const { return paused_.load(std::memory_order_acquire); }

    // Conversions between ticks and host durations, e.g. to arm a host timer for a guest
    // deadline. duration() saturates (mtimecmp = all ones means "never").
    static constexpr u64 ticks(std::chrono::nanoseconds d) {
        return d.count() <= 0 ? 0 : static_cast<u64>(d.count()) / kNanosPerTick;
    }
    static constexpr std::chrono::nanoseconds duration(u64 ticks) {
        constexpr u64 kMax = static_cast<u64>(std::chrono::nanoseconds::max().count());
        return std::chrono::nanoseconds(
            static_cast<i64>(ticks > kMax / kNanosPerTick ? kMax : ticks * kNanosPerTick));
    }

  private:
    // Whole ticks since the epoch. Unsigned arithmetic on the offset makes set() exact.
    u64 host_ticks() const {
        return ticks(std::chrono::duration_cast<std::chrono::nanoseconds>(
            std::chrono::steady_clock::now() - epoch_));
    }

    const std::chrono::steady_clock::time_point epoch_;
    std::atomic<u64> offset_{0};  // now() - host_ticks(), modulo 2^64
    std::atomic<bool> paused_{false};
    std::atomic<u64> frozen_{0};  // now() while paused
};

}  // namespace rvisor::devices
