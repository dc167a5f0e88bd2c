#include "devices/clint.hpp"

#include <algorithm>

namespace rvisor::devices {

Clint::Clint(unsigned num_harts, Timebase& timebase, HartInterruptTarget* target)
    : timebase_(timebase), target_(target), harts_(std::clamp(num_harts, 1u, kMaxHarts)) {
    std::lock_guard lock(mu_);
    drive_all_locked();
}

void Clint::set_target(HartInterruptTarget* target) {
    std::lock_guard lock(mu_);
    target_ = target;
    drive_all_locked();
}

void Clint::drive_all_locked() {
    if (!target_) return;
    for (unsigned h = 0; h < harts_.size(); ++h) {
        target_->set_software_interrupt(h, harts_[h].msip);
        target_->set_timer_compare(h, harts_[h].mtimecmp);
    }
}

void Clint::reset() {
    std::lock_guard lock(mu_);
    std::fill(harts_.begin(), harts_.end(), HartRegs{});
    timebase_.set(0);
    drive_all_locked();
}

bool Clint::msip(unsigned hart) const {
    std::lock_guard lock(mu_);
    return hart < harts_.size() && harts_[hart].msip;
}

u64 Clint::mtimecmp(unsigned hart) const {
    std::lock_guard lock(mu_);
    return hart < harts_.size() ? harts_[hart].mtimecmp : 0;
}

u64 Clint::extract(u64 reg, unsigned size, unsigned shift) {
    return size == 8 ? reg : (reg >> shift) & 0xffff'ffffULL;
}

u64 Clint::merge(u64 reg, unsigned size, unsigned shift, u64 value) {
    if (size == 8) return value;
    const u64 mask = 0xffff'ffffULL << shift;
    return (reg & ~mask) | ((value & 0xffff'ffffULL) << shift);
}

// Sizes other than 4 and 8, and misaligned offsets, never come from the bus; they are refused
// here too so a direct caller gets the same answer.
bool Clint::read(u64 offset, unsigned size, u64& value) {
    if ((size != 4 && size != 8) || (offset & (size - 1)) || offset >= kSize) return false;
    value = 0;
    std::lock_guard lock(mu_);
    if (offset < kMtimecmpBase) {
        if (size != 4) return false;  // MSWI registers are 32-bit only
        const u64 hart = offset / 4;
        if (hart < harts_.size()) value = harts_[hart].msip ? 1 : 0;
        return true;
    }
    const unsigned shift = (offset & 4) * 8;
    if (offset >= kMtimeOffset && offset < kMtimeOffset + 8) {
        value = extract(timebase_.now(), size, shift);
        return true;
    }
    if (offset < kMtimeOffset) {
        const u64 hart = (offset - kMtimecmpBase) / 8;
        if (hart < harts_.size()) value = extract(harts_[hart].mtimecmp, size, shift);
    }
    return true;
}

bool Clint::write(u64 offset, unsigned size, u64 value) {
    if ((size != 4 && size != 8) || (offset & (size - 1)) || offset >= kSize) return false;
    std::lock_guard lock(mu_);
    if (offset < kMtimecmpBase) {
        if (size != 4) return false;
        const u64 hart = offset / 4;
        if (hart < harts_.size()) {
            harts_[hart].msip = value & 1;
            if (target_) target_->set_software_interrupt(static_cast<unsigned>(hart), value & 1);
        }
        return true;
    }
    const unsigned shift = (offset & 4) * 8;
    if (offset >= kMtimeOffset && offset < kMtimeOffset + 8) {
        // A 32-bit write replaces one half of the running count; the other half keeps the
        // value it has at this instant.
        timebase_.set(merge(timebase_.now(), size, shift, value));
        return true;
    }
    if (offset < kMtimeOffset) {
        const u64 hart = (offset - kMtimecmpBase) / 8;
        if (hart < harts_.size()) {
            u64& cmp = harts_[hart].mtimecmp;
            cmp = merge(cmp, size, shift, value);
            if (target_) target_->set_timer_compare(static_cast<unsigned>(hart), cmp);
        }
    }
    return true;
}

}  // namespace rvisor::devices

namespace rvisor::devices {

void Clint::save(mem::StateWriter& w) const {
    std::lock_guard lock(mu_);
    w.begin("clint", 1);
    w.put<u32>(static_cast<u32>(harts_.size()));
    for (const HartRegs& h : harts_) {
        w.put<bool>(h.msip);
        w.put<u64>(h.mtimecmp);
    }
}

void Clint::load(mem::StateReader& r) {
    r.begin("clint", 1);
    const u32 n = r.get<u32>();
    std::lock_guard lock(mu_);
    if (n != harts_.size()) r.mismatch("CLINT hart count", n, harts_.size());
    for (HartRegs& h : harts_) {
        h.msip = r.get<bool>();
        h.mtimecmp = r.get<u64>();
    }
    drive_all_locked();
}

}  // namespace rvisor::devices
