// Goldfish RTC as on QEMU's virt board (0x101000, PLIC source 11, device tree compatible
// "google,goldfish-rtc", Linux driver drivers/rtc/rtc-goldfish.c). Registers, all 32 bits:
//
//   0x00 TIME_LOW         read: current time, low half; latches the high half into TIME_HIGH
//                         write: sets the low half of the time
//   0x04 TIME_HIGH        read: the latched high half; write: sets the high half of the time
//   0x08 ALARM_LOW        low half of the alarm time; a write arms the alarm
//   0x0c ALARM_HIGH       high half of the alarm time (write it first: it does not arm)
//   0x10 IRQ_ENABLED      bit 0 gates the interrupt line
//   0x14 CLEAR_ALARM      write: disarms the alarm
//   0x18 ALARM_STATUS     read: 1 while the alarm is armed and has not fired
//   0x1c CLEAR_INTERRUPT  write: acknowledges a fired alarm (lowers the line)
//
// Semantics follow QEMU's hw/rtc/goldfish_rtc.c, which is what the Linux driver runs against:
// time is nanoseconds since the Unix epoch; the driver reads TIME_LOW then TIME_HIGH, writes
// TIME_HIGH then TIME_LOW to set the clock, writes ALARM_HIGH, ALARM_LOW, then IRQ_ENABLED=1 to
// set an alarm, reads ALARM_STATUS and writes CLEAR_ALARM to cancel one, and writes
// CLEAR_INTERRUPT in its interrupt handler. The line is high while a fired alarm is
// unacknowledged AND IRQ_ENABLED is set. An alarm at or before the current time fires at once.
// Registers that read nothing (the CLEAR_* ones) and the rest of the 4 KiB page read 0 and
// ignore writes, as in QEMU (which logs a guest error). Access size: 32 bits only (QEMU's
// region validates 4..4).
//
// Time base: the host's wall clock (std::chrono::system_clock) plus an offset. Guest writes to
// TIME move only the offset, never the host clock. Each half-write sets the time at once, as in
// QEMU; one refinement: a TIME_LOW write right after a TIME_HIGH write uses the written high
// half verbatim, so the low half wrapping between the two writes cannot put the clock 4.3 s
// off (QEMU re-reads the running high half there).
//
// Alarm: one host thread per RTC (std::jthread) sleeps until the alarm's time and raises the
// line. It re-evaluates on every change (alarm armed or cancelled, time set, reset) and at
// least once a second while armed, so a step of the host clock (NTP, suspend) delays the alarm
// by at most a second. The thread is stopped and joined by the destructor.
//
// Reset: alarm disarmed, alarm time 0, IRQ_ENABLED 0, interrupt acknowledged, as in QEMU. The
// time offset survives: a reset does not stop a battery-backed clock.
//
// Thread safety: one mutex guards the state; the interrupt line is driven with it held (from a
// vCPU thread or the alarm thread), so its level changes reach the controller in order. The
// sink must not call back into the RTC (InterruptSink's contract).
#pragma once

#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <string_view>
#include <thread>

#include "base/types.hpp"
#include "devices/interrupt_sink.hpp"
#include "mem/mmio_device.hpp"
#include "mem/state_io.hpp"

namespace rvisor::devices {

class GoldfishRtc final : public mem::MmioDevice {
  public:
    static constexpr u64 kTimeLow = 0x00;
    static constexpr u64 kTimeHigh = 0x04;
    static constexpr u64 kAlarmLow = 0x08;
    static constexpr u64 kAlarmHigh = 0x0c;
    static constexpr u64 kIrqEnabled = 0x10;
    static constexpr u64 kClearAlarm = 0x14;
    static constexpr u64 kAlarmStatus = 0x18;
    static constexpr u64 kClearInterrupt = 0x1c;

    // Starts the alarm thread. `irq` may be left unconnected and set later with set_irq_line().
    explicit GoldfishRtc(IrqLine irq = {});
    // Stops and joins the alarm thread.
    ~GoldfishRtc() override;
    GoldfishRtc(const GoldfishRtc&) = delete;
    GoldfishRtc& operator=(const GoldfishRtc&) = delete;

    // Connects the interrupt wire when the controller is built after the RTC, and drives it
    // with the current level at once.
    void set_irq_line(IrqLine irq);

    std::string_view name() const override { return "rtc"; }
    unsigned min_access_size() const override { return 4; }
    unsigned max_access_size() const override { return 4; }
    bool read(u64 offset, unsigned size, u64& value) override;
    bool write(u64 offset, unsigned size, u64 value) override;
    void reset() override;

    // The guest's current time in nanoseconds since the Unix epoch (host clock + offset), for
    // the machine (e.g. snapshots) and tests.
    u64 now_ns() const;

    // A paused machine: the alarm does not fire (it fires on resume if its time has come).
    // The clock itself keeps the host's wall-clock time, like a battery-backed RTC.
    void pause();
    void resume();

    // Snapshots: the register state as one versioned section (mem/state_io.hpp). load()
    // drives the outputs with the loaded state and throws std::runtime_error on a malformed
    // or mismatching section. The time is kept as its offset from the host's wall clock, so a
    // restored guest's clock shows the host's time (plus whatever the guest set).
    void save(mem::StateWriter& w) const;
    void load(mem::StateReader& r);

  private:
    static u64 host_ns();
    u64 now_locked() const { return host_ns() + offset_; }
    void set_time_locked(u64 t) { offset_ = t - host_ns(); }
    // Arms the alarm at alarm_ (or fires it at once if that time has come).
    void arm_locked();
    void fire_locked();
    void update_irq_locked() { irq_.set(irq_pending_ && irq_enabled_); }
    // Wakes the alarm thread to re-evaluate its deadline.
    void kick_locked();
    void alarm_loop(std::stop_token stop);

    mutable std::mutex mu_;  // guards everything below except the thread
    std::condition_variable_any cv_;
    IrqLine irq_;
    u64 offset_ = 0;        // guest time - host time, modulo 2^64
    u32 time_high_ = 0;     // TIME_HIGH as latched by the last TIME_LOW read
    u32 written_high_ = 0;  // the last TIME_HIGH write, valid while high_written_
    bool high_written_ = false;
    u64 alarm_ = 0;  // ALARM_HIGH:ALARM_LOW
    bool alarm_running_ = false;
    bool irq_pending_ = false;  // the alarm fired and CLEAR_INTERRUPT has not been written
    bool irq_enabled_ = false;
    bool paused_ = false;
    u64 generation_ = 0;  // bumped by kick_locked(); the alarm thread waits for a change

    // Started by the constructor body and joined by the destructor, so it only ever sees
    // fully constructed members.
    std::jthread thread_;
};

}  // namespace rvisor::devices
