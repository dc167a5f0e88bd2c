// Routes interrupt outputs of the board's controllers (CLINT, later the PLIC) to the harts'
// interrupt inputs. Devices know only the interfaces; the machine knows the harts.
#pragma once

#include <vector>

#include "cpu/hart.hpp"
#include "devices/clint.hpp"
#include "devices/plic.hpp"

namespace rvisor::machine {

class HartRouter : public devices::HartInterruptTarget, public devices::PlicOutputs {
  public:
    explicit HartRouter(std::vector<cpu::Hart*> harts) : harts_(std::move(harts)) {}

    void set_software_interrupt(unsigned hart, bool level) override {
        if (hart < harts_.size()) harts_[hart]->set_interrupt_line(cpu::irq::kMsip, level);
    }
    void set_timer_compare(unsigned hart, u64 mtimecmp) override {
        if (hart < harts_.size()) harts_[hart]->set_mtimecmp(mtimecmp);
    }

    // PLIC context 2h is hart h's M-mode external interrupt, 2h+1 its S-mode one. Called with
    // the PLIC's lock held: Hart::set_interrupt_line only sets an atomic and wakes the hart.
    void set_context_irq(unsigned context, bool level) override {
        const unsigned hart = context / 2;
        if (hart < harts_.size())
            harts_[hart]->set_interrupt_line(context % 2 ? cpu::irq::kSeip : cpu::irq::kMeip,
                                             level);
    }

  private:
    std::vector<cpu::Hart*> harts_;
};

}  // namespace rvisor::machine
