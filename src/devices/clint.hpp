// SiFive CLINT (core-local interruptor) as on QEMU's virt board (0x02000000, size 0x10000),
// laid out like the RISC-V ACLINT's MSWI and MTIMER devices at their CLINT-compatible offsets:
//
//   0x0000 + 4*hart   msip[hart]      32-bit; bit 0 drives the hart's mip.MSIP, bits 31:1 read 0
//   0x4000 + 8*hart   mtimecmp[hart]  64-bit; the hart's mip.MTIP is (mtime >= mtimecmp)
//   0xBFF8            mtime           64-bit, 10 MHz (timebase-frequency 10000000), writable
//
// Access sizes, as QEMU's hw/intc/riscv_aclint.c validates them: msip accepts only 32-bit
// accesses (the MSWI region's ops are 4..4), mtimecmp and mtime accept 32-bit accesses to
// either half and 64-bit accesses (4..8). 1- and 2-byte accesses are access faults (the bus
// enforces min_access_size), as is an 8-byte access to msip. Registers of harts that do not
// exist, and the gaps in the window, read 0 and ignore writes.
//
// Power-on state: msip = 0 and mtime = 0 (ACLINT: MTIME is cleared on reset); mtimecmp = all
// ones, so no timer interrupt is pending until firmware programs it. The ACLINT spec leaves
// mtimecmp unknown at reset. QEMU 7.2 starts it at 0 (its CPU state's timecmp is
// zero-initialised), so there MTIP is pending from the first instruction; rvisor chooses the
// value that raises nothing, which firmware cannot tell apart from "unknown".
//
// The CLINT does not know the CPU type. It drives the harts through HartInterruptTarget: msip
// writes become set_software_interrupt(), mtimecmp writes become set_timer_compare(), and the
// hart itself compares the shared Timebase with the compare value to raise MTIP (so a timer
// interrupt needs no CLINT call at expiry). Writing mtime moves the Timebase, which every hart
// reads, so no call is needed for that either; the harts must re-evaluate MTIP against the new
// time, as they do on every check.
//
// Thread safety: any number of vCPU threads may access the CLINT concurrently. One mutex
// serialises register accesses; target calls are made with it held, so the order in which a
// hart sees compare values is the order of the register writes. A target must therefore never
// call back into the CLINT.
#pragma once

#include <mutex>
#include <string_view>
#include <vector>

#include "base/types.hpp"
#include "devices/timebase.hpp"
#include "mem/mmio_device.hpp"
#include "mem/state_io.hpp"

namespace rvisor::devices {

// What the CLINT needs from the harts. Implemented by the machine (forwarding to its harts).
class HartInterruptTarget {
  public:
    virtual ~HartInterruptTarget() = default;

    // mip.MSIP of `hart` follows `level` (msip[hart] bit 0).
    virtual void set_software_interrupt(unsigned hart, bool level) = 0;
    // The hart raises mip.MTIP while time >= mtimecmp (unsigned compare), time being the
    // Timebase shared with the CLINT.
    virtual void set_timer_compare(unsigned hart, u64 mtimecmp) = 0;
};

class Clint final : public mem::MmioDevice {
  public:
    static constexpr u64 kMsipBase = 0x0000;
    static constexpr u64 kMtimecmpBase = 0x4000;
    static constexpr u64 kMtimeOffset = 0xbff8;
    static constexpr u64 kSize = 0x10000;
    // mtimecmp slots between 0x4000 and mtime: 4095 harts.
    static constexpr unsigned kMaxHarts = (kMtimeOffset - kMtimecmpBase) / 8;
    static constexpr u64 kMtimecmpReset = ~0ULL;

    // `num_harts` is 1..kMaxHarts (clamped). `timebase` must outlive the CLINT. `target` may
    // be null and connected later with set_target().
    Clint(unsigned num_harts, Timebase& timebase, HartInterruptTarget* target = nullptr);

    // Connects the harts and drives every hart's msip level and compare value at once.
    void set_target(HartInterruptTarget* target);

    std::string_view name() const override { return "clint"; }
    unsigned min_access_size() const override { return 4; }
    unsigned max_access_size() const override { return 8; }
    bool read(u64 offset, unsigned size, u64& value) override;
    bool write(u64 offset, unsigned size, u64 value) override;
    // msip = 0, mtimecmp = all ones, mtime = 0; forwarded to the target.
    void reset() override;

    unsigned num_harts() const { return static_cast<unsigned>(harts_.size()); }
    // Current register values, for the machine (e.g. snapshots, a debugger) and tests.
    bool msip(unsigned hart) const;
    u64 mtimecmp(unsigned hart) const;

    // Snapshots: the register state as one versioned section (mem/state_io.hpp). load()
    // drives the outputs with the loaded state and throws std::runtime_error on a malformed
    // or mismatching section. mtime is the machine's Timebase, saved by the machine.
    void save(mem::StateWriter& w) const;
    void load(mem::StateReader& r);

  private:
    struct HartRegs {
        bool msip = false;
        u64 mtimecmp = kMtimecmpReset;
    };

    // Reads or merges the 32- or 64-bit access at byte `shift` (0 or 32) of a 64-bit register.
    static u64 extract(u64 reg, unsigned size, unsigned shift);
    static u64 merge(u64 reg, unsigned size, unsigned shift, u64 value);
    void drive_all_locked();

    Timebase& timebase_;
    mutable std::mutex mu_;  // guards everything below
    HartInterruptTarget* target_;
    std::vector<HartRegs> harts_;
};

}  // namespace rvisor::devices
