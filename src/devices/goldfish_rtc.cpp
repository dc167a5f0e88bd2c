#include "devices/goldfish_rtc.hpp"

#include <algorithm>
#include <chrono>

namespace rvisor::devices {

namespace {

// Longest sleep of the alarm thread while an alarm is armed: bounds how late a host clock step
// can make the alarm, at the cost of one wakeup a second while an alarm waits.
constexpr u64 kMaxSleepNs = 1'000'000'000;

u64 deposit_low(u64 v, u32 low) {
    return (v & ~0xffff'ffffULL) | low;
}
u64 deposit_high(u64 v, u32 high) {
    return (v & 0xffff'ffffULL) | static_cast<u64>(high) << 32;
}

}  // namespace

GoldfishRtc::GoldfishRtc(IrqLine irq) : irq_(irq) {
    // Started here rather than in the initialiser list so every member is constructed first.
    thread_ = std::jthread([this](std::stop_token stop) { alarm_loop(stop); });
}

GoldfishRtc::~GoldfishRtc() {
    // Explicit, so the thread is gone before any member it uses is destroyed, whatever the
    // member order. condition_variable_any's stop_token waits wake on request_stop().
    thread_.request_stop();
    thread_.join();
}

u64 GoldfishRtc::host_ns() {
    using namespace std::chrono;
    return static_cast<u64>(
        duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count());
}

u64 GoldfishRtc::now_ns() const {
    std::lock_guard lock(mu_);
    return now_locked();
}

void GoldfishRtc::pause() {
    std::lock_guard lock(mu_);
    paused_ = true;
    kick_locked();
}

void GoldfishRtc::resume() {
    std::lock_guard lock(mu_);
    paused_ = false;
    kick_locked();
}

void GoldfishRtc::set_irq_line(IrqLine irq) {
    std::lock_guard lock(mu_);
    irq_ = irq;
    update_irq_locked();
}

void GoldfishRtc::reset() {
    std::lock_guard lock(mu_);
    // QEMU's goldfish_rtc_reset(): alarm stopped and zeroed, interrupt cleared and disabled.
    // The offset (the guest's idea of the date) is kept, like a battery-backed clock.
    alarm_ = 0;
    alarm_running_ = false;
    irq_pending_ = false;
    irq_enabled_ = false;
    time_high_ = 0;
    high_written_ = false;
    update_irq_locked();
    kick_locked();
}

bool GoldfishRtc::read(u64 offset, unsigned, u64& value) {
    std::lock_guard lock(mu_);
    switch (offset) {
        case kTimeLow: {
            // Reading the low half latches the high half, so a LOW-then-HIGH pair reads one
            // consistent 64-bit time (Linux's goldfish_rtc_read_time relies on it).
            const u64 t = now_locked();
            time_high_ = static_cast<u32>(t >> 32);
            value = static_cast<u32>(t);
            break;
        }
        case kTimeHigh: value = time_high_; break;
        case kAlarmLow: value = static_cast<u32>(alarm_); break;
        case kAlarmHigh: value = static_cast<u32>(alarm_ >> 32); break;
        case kIrqEnabled: value = irq_enabled_; break;
        case kAlarmStatus: value = alarm_running_; break;
        default: value = 0; break;
    }
    return true;
}

bool GoldfishRtc::write(u64 offset, unsigned, u64 value) {
    const u32 v = static_cast<u32>(value);
    std::lock_guard lock(mu_);
    switch (offset) {
        case kTimeLow: {
            const u64 now = now_locked();
            const u64 base = high_written_ ? deposit_high(now, written_high_) : now;
            set_time_locked(deposit_low(base, v));
            high_written_ = false;
            kick_locked();  // the alarm's distance changed
            break;
        }
        case kTimeHigh:
            set_time_locked(deposit_high(now_locked(), v));
            written_high_ = v;
            high_written_ = true;
            kick_locked();
            break;
        case kAlarmLow:
            alarm_ = deposit_low(alarm_, v);
            arm_locked();
            break;
        case kAlarmHigh: alarm_ = deposit_high(alarm_, v); break;
        case kIrqEnabled:
            irq_enabled_ = v & 1;
            update_irq_locked();
            break;
        case kClearAlarm:
            alarm_running_ = false;
            kick_locked();
            break;
        case kClearInterrupt:
            irq_pending_ = false;
            update_irq_locked();
            break;
        default: break;  // TIME_HIGH latch, ALARM_STATUS and the rest of the page: read-only
    }
    return true;
}

void GoldfishRtc::arm_locked() {
    // QEMU's goldfish_rtc_set_alarm(): an alarm time that has already come fires at once
    // (unsigned compare), otherwise the alarm runs until it is due.
    if (alarm_ <= now_locked()) {
        fire_locked();
        return;
    }
    alarm_running_ = true;
    kick_locked();
}

void GoldfishRtc::fire_locked() {
    alarm_running_ = false;
    irq_pending_ = true;
    update_irq_locked();
}

void GoldfishRtc::kick_locked() {
    ++generation_;
    cv_.notify_all();
}

void GoldfishRtc::alarm_loop(std::stop_token stop) {
    std::unique_lock lock(mu_);
    while (!stop.stop_requested()) {
        const u64 seen = generation_;
        const auto changed = [&] { return generation_ != seen; };
        if (!alarm_running_ || paused_) {
            cv_.wait(lock, stop, changed);
            continue;
        }
        const u64 now = now_locked();
        if (alarm_ <= now) {
            fire_locked();
            continue;
        }
        const u64 wait_ns = std::min(alarm_ - now, kMaxSleepNs);
        cv_.wait_for(lock, stop, std::chrono::nanoseconds(static_cast<i64>(wait_ns)), changed);
    }
}

}  // namespace rvisor::devices

namespace rvisor::devices {

void GoldfishRtc::save(mem::StateWriter& w) const {
    std::lock_guard lock(mu_);
    w.begin("goldfish-rtc", 1);
    w.put<u64>(offset_);
    w.put<u32>(time_high_);
    w.put<u32>(written_high_);
    w.put<bool>(high_written_);
    w.put<u64>(alarm_);
    w.put<bool>(alarm_running_);
    w.put<bool>(irq_pending_);
    w.put<bool>(irq_enabled_);
}

void GoldfishRtc::load(mem::StateReader& r) {
    r.begin("goldfish-rtc", 1);
    std::lock_guard lock(mu_);
    offset_ = r.get<u64>();
    time_high_ = r.get<u32>();
    written_high_ = r.get<u32>();
    high_written_ = r.get<bool>();
    alarm_ = r.get<u64>();
    alarm_running_ = r.get<bool>();
    irq_pending_ = r.get<bool>();
    irq_enabled_ = r.get<bool>();
    update_irq_locked();
    kick_locked();
}

}  // namespace rvisor::devices
