#include "devices/plic.hpp"
#include <cstdio>

#include <algorithm>

namespace rvisor::devices {

namespace {

// End of the enable block: 15872 contexts of 0x80 bytes (spec, "Interrupt Enables").
constexpr u64 kEnableEnd = Plic::kEnableBase + Plic::kEnableStride * Plic::kMaxContexts;
// The pending array holds one bit per possible ID (spec, "Interrupt Pending Bits").
constexpr u64 kPendingEnd = Plic::kPendingBase + Plic::kMaxSources / 8;

}  // namespace

Plic::Plic(unsigned num_harts, PlicOutputs* outputs, unsigned num_sources)
    : num_sources_(std::clamp(num_sources, 2u, kMaxSources)),
      num_contexts_(2 * std::clamp(num_harts, 1u, kMaxHarts)),
      words_((num_sources_ + 31) / 32),
      outputs_(outputs),
      priority_(num_sources_, 0),
      level_(words_, 0),
      pending_(words_, 0),
      in_flight_(words_, 0),
      enables_(static_cast<std::size_t>(num_contexts_) * words_, 0),
      threshold_(num_contexts_, 0),
      output_(num_contexts_, false) {}

void Plic::set_outputs(PlicOutputs* outputs) {
    std::lock_guard lock(mu_);
    outputs_ = outputs;
    if (!outputs_) return;
    for (unsigned ctx = 0; ctx < num_contexts_; ++ctx) outputs_->set_context_irq(ctx, output_[ctx]);
}

void Plic::reset() {
    std::lock_guard lock(mu_);
    std::fill(priority_.begin(), priority_.end(), 0);
    std::fill(in_flight_.begin(), in_flight_.end(), 0);
    std::fill(enables_.begin(), enables_.end(), 0);
    std::fill(threshold_.begin(), threshold_.end(), 0);
    // Nothing is in flight any more, so every gateway whose input is high forwards a request.
    pending_ = level_;
    update_outputs_locked();
}

bool Plic::context_irq(unsigned context) const {
    std::lock_guard lock(mu_);
    return context < num_contexts_ && output_[context];
}

u32 Plic::valid_mask(unsigned w) const {
    u32 m = ~0u;
    if (w == 0) m &= ~1u;  // ID 0 does not exist: its bits are hard-wired to 0
    const unsigned first = w * 32;
    if (num_sources_ < first + 32) m &= (1u << (num_sources_ - first)) - 1;
    return m;
}

bool Plic::read(u64 offset, unsigned, u64& value) {
    std::lock_guard lock(mu_);
    value = read_locked(offset);
    return true;
}

bool Plic::write(u64 offset, unsigned, u64 value) {
    std::lock_guard lock(mu_);
    write_locked(offset, static_cast<u32>(value));
    return true;
}

u32 Plic::read_locked(u64 offset) {
    if (offset < kPendingBase) {
        const u64 id = (offset - kPriorityBase) / 4;
        return id != 0 && id < num_sources_ ? priority_[id] : 0;
    }
    if (offset < kPendingEnd) {
        const u64 w = (offset - kPendingBase) / 4;
        return w < words_ ? pending_[w] : 0;
    }
    if (offset >= kEnableBase && offset < kEnableEnd) {
        const u64 ctx = (offset - kEnableBase) / kEnableStride;
        const u64 w = (offset - kEnableBase) % kEnableStride / 4;
        return ctx < num_contexts_ && w < words_ ? enable_word(ctx, w) : 0;
    }
    if (offset >= kContextBase) {
        const u64 ctx = (offset - kContextBase) / kContextStride;
        if (ctx >= num_contexts_) return 0;
        switch ((offset - kContextBase) % kContextStride) {
            case kThresholdOffset: return threshold_[ctx];
            case kClaimOffset: return claim_locked(static_cast<unsigned>(ctx));
            default: return 0;
        }
    }
    return 0;  // reserved
}

void Plic::write_locked(u64 offset, u32 value) {
    if (offset < kPendingBase) {
        const u64 id = (offset - kPriorityBase) / 4;
        if (id == 0 || id >= num_sources_) return;
        // WARL: all 3 low bits are writable, the rest read 0, so software can discover the
        // supported levels by writing all ones (spec, "Interrupt Priorities"; QEMU masks too).
        priority_[id] = static_cast<u8>(value & kPriorityMask);
        update_outputs_locked();
        return;
    }
    if (offset < kPendingEnd) return;  // pending bits are read-only
    if (offset >= kEnableBase && offset < kEnableEnd) {
        const u64 ctx = (offset - kEnableBase) / kEnableStride;
        const u64 w = (offset - kEnableBase) % kEnableStride / 4;
        if (ctx >= num_contexts_ || w >= words_) return;
        enable_word(ctx, w) = value & valid_mask(w);
        update_outputs_locked();
        return;
    }
    if (offset >= kContextBase) {
        const u64 ctx = (offset - kContextBase) / kContextStride;
        if (ctx >= num_contexts_) return;
        switch ((offset - kContextBase) % kContextStride) {
            case kThresholdOffset:
                // WARL like the priorities (spec, "Priority Thresholds").
                threshold_[ctx] = static_cast<u8>(value & kPriorityMask);
                update_outputs_locked();
                return;
            case kClaimOffset: complete_locked(static_cast<unsigned>(ctx), value); return;
            default: return;
        }
    }
}

void Plic::set_irq_level(unsigned irq, bool level) {
    if (irq == 0 || irq >= num_sources_) return;
    std::lock_guard lock(mu_);
    // Devices re-drive their level after every register access; an unchanged level changes
    // nothing, so skip the output scan.
    if (test(level_, irq) == level) return;
    assign(level_, irq, level);
    if (level) {
        // The gateway forwards the first assertion, unless the previous request is still in
        // flight: then it waits for the completion (spec, "Interrupt Gateways").
        if (!test(in_flight_, irq)) assign(pending_, irq, true);
    } else {
        // Deviation from the spec, as in QEMU: a deasserted level withdraws the request.
        assign(pending_, irq, false);
    }
    update_outputs_locked();
}

unsigned Plic::best_locked(unsigned ctx, unsigned floor) const {
    unsigned best = 0;
    unsigned best_priority = floor;
    for (unsigned w = 0; w < words_; ++w) {
        u32 bits = pending_[w] & enable_word(ctx, w);
        while (bits) {
            const unsigned id = w * 32 + static_cast<unsigned>(__builtin_ctz(bits));
            bits &= bits - 1;
            // Ascending IDs with a strict compare: a tie keeps the lower ID.
            if (priority_[id] > best_priority) {
                best = id;
                best_priority = priority_[id];
            }
        }
    }
    return best;
}

u32 Plic::claim_locked(unsigned ctx) {
    // Floor 0: the threshold does not affect claims, and priority 0 never interrupts.
    const unsigned id = best_locked(ctx, 0);
    if (id == 0) return 0;
    assign(pending_, id, false);
    assign(in_flight_, id, true);
    update_outputs_locked();
    return id;
}

void Plic::complete_locked(unsigned ctx, u32 id) {
    if (id == 0 || id >= num_sources_) return;
    // "If the completion ID does not match an interrupt source that is currently enabled for
    // the target, the completion is silently ignored" (spec, "Interrupt Completion").
    if (!((enable_word(ctx, id / 32) >> (id % 32)) & 1)) return;
    if (!test(in_flight_, id)) return;
    assign(in_flight_, id, false);
    // The completion message lets the gateway forward the still-asserted level again.
    if (test(level_, id)) {
        assign(pending_, id, true);
        update_outputs_locked();
    }
}

void Plic::update_outputs_locked() {
    for (unsigned ctx = 0; ctx < num_contexts_; ++ctx) {
        const bool level = best_locked(ctx, threshold_[ctx]) != 0;
        if (level == output_[ctx]) continue;
        output_[ctx] = level;
        if (outputs_) outputs_->set_context_irq(ctx, level);
    }
}

}  // namespace rvisor::devices

