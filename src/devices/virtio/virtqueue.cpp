#include "devices/virtio/virtqueue.hpp"

#include <atomic>
#include <cstring>

namespace rvisor::devices::virtio {

namespace {

// Ring layout (section 2.7): descriptors are 16 bytes; the avail ring is flags, idx,
// ring[size], used_event; the used ring is flags, idx, {id, len}[size], avail_event.
constexpr u64 kDescSize = 16;
u64 avail_bytes(u16 size) {
    return 6 + 2ULL * size;
}
u64 used_bytes(u16 size) {
    return 6 + 8ULL * size;
}

// CodeEvent source of device writes: no hart has this id, so every hart handles the event.
constexpr u32 kDeviceSource = 0xffff'ffff;

// Ring indices are shared with driver threads on other harts: access them as atomics (their
// alignment was checked in enable()). Guest and host are both little-endian.
u16 load16(const u8* p, std::memory_order order) {
    return std::atomic_ref<u16>(*reinterpret_cast<u16*>(const_cast<u8*>(p))).load(order);
}
void store16(u8* p, u16 v, std::memory_order order) {
    std::atomic_ref<u16>(*reinterpret_cast<u16*>(p)).store(v, order);
}

}  // namespace

bool Virtqueue::enable(u16 max_size, bool event_idx, bool indirect) {
    enabled_ = false;
    broken_ = false;
    last_avail_ = used_idx_ = signalled_ = 0;
    event_idx_ = event_idx;
    indirect_ = indirect;
    // Section 2.7: "Queue Size value is always a power of 2"; the device offers a maximum.
    if (size == 0 || size > max_size || (size & (size - 1)) != 0) return false;
    // Section 2.7, table "Virtqueue Part Alignment": 16, 2 and 4 bytes.
    if (desc_addr % 16 || avail_addr % 2 || used_addr % 4) return false;
    auto desc = ram_.view(desc_addr, kDescSize * size);
    auto avail = ram_.view(avail_addr, avail_bytes(size));
    auto used = ram_.view(used_addr, used_bytes(size));
    if (desc.empty() || avail.empty() || used.empty()) return false;
    avail_ = avail.data();
    used_ = used.data();
    enabled_ = true;
    return true;
}

void Virtqueue::reset() {
    size = 0;
    desc_addr = avail_addr = used_addr = 0;
    enabled_ = broken_ = false;
    last_avail_ = used_idx_ = signalled_ = 0;
    avail_ = used_ = nullptr;
}

u16 Virtqueue::avail_idx() const {
    // Acquire: the ring entry and descriptors the driver wrote before bumping idx are visible.
    return load16(avail_ + 2, std::memory_order_acquire);
}

bool Virtqueue::read_desc(u64 table, u32 count, u32 index, u64& addr, u32& len, u16& flags,
                          u16& next) const {
    if (index >= count) return false;
    auto d = ram_.view(table + kDescSize * index, kDescSize);
    if (d.empty()) return false;
    std::memcpy(&addr, d.data(), 8);
    std::memcpy(&len, d.data() + 8, 4);
    std::memcpy(&flags, d.data() + 12, 2);
    std::memcpy(&next, d.data() + 14, 2);
    return true;
}

bool Virtqueue::add_segment(Chain& chain, u64 addr, u32 len, u16 flags) {
    const bool writable = flags & kDescWrite;
    // Section 2.7.4.2: device-writable descriptors come after all device-readable ones.
    if (!writable && chain.writable_bytes > 0) return false;
    Segment s{addr, len, writable, ram_.view(addr, len)};
    (writable ? chain.writable_bytes : chain.readable_bytes) += len;  // <= 2^32 * 2^15: no wrap
    chain.segments.push_back(s);
    return true;
}

Virtqueue::Pop Virtqueue::pop(Chain& chain) {
    if (!enabled_ || broken_) return Pop::Error;
    const u16 idx = avail_idx();
    if (idx == last_avail_) return Pop::Empty;
    // The driver can be at most a whole ring ahead of us (section 2.7.6).
    if (static_cast<u16>(idx - last_avail_) > size) {
        broken_ = true;
        return Pop::Error;
    }
    u16 head;
    std::memcpy(&head, avail_ + 4 + 2 * (last_avail_ % size), 2);
    ++last_avail_;

    chain.head = head;
    chain.segments.clear();
    chain.readable_bytes = chain.writable_bytes = 0;

    auto fail = [&] {
        broken_ = true;
        return Pop::Error;
    };
    // Walk the chain. A chain visits each descriptor at most once, so more than `size`
    // descriptors means a loop (section 2.7.5.3.1: "MUST NOT create a descriptor chain longer
    // than the Queue Size"); an indirect table is bounded by its own entry count the same way.
    u64 table = desc_addr;
    u32 count = size;
    u32 index = head;
    u32 walked = 0;
    bool in_indirect = false;
    for (;;) {
        u64 addr;
        u32 len;
        u16 flags, next;
        if (!read_desc(table, count, index, addr, len, flags, next)) return fail();
        if (++walked > count) return fail();
        if (flags & kDescIndirect) {
            // Section 2.7.5.3.1: only when negotiated, never inside an indirect table, never
            // together with NEXT; the table holds len/16 descriptors.
            if (!indirect_ || in_indirect || (flags & kDescNext)) return fail();
            if (len == 0 || len % kDescSize != 0 || len / kDescSize > kMaxIndirectEntries)
                return fail();
            if (ram_.view(addr, len).empty()) return fail();
            table = addr;
            count = len / kDescSize;
            index = 0;
            walked = 0;
            in_indirect = true;
            continue;
        }
        if (!add_segment(chain, addr, len, flags)) return fail();
        if (!(flags & kDescNext)) break;
        index = next;
    }
    return Pop::Chain;
}

void Virtqueue::push(u16 head, u32 written) {
    if (!enabled_) return;
    u8* elem = used_ + 4 + 8 * (used_idx_ % size);
    const u32 id = head;
    std::memcpy(elem, &id, 4);
    std::memcpy(elem + 4, &written, 4);
    ++used_idx_;
    // Section 2.7.8 / 2.7.13: the used element (and the buffer contents written before it)
    // must be visible before the driver sees the new idx.
    // (The store is a release too: redundant after the fence, but it lets ThreadSanitizer,
    // which does not model fences, see the ordering.)
    std::atomic_thread_fence(std::memory_order_release);
    store16(used_ + 2, used_idx_, std::memory_order_release);
}

void Virtqueue::push(const Chain& chain, u32 written) {
    for (const Segment& s : chain.segments) {
        if (!s.writable || s.host.empty()) continue;
        for (u64 page = s.addr & ~(mem::kPageSize - 1); page < s.addr + s.len;
             page += mem::kPageSize) {
            if (!(ram_.page_flags(page) & mem::kPageHasCode)) continue;
            ram_.clear_page_flags(page, mem::kPageHasCode);
            ram_.code_events().publish({page, kDeviceSource, mem::CodeEvent::Kind::Written});
        }
    }
    push(chain.head, written);
}

bool Virtqueue::needs_interrupt() {
    if (!enabled_) return false;
    // Order the used idx store before reading the driver's suppression fields, pairing with
    // the driver's barrier between updating used_event and re-reading used idx.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    const u16 old = signalled_;
    const u16 now = used_idx_;
    signalled_ = now;
    if (old == now) return false;
    if (event_idx_) {
        // vring_need_event() of section 2.7.10: interrupt when used_event lies in [old, now).
        const u16 used_event = load16(avail_ + 4 + 2 * size, std::memory_order_relaxed);
        return static_cast<u16>(now - used_event - 1) < static_cast<u16>(now - old);
    }
    return !(load16(avail_, std::memory_order_relaxed) & kAvailNoInterrupt);
}

bool Virtqueue::arm_notification() {
    if (!enabled_ || broken_) return false;
    if (event_idx_) {
        store16(used_ + 4 + 8 * size, last_avail_, std::memory_order_relaxed);
        // The driver adds a buffer, fences, then reads avail_event: either it sees ours and
        // kicks, or we see its new idx below.
        std::atomic_thread_fence(std::memory_order_seq_cst);
    }
    return avail_idx() != last_avail_;
}

}  // namespace rvisor::devices::virtio

