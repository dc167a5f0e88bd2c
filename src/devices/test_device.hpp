// The SiFive test device ("finisher") of QEMU's virt board: firmware and Linux's
// syscon-poweroff / syscon-reboot drivers write one 32-bit register to power off, report a
// failure code, or reset. Device tree compatible: "sifive,test1", "sifive,test0", "syscon".
#pragma once

#include <functional>
#include <string_view>

#include "base/types.hpp"
#include "mem/mmio_device.hpp"
#include "mem/state_io.hpp"

namespace rvisor::devices {

struct PowerRequest {
    enum class Kind { Poweroff, Fail, Reset };
    Kind kind;
    u16 code;  // exit code: 0 for Poweroff and Reset, value >> 16 for Fail
};

class TestDevice final : public mem::MmioDevice {
  public:
    // Written values (low 16 bits), as in QEMU's hw/misc/sifive_test.c.
    static constexpr u32 kFail = 0x3333;
    static constexpr u32 kPass = 0x5555;
    static constexpr u32 kReset = 0x7777;

    using Handler = std::function<void(PowerRequest)>;

    // `handler` is called on the writing vCPU thread; it should only record the request and
    // ask the machine to stop, not tear the machine down from inside a device access.
    explicit TestDevice(Handler handler) : handler_(std::move(handler)) {}

    std::string_view name() const override { return "test"; }
    unsigned min_access_size() const override { return 4; }
    unsigned max_access_size() const override { return 4; }
    bool read(u64 offset, unsigned size, u64& value) override;
    bool write(u64 offset, unsigned size, u64 value) override;

    // Snapshots: the device has no state, but writes its (empty) section like every device,
    // so a snapshot's device list is checked against the board's.
    void save(mem::StateWriter& w) const { w.begin("sifive-test", 1); }
    void load(mem::StateReader& r) { r.begin("sifive-test", 1); }

  private:
    Handler handler_;
};

}  // namespace rvisor::devices