namespace rvisor::devices {

std::string Plic::describe() const {
    std::lock_guard lock(mu_);
    char buf[160];
    std::string out;
    std::snprintf(buf, sizeof buf, "plic: level %08x pending %08x in_flight %08x", level_[0],
                  pending_[0], in_flight_[0]);
    out += buf;
    for (unsigned ctx = 0; ctx < num_contexts_; ++ctx) {
        std::snprintf(buf, sizeof buf, "\n  ctx %u: enable %08x threshold %u output %d", ctx,
                      enable_word(ctx, 0), threshold_[ctx], output_[ctx] ? 1 : 0);
        out += buf;
    }
    return out;
}

}  // namespace rvisor::devices

namespace rvisor::devices {

void Plic::save(mem::StateWriter& w) const {
    std::lock_guard lock(mu_);
    w.begin("plic", 1);
    w.put<u32>(num_sources_);
    w.put<u32>(num_contexts_);
    w.put_array<u8>(priority_);
    w.put_array<u32>(level_);
    w.put_array<u32>(pending_);
    w.put_array<u32>(in_flight_);
    w.put_array<u32>(enables_);
    w.put_array<u8>(threshold_);
}

void Plic::load(mem::StateReader& r) {
    r.begin("plic", 1);
    const u32 sources = r.get<u32>();
    const u32 contexts = r.get<u32>();
    std::lock_guard lock(mu_);
    if (sources != num_sources_) r.mismatch("PLIC source count", sources, num_sources_);
    if (contexts != num_contexts_) r.mismatch("PLIC context count", contexts, num_contexts_);
    r.get_array<u8>(priority_, "PLIC priorities");
    r.get_array<u32>(level_, "PLIC levels");
    r.get_array<u32>(pending_, "PLIC pending bits");
    r.get_array<u32>(in_flight_, "PLIC claimed bits");
    r.get_array<u32>(enables_, "PLIC enables");
    r.get_array<u8>(threshold_, "PLIC thresholds");
    // Guest-supplied values once: keep them within what the registers can hold.
    for (unsigned w = 0; w < words_; ++w) {
        level_[w] &= valid_mask(w);
        pending_[w] &= valid_mask(w);
        in_flight_[w] &= valid_mask(w);
        for (unsigned ctx = 0; ctx < num_contexts_; ++ctx) enable_word(ctx, w) &= valid_mask(w);
    }
    for (u8& p : priority_) p &= kPriorityMask;
    priority_[0] = 0;
    for (u8& t : threshold_) t &= kPriorityMask;
    for (unsigned ctx = 0; ctx < num_contexts_; ++ctx) {
        output_[ctx] = best_locked(ctx, threshold_[ctx]) != 0;
        if (outputs_) outputs_->set_context_irq(ctx, output_[ctx]);
    }
}

}  // namespace rvisor::devices
