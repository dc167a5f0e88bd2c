// Keeps the harts' decoded-code caches coherent with each other. Every hart caches decoded
// blocks privately; when one hart writes to a page holding code, or starts caching code from
// a page, the others must hear of it: they drop their blocks for a written page, and drop
// their fast-path write entries for a newly marked page so their stores to it reach the
// invalidation slow path. Events go into a small ring; subscribers get an event bit set, so a
// hart notices at its next block boundary at no cost per block.
#pragma once

#include <array>
#include <atomic>
#include <mutex>
#include <vector>

#include "base/types.hpp"

namespace rvisor::mem {

struct CodeEvent {
    enum class Kind : u8 { Written, Marked };
    u64 ppage = 0;
    u32 source = 0;  // id of the hart that caused it (it has handled it already)
    Kind kind = Kind::Written;
};

class CodeEventLog {
  public:
    static constexpr u64 kCapacity = 4096;

    // The subscriber's `flags` gets `bit` set (release) whenever an event is published.
    void subscribe(std::atomic<u32>* flags, u32 bit) {
        std::lock_guard lock(mutex_);
        subscribers_.push_back({flags, bit});
    }
    void unsubscribe(std::atomic<u32>* flags) {
        std::lock_guard lock(mutex_);
        std::erase_if(subscribers_, [flags](const Subscriber& s) { return s.flags == flags; });
    }

    void publish(const CodeEvent& e) {
        std::lock_guard lock(mutex_);
        ring_[next_ % kCapacity] = e;
        ++next_;
        for (const Subscriber& s : subscribers_)
            s.flags->fetch_or(s.bit, std::memory_order_release);
    }

    // Calls f(event) for every event after `seen` and returns the new position. When more
    // than kCapacity events were missed, calls overflow() instead (drop everything).
    template <typename F, typename Overflow>
    u64 drain(u64 seen, F&& f, Overflow&& overflow) const {
        std::lock_guard lock(mutex_);
        if (next_ - seen > kCapacity) {
            overflow();
            return next_;
        }
        for (u64 i = seen; i < next_; ++i) f(ring_[i % kCapacity]);
        return next_;
    }

    u64 position() const {
        std::lock_guard lock(mutex_);
        return next_;
    }

  private:
    struct Subscriber {
        std::atomic<u32>* flags;
        u32 bit;
    };
    mutable std::mutex mutex_;
    std::array<CodeEvent, kCapacity> ring_{};
    u64 next_ = 0;
    std::vector<Subscriber> subscribers_;
};

}  // namespace rvisor::mem