namespace rvisor::devices::virtio {

void Virtqueue::save(mem::StateWriter& w) const {
    w.begin("virtqueue", 1);
    w.put<u16>(size);
    w.put<u64>(desc_addr);
    w.put<u64>(avail_addr);
    w.put<u64>(used_addr);
    w.put<bool>(enabled_);
    w.put<bool>(broken_);
    w.put<bool>(event_idx_);
    w.put<bool>(indirect_);
    w.put<u16>(last_avail_);
    w.put<u16>(used_idx_);
    w.put<u16>(signalled_);
}

void Virtqueue::load(mem::StateReader& r, u16 max_size) {
    r.begin("virtqueue", 1);
    reset();
    size = r.get<u16>();
    desc_addr = r.get<u64>();
    avail_addr = r.get<u64>();
    used_addr = r.get<u64>();
    const bool enabled = r.get<bool>();
    const bool broken = r.get<bool>();
    const bool event_idx = r.get<bool>();
    const bool indirect = r.get<bool>();
    const u16 last_avail = r.get<u16>();
    const u16 used_idx = r.get<u16>();
    const u16 signalled = r.get<u16>();
    if (!enabled) return;
    if (!enable(max_size, event_idx, indirect))
        r.fail("virtqueue of size " + std::to_string(size) + " with rings at " +
               std::to_string(desc_addr) + "/" + std::to_string(avail_addr) + "/" +
               std::to_string(used_addr) + " is not valid in this machine's RAM");
    broken_ = broken;
    last_avail_ = last_avail;
    used_idx_ = used_idx;
    signalled_ = signalled;
}

}  // namespace rvisor::devices::virtio
