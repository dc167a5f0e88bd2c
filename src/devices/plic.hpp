// RISC-V Platform-Level Interrupt Controller (RISC-V PLIC Specification 1.0.0), laid out as on
// QEMU's virt board (0x0C000000, window 0x4000000, 96 source IDs = sources 1..95, two contexts
// per hart: context 2h is hart h's M-mode, context 2h+1 its S-mode). Register map (spec,
// "Memory Map"):
//
//   0x000000 + 4*id                 priority[id]     WARL, 3 bits (0..7); id 0 reads 0
//   0x001000 + 4*w                  pending word w   read-only; bit id%32 of word id/32
//   0x002000 + 0x80*ctx + 4*w       enable word w    WARL, bits of nonexistent ids read 0
//   0x200000 + 0x1000*ctx           threshold[ctx]   WARL, 3 bits (0..7)
//   0x200004 + 0x1000*ctx           claim/complete   read = claim, write = complete
//
// Only 32-bit accesses are accepted ("the memory-mapped registers ... have a width of 32-bits",
// accessed with LW and SW; QEMU's hw/intc/sifive_plic.c validates 4..4). Reserved offsets,
// nonexistent sources and nonexistent contexts read 0 and ignore writes, as in QEMU (which only
// logs a guest error there).
//
// Gateways (spec, "Interrupt Gateways"): every source is level-triggered (virtio-mmio, the UART
// and the RTC all are). A source is pending while its level is high and it is not in flight
// (claimed and not yet completed). Deviation, as in QEMU: when the level drops before a claim
// the pending bit is cleared, where the spec keeps the request "present in the IP bit" for a
// handler that "will then have to determine that the interrupt device no longer requires
// service". Dropping it spares the guest that spurious interrupt; no driver depends on it.
//
// Claim (spec, "Interrupt Claim Process"): returns the highest-priority pending source enabled
// for the context, ties going to the lowest ID ("Interrupt Priorities"), or 0; it clears the
// pending bit and puts the source in flight. "The claim operation is not affected by the
// setting of the priority threshold register": the spec even suggests polling by claims with
// the threshold at its maximum. (QEMU applies the threshold here; Linux, which claims only
// after a notification with threshold 0, cannot tell.) Priority 0 means "never interrupt", so
// such sources are never claimed.
//
// Complete (spec, "Interrupt Completion"): writing an ID that is enabled for the context ends
// its flight, whichever context claimed it ("the PLIC does not check whether the completion ID
// is the same as the last claim ID"); "if the completion ID does not match an interrupt source
// that is currently enabled for the target, the completion is silently ignored". If the level
// is still high the source is pending again at once.
//
// Outputs (spec, "Priority Thresholds" and "Interrupt Notifications"): a context's EIP (MEIP
// for even contexts, SEIP for odd ones) is high while some source is pending, enabled for it
// and has priority > its threshold. The PLIC drives it through PlicOutputs, calling only when
// the level changes.
//
// Reset: priorities, enables, thresholds and in-flight state clear. The input levels are wires
// owned by the devices, so they are kept, and a source whose level is high is pending again.
//
// Thread safety: one mutex serialises register accesses and set_irq_level(); the PLIC never
// calls into a device. PlicOutputs::set_context_irq() is called WITH that mutex held, so the
// harts see level changes in the order they happened. See PlicOutputs for what an
// implementation may do. Lock order: device lock -> PLIC lock -> whatever the outputs take.
#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/types.hpp"
#include "devices/interrupt_sink.hpp"
#include "mem/mmio_device.hpp"
#include "mem/state_io.hpp"

namespace rvisor::devices {

// Where the PLIC's context outputs go. Implemented by the machine: context 2h -> hart h's
// mip.MEIP, context 2h+1 -> hart h's mip.SEIP.
class PlicOutputs {
  public:
    virtual ~PlicOutputs() = default;

    // Context `context`'s external-interrupt line is now `level`. Called only on a change (and
    // once per context from Plic::set_outputs()), with the PLIC's mutex held, from whatever
    // thread changed the PLIC's state: a vCPU, a device's host thread (RTC alarm, console,
    // virtio backend), possibly while that device holds its own lock. The implementation must
    // therefore not call into the PLIC or any device, and must not wait for a lock that a
    // thread may hold while calling into the PLIC or a device. Storing an atomic and waking a
    // parked hart (notifying a condition variable, briefly taking its wait mutex, provided the
    // hart never calls into a device with that mutex held) is fine.
    virtual void set_context_irq(unsigned context, bool level) = 0;
};

class Plic final : public mem::MmioDevice, public InterruptSink {
  public:
    static constexpr u64 kPriorityBase = 0x000000;
    static constexpr u64 kPendingBase = 0x001000;
    static constexpr u64 kEnableBase = 0x002000;
    static constexpr u64 kEnableStride = 0x80;
    static constexpr u64 kContextBase = 0x200000;
    static constexpr u64 kContextStride = 0x1000;
    static constexpr u64 kThresholdOffset = 0x0;  // within a context's 4 KiB block
    static constexpr u64 kClaimOffset = 0x4;
    static constexpr u64 kSize = 0x4000000;

