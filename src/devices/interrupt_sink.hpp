// How a device raises an interrupt line. Devices see only this interface; the interrupt
// controller (the PLIC) implements it, so devices never depend on the controller.
#pragma once

namespace rvisor::devices {

class InterruptSink {
  public:
    virtual ~InterruptSink() = default;

    // Drives wire `irq` to `level`. Lines are level-triggered (PLIC spec: gateways sample
    // levels), so devices call this with the current level whenever their state changes and
    // repeated calls with an unchanged level must be harmless. A device may call this while
    // holding its own lock, so an implementation must never call back into a device.
    virtual void set_irq_level(unsigned irq, bool level) = 0;
};

// One wire from a device to a sink. Default-constructed it is unconnected and set() is a no-op,
// so a device works (and is testable) without an interrupt controller.
struct IrqLine {
    InterruptSink* sink = nullptr;
    unsigned irq = 0;

    void set(bool level) const {
        if (sink) sink->set_irq_level(irq, level);
    }
};

}  // namespace rvisor::devices
