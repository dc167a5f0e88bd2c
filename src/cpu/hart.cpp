#include "cpu/hart.hpp"

namespace rvisor::cpu {

namespace {
// The 10 MHz time base of the virt board, from the host's monotonic clock.
u64 host_timebase(const void*) {
    using namespace std::chrono;
    return static_cast<u64>(
               duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count()) /
           100;
}
}  // namespace

Hart::Hart(mem::Bus& bus, u64 hart_id)
    : time_source_(host_timebase), bus_(bus), ram_(bus.ram()), hart_id_(hart_id) {
    code_events_seen_ = ram_.code_events().position();
    ram_.code_events().subscribe(&events_, kEventCode);
    reset(0);
}

Hart::~Hart() {
    ram_.code_events().unsubscribe(&events_);
}

void Hart::reset(u64 reset_pc) {
    std::fill(std::begin(x_), std::end(x_), 0);
    std::fill(std::begin(f_), std::end(f_), 0);
    pc_ = reset_pc;
    priv_ = PrivMode::Machine;
    instret_ = 0;
    csr_ = CsrState{};
    // MPP resets to the least-privileged mode (3.1.6.1 leaves it implementation-defined).
    csr_.mstatus |= static_cast<u64>(kLowestMode) << mstatus::kMppShift;
    reservation_ = ~0ULL;
    in_wfi_ = false;
    pmp_.reset();
    flush_translations();
    blocks_.invalidate_all();
    select_data_tlb();
}

PrivMode Hart::data_priv() const {
    if (priv_ == PrivMode::Machine && (csr_.mstatus & mstatus::kMprv))
        return static_cast<PrivMode>((csr_.mstatus & mstatus::kMpp) >> mstatus::kMppShift);
    return priv_;
}

void Hart::select_data_tlb() {
    itlb_ = priv_ == PrivMode::User         ? &tlbs_[0]
            : priv_ == PrivMode::Supervisor ? &tlbs_[1]
                                            : &tlbs_[3];
    switch (data_priv()) {
        case PrivMode::User: dtlb_ = &tlbs_[0]; break;
        case PrivMode::Supervisor:
            dtlb_ = (csr_.mstatus & mstatus::kSum) ? &tlbs_[2] : &tlbs_[1];
            break;
        default: dtlb_ = &tlbs_[3]; break;
    }
}

void Hart::set_block_compiler(BlockCompiler* compiler, u32 hot_threshold) {
    hot_threshold_ = std::max<u32>(hot_threshold, 1);
    blocks_.invalidate_all();  // unlinks (and forgets) host code of the previous compiler
    blocks_.release_retired();
    compiler_ = compiler;
    blocks_.set_compiler(compiler);
}

Hart::JitLayout Hart::jit_layout() const {
    // Byte distances inside this object, so compiled code reaches everything from one base
    // register holding x_.
    const auto* base = reinterpret_cast<const u8*>(x_);
    const auto off = [base](const void* p) {
        return static_cast<i32>(reinterpret_cast<const u8*>(p) - base);
    };
    return {
        off(&pc_),           off(&instret_),       off(&jit_next_check_), off(&events_),
        off(&dtlb_),         off(&jit_link_site_), off(&itlb_),           off(blocks_.jump_table()),
        off(&jit_link_page_)};
}

void Hart::flush_translations() {
    // The jump cache is validated against the fetch TLB, so flushing the TLBs is enough.
    for (SoftTlb& t : tlbs_) t.flush();
    user_victim_.flush();
    superpage_count_ = 0;
    superpage_overflow_ = false;
}

void Hart::note_superpage(u64 va, unsigned level) {
    // A level-n leaf maps 2^(12 + 9n) bytes (Sv39/Sv48, 4.4.1 and 4.5.1).
    const u64 mask = (1ULL << (12 + 9 * level)) - 1;
    for (unsigned i = 0; i < superpage_count_; ++i)
        if (superpages_[i].offset_mask == mask && ((va ^ superpages_[i].base) & ~mask) == 0) return;
    if (superpage_count_ == kSuperpages) {
        superpage_overflow_ = true;
        return;
    }
    superpages_[superpage_count_++] = {va & ~mask, mask};
}

}  // namespace rvisor::cpu