    static constexpr unsigned kMaxSources = 1024;    // IDs 0..1023 (spec, "Memory Map")
    static constexpr unsigned kMaxContexts = 15872;  // spec, "Memory Map"
    static constexpr unsigned kMaxHarts = kMaxContexts / 2;
    static constexpr unsigned kDefaultSources = 96;  // QEMU virt: VIRT_IRQCHIP_NUM_SOURCES
    static constexpr unsigned kPriorityMask = 7;     // 3 priority bits, as QEMU virt

    // `num_harts` is 1..kMaxHarts and `num_sources` (IDs 0..num_sources-1, ID 0 reserved, so the
    // device tree's riscv,ndev is num_sources - 1) is 2..kMaxSources; both are clamped. `outputs`
    // may be null and connected later with set_outputs(); it must outlive the PLIC.
    explicit Plic(unsigned num_harts, PlicOutputs* outputs = nullptr,
                  unsigned num_sources = kDefaultSources);

    // Connects the harts and drives every context's current level at once.
    void set_outputs(PlicOutputs* outputs);

    static constexpr unsigned m_context(unsigned hart) { return 2 * hart; }
    static constexpr unsigned s_context(unsigned hart) { return 2 * hart + 1; }

    std::string_view name() const override { return "plic"; }
    unsigned min_access_size() const override { return 4; }
    unsigned max_access_size() const override { return 4; }
    bool read(u64 offset, unsigned size, u64& value) override;
    bool write(u64 offset, unsigned size, u64 value) override;
    void reset() override;

    // InterruptSink: the gateway of source `irq` samples `level`. IDs 0 and >= num_sources()
    // are ignored. Repeating the current level costs one lock and a compare.
    void set_irq_level(unsigned irq, bool level) override;

    unsigned num_harts() const { return num_contexts_ / 2; }
    unsigned num_contexts() const { return num_contexts_; }
    unsigned num_sources() const { return num_sources_; }
    // The level last driven on a context's output, for the machine (snapshots, a debugger) and
    // tests. False for nonexistent contexts.
    bool context_irq(unsigned context) const;
    // One line per context and the source words, for status reports when debugging hangs.
    std::string describe() const;

    // Snapshots: the register state as one versioned section (mem/state_io.hpp). load()
    // drives the outputs with the loaded state and throws std::runtime_error on a malformed
    // or mismatching section. Every context's output is driven after a load, changed or not.
    void save(mem::StateWriter& w) const;
    void load(mem::StateReader& r);

  private:
    static bool test(const std::vector<u32>& bits, unsigned id) {
        return (bits[id / 32] >> (id % 32)) & 1;
    }
    static void assign(std::vector<u32>& bits, unsigned id, bool v) {
        const u32 m = 1u << (id % 32);
        bits[id / 32] = v ? bits[id / 32] | m : bits[id / 32] & ~m;
    }
    // Bits of word `w` that name existing sources (ID 0 excluded).
    u32 valid_mask(unsigned w) const;
    u32& enable_word(unsigned ctx, unsigned w) { return enables_[ctx * words_ + w]; }
    u32 enable_word(unsigned ctx, unsigned w) const { return enables_[ctx * words_ + w]; }

    u32 read_locked(u64 offset);
    void write_locked(u64 offset, u32 value);
    // Highest-priority pending source enabled for `ctx` with priority > `floor`; ties go to the
    // lowest ID. 0 if none.
    unsigned best_locked(unsigned ctx, unsigned floor) const;
    u32 claim_locked(unsigned ctx);
    void complete_locked(unsigned ctx, u32 id);
    // Recomputes every context's output and calls the outputs for those that changed.
    void update_outputs_locked();

    const unsigned num_sources_;
    const unsigned num_contexts_;
    const unsigned words_;  // 32-bit words per source bit array

    mutable std::mutex mu_;  // guards everything below
    PlicOutputs* outputs_;
    std::vector<u8> priority_;    // per source
    std::vector<u32> level_;      // input wires, one bit per source
    std::vector<u32> pending_;    // PLIC core pending bits
    std::vector<u32> in_flight_;  // claimed, awaiting completion
    std::vector<u32> enables_;    // per context, words_ words each
    std::vector<u8> threshold_;   // per context
    std::vector<bool> output_;    // per context, last level driven
};

}  // namespace rvisor::devices
