// NS16550A UART register model, as on QEMU's virt board (0x10000000, PLIC source 10, register
// stride 1). Register behaviour follows the National/TI PC16550D datasheet; where a guest could
// observe a difference from QEMU's hw/char/serial.c the datasheet wins, and the choice is noted.
//
// Timing is not modelled: a THR write is transmitted at once, so THRE and TEMT always read as
// set. The one timed 16550 event a driver depends on, the receive character timeout (data below
// the FIFO trigger level left unread for 4 character times), is delegated to the host side: it
// calls rx_idle() when its input goes quiet, and that stands in for the timer.
#pragma once

#include <array>
#include <functional>
#include <mutex>
#include <span>
#include <string_view>

#include "base/types.hpp"
#include "devices/interrupt_sink.hpp"
#include "mem/mmio_device.hpp"
#include "mem/state_io.hpp"

namespace rvisor::devices {

class Uart16550 final : public mem::MmioDevice {
  public:
    static constexpr unsigned kFifoSize = 16;

    // Receives each transmitted byte, on the thread of the vCPU that wrote THR, without the
    // UART's lock held (so the sink may call push_rx(), e.g. to echo).
    using TxSink = std::function<void(u8)>;

    explicit Uart16550(TxSink tx, IrqLine irq = {});

    // Connects the interrupt wire when the controller is built after the UART, and drives it
    // with the current level at once.
    void set_irq_line(IrqLine irq);

    std::string_view name() const override { return "uart"; }
    // Registers are 8 bits wide at stride 1. Linux uses byte accesses (reg-io-width 1), some
    // firmware uses 32-bit ones: 1..4 bytes are accepted, the register is the low byte.
    unsigned min_access_size() const override { return 1; }
    unsigned max_access_size() const override { return 4; }
    // Offsets 0..7 are the registers; anything else in the region is an access fault, as on
    // QEMU where the rest of the page is unassigned.
    bool read(u64 offset, unsigned size, u64& value) override;
    bool write(u64 offset, unsigned size, u64 value) override;
    void reset() override;

    // Host side, called by the console thread concurrently with guest register accesses.
    //
    // Delivers received bytes. A byte arriving with the receiver full (16 bytes in FIFO mode, one
    // in 16450 mode) is an overrun and sets LSR.OE; per the datasheet the FIFO keeps its
    // contents and drops the new byte, while in 16450 mode the new byte overwrites RBR. In
    // loopback mode the serial input is disconnected (datasheet, MCR bit 4) and bytes are
    // dropped; rx_has_space() reports false then, so a well-behaved caller holds them back.
    void push_rx(std::span<const u8> bytes);
    // The host has no more input for now: if the FIFO holds data below the trigger level, raise
    // the character-timeout interrupt (IIR 0xCC). Cleared by the next RBR read, as on hardware.
    // Has no effect with FIFOs disabled, where any received byte is "data available" at once.
    void rx_idle();
    // True when at least one more byte fits without an overrun.
    bool rx_has_space() const;

    // Snapshots: the register state as one versioned section (mem/state_io.hpp). load()
    // drives the outputs with the loaded state and throws std::runtime_error on a malformed
    // or mismatching section.
    void save(mem::StateWriter& w) const;
    void load(mem::StateReader& r);

  private:
    u8 read_reg(unsigned reg);
    // Returns true and sets `tx` when the write transmits a byte to the host.
    bool write_reg(unsigned reg, u8 v, u8& tx);
    void receive(u8 byte);
    void clear_rx();
    u8 interrupt_id() const;
    u8 modem_status() const;
    void update_irq();
    void reset_locked();

    bool dlab() const { return lcr_ & 0x80; }
    bool loopback() const { return mcr_ & 0x10; }
    unsigned rx_capacity() const { return fifo_enabled_ ? kFifoSize : 1; }

    const TxSink tx_;

    mutable std::mutex mu_;  // guards everything below
    IrqLine irq_;
    std::array<u8, kFifoSize> rx_{};  // ring buffer; in 16450 mode only one slot is used
    unsigned rx_head_ = 0;
    unsigned rx_count_ = 0;
    bool fifo_enabled_ = false;
    u8 rx_trigger_ = 1;  // bytes that make "received data available" (FCR bits 7:6)
    u8 ier_ = 0;
    u8 lcr_ = 0;
    u8 mcr_ = 0;
    u8 scr_ = 0;
    u8 dll_ = 0;
    u8 dlm_ = 0;
    u8 msr_delta_ = 0;  // MSR bits 3:0, sticky until MSR is read
    bool overrun_ = false;
    bool thre_pending_ = false;
    bool timeout_pending_ = false;
};

}  // namespace rvisor::devices
