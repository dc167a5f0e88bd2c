#include "mem/guest_ram.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace rvisor::mem {

GuestRam::GuestRam(u64 base, u64 size) : base_(base) {
    if (size == 0) throw std::runtime_error("guest RAM size must be greater than zero");
    if (size > ~0ULL - base) throw std::runtime_error("guest RAM does not fit the address space");
    size_ = (size + kPageSize - 1) & ~(kPageSize - 1);
    // MAP_NORESERVE: reserve address space only; pages are allocated when first touched.
    void* p = mmap(nullptr, size_, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        throw std::runtime_error("cannot map " + std::to_string(size_ >> 20) +
                                 " MiB of guest RAM: " + std::strerror(errno));
    }
    data_ = static_cast<u8*>(p);
    flags_ = std::make_unique<std::atomic<u8>[]>(size_ >> kPageShift);
}

GuestRam::GuestRam(u64 base, u64 size, const FileImage& image) : base_(base) {
    if (size == 0 || size % kPageSize != 0 || image.offset % kPageSize != 0)
        throw std::runtime_error("guest RAM image: size and offset must be whole pages");
    if (size > ~0ULL - base) throw std::runtime_error("guest RAM does not fit the address space");
    size_ = size;
    // MAP_NORESERVE: no commit charge for the whole size up front; copies are made (and
    // charged) page by page as the guest writes.
    void* p = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE, image.fd,
                   static_cast<off_t>(image.offset));
    if (p == MAP_FAILED) {
        throw std::runtime_error("cannot map " + std::to_string(size_ >> 20) +
                                 " MiB of guest RAM from its image: " + std::strerror(errno));
    }
    data_ = static_cast<u8*>(p);
    for (const auto& [offset, len] : image.zero_ranges) {
        if (offset % kPageSize || len % kPageSize || len > size_ || offset > size_ - len) {
            munmap(data_, size_);
            throw std::runtime_error("guest RAM image: zero range outside RAM");
        }
        if (mmap(data_ + offset, len, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0) == MAP_FAILED) {
            const int err = errno;
            munmap(data_, size_);
            throw std::runtime_error(std::string("cannot map guest RAM: ") + std::strerror(err));
        }
    }
    flags_ = std::make_unique<std::atomic<u8>[]>(size_ >> kPageShift);
}

GuestRam::~GuestRam() {
    if (data_) munmap(data_, size_);
}

std::span<u8> GuestRam::view(u64 paddr, u64 len) const {
    if (!contains(paddr, len)) return {};
    return {host(paddr), static_cast<std::size_t>(len)};
}

u64 GuestRam::touched_bytes() const {
    const u64 pages = size_ >> kPageShift;
    constexpr u64 kChunk = 4096;  // pages per read: 32 KiB of pagemap entries
    // pagemap (Documentation/admin-guide/mm/pagemap.rst): one u64 per virtual page, bit 63
    // set when the page is present in RAM.
    const int fd = ::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        std::vector<u64> entries(kChunk);
        u64 present = 0;
        bool ok = true;
        const u64 first = reinterpret_cast<std::uintptr_t>(data_) >> kPageShift;
        for (u64 done = 0; done < pages && ok;) {
            const u64 n = std::min(kChunk, pages - done);
            const ssize_t got =
                ::pread(fd, entries.data(), n * 8, static_cast<off_t>((first + done) * 8));
            if (got != static_cast<ssize_t>(n * 8)) {
                ok = false;
                break;
            }
            for (u64 i = 0; i < n; ++i) present += entries[i] >> 63;
            done += n;
        }
        ::close(fd);
        if (ok) return present << kPageShift;
    }
    std::vector<unsigned char> resident(kChunk);
    u64 present = 0;
    for (u64 done = 0; done < pages;) {
        const u64 n = std::min(kChunk, pages - done);
        if (::mincore(data_ + (done << kPageShift), n << kPageShift, resident.data()) != 0)
            return 0;
        for (u64 i = 0; i < n; ++i) present += resident[i] & 1;
        done += n;
    }
    return present << kPageShift;
}

}  // namespace rvisor::mem
