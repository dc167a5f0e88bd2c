#include "mem/bus.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace rvisor::mem {

namespace {
bool overlaps(u64 a, u64 asize, u64 b, u64 bsize) {
    return a < b + bsize && b < a + asize;
}
}  // namespace

void Bus::map(u64 base, u64 size, MmioDevice& device) {
    if (size == 0 || base + size < base) throw std::invalid_argument("bad MMIO region size");
    if (overlaps(base, size, ram_.base(), ram_.size()))
        throw std::invalid_argument(std::string(device.name()) + " overlaps RAM");
    for (const Region& r : regions_) {
        if (overlaps(base, size, r.base, r.size))
            throw std::invalid_argument(std::string(device.name()) + " overlaps " +
                                        std::string(r.device->name()));
    }
    regions_.push_back({base, size, &device});
    std::sort(regions_.begin(), regions_.end(),
              [](const Region& a, const Region& b) { return a.base < b.base; });
}

const Bus::Region* Bus::find(u64 paddr) const {
    // Few regions and only reached on the slow path: a binary search is plenty.
    auto it = std::upper_bound(regions_.begin(), regions_.end(), paddr,
                               [](u64 a, const Region& r) { return a < r.base; });
    if (it == regions_.begin()) return nullptr;
    --it;
    return paddr - it->base < it->size ? &*it : nullptr;
}

namespace {
bool device_access_ok(const Bus::Region& r, u64 paddr, unsigned size) {
    const MmioDevice& d = *r.device;
    if (size < d.min_access_size() || size > d.max_access_size()) return false;
    if ((paddr - r.base) & (size - 1)) return false;  // devices require natural alignment
    return paddr - r.base <= r.size - size;
}
}  // namespace

bool Bus::read(u64 paddr, unsigned size, u64& value) const {
    if (ram_.contains(paddr, size)) {
        value = 0;
        std::memcpy(&value, ram_.host(paddr), size);  // little-endian host
        return true;
    }
    const Region* r = find(paddr);
    if (!r || !device_access_ok(*r, paddr, size)) return false;
    u64 v = 0;
    if (!r->device->read(paddr - r->base, size, v)) return false;
    value = size == 8 ? v : v & ((1ULL << (size * 8)) - 1);
    return true;
}

bool Bus::write(u64 paddr, unsigned size, u64 value) const {
    if (ram_.contains(paddr, size)) {
        std::memcpy(ram_.host(paddr), &value, size);
        return true;
    }
    const Region* r = find(paddr);
    if (!r || !device_access_ok(*r, paddr, size)) return false;
    if (size < 8) value &= (1ULL << (size * 8)) - 1;
    return r->device->write(paddr - r->base, size, value);
}

}  // namespace rvisor::mem
