#include "storage/raw_image.hpp"

#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

namespace rvisor::storage {

namespace {
[[noreturn]] void fail(const std::filesystem::path& path, const std::string& why) {
    throw ImageError(path.string() + ": " + why);
}
}  // namespace

RawImage::RawImage(const std::filesystem::path& path, bool read_only) : read_only_(read_only) {
    fd_ = ::open(path.c_str(), (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (fd_ < 0) fail(path, std::string("cannot open: ") + std::strerror(errno));
    try {
        // Two VMs must never write one image: writers lock exclusively, readers shared.
        if (::flock(fd_, (read_only ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0) {
            if (errno == EWOULDBLOCK) fail(path, "image is in use by another process (locked)");
            fail(path, std::string("cannot lock: ") + std::strerror(errno));
        }
        struct stat st {};
        if (::fstat(fd_, &st) != 0) fail(path, std::string("cannot stat: ") + std::strerror(errno));
        if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
            fail(path, "not a regular file or block device");
        const off_t end = ::lseek(fd_, 0, SEEK_END);  // also right for block devices
        if (end < 0) fail(path, std::string("cannot get the size: ") + std::strerror(errno));
        size_ = static_cast<u64>(end);
        if (size_ % 512 != 0)
            fail(path, "size " + std::to_string(size_) + " is not a multiple of 512 bytes");
    } catch (...) {
        ::close(fd_);
        throw;
    }
}

RawImage::~RawImage() {
    if (fd_ >= 0) ::close(fd_);  // also drops the flock
}

IoStatus RawImage::read(u64 offset, std::span<u8> out) {
    if (!in_range(offset, out.size())) return IoStatus::IoError;
    std::size_t done = 0;
    while (done < out.size()) {
        const ssize_t n =
            ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
        if (n < 0) {
            if (errno == EINTR) continue;
            return IoStatus::IoError;
        }
        if (n == 0) {
            // The file shrank under us: what is gone reads as zeroes.
            std::memset(out.data() + done, 0, out.size() - done);
            break;
        }
        done += static_cast<std::size_t>(n);
    }
    return IoStatus::Ok;
}

IoStatus RawImage::write(u64 offset, std::span<const u8> data) {
    if (read_only_ || !in_range(offset, data.size())) return IoStatus::IoError;
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::pwrite(fd_, data.data() + done, data.size() - done,
                                   static_cast<off_t>(offset + done));
        if (n < 0) {
            if (errno == EINTR) continue;
            return IoStatus::IoError;
        }
        if (n == 0) return IoStatus::IoError;  // no progress: out of space
        done += static_cast<std::size_t>(n);
    }
    return IoStatus::Ok;
}

IoStatus RawImage::flush() {
    if (read_only_) return IoStatus::Ok;  // nothing of ours to make durable
    while (::fdatasync(fd_) != 0) {
        if (errno != EINTR) return IoStatus::IoError;
    }
    return IoStatus::Ok;
}

IoStatus RawImage::discard(u64 offset, u64 length) {
    if (read_only_ || !in_range(offset, length)) return IoStatus::IoError;
    if (length == 0) return IoStatus::Ok;
    // KEEP_SIZE: the image keeps its size; a failure (no hole support) is fine for a hint.
    (void)::fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(offset),
                      static_cast<off_t>(length));
    return IoStatus::Ok;
}

IoStatus RawImage::write_zeroes(u64 offset, u64 length, bool may_unmap) {
    if (read_only_ || !in_range(offset, length)) return IoStatus::IoError;
    if (length == 0) return IoStatus::Ok;
    const auto off = static_cast<off_t>(offset);
    const auto len = static_cast<off_t>(length);
    if (may_unmap && ::fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len) == 0)
        return IoStatus::Ok;
    // Not allowed to deallocate: zero the range but keep it allocated.
    if (!may_unmap && ::fallocate(fd_, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, off, len) == 0)
        return IoStatus::Ok;
    return write_zero_bytes(offset, length);
}

IoStatus RawImage::write_zero_bytes(u64 offset, u64 length) {
    static const std::vector<u8> zeroes(1 << 20);
    while (length > 0) {
        const std::size_t n = static_cast<std::size_t>(std::min<u64>(length, zeroes.size()));
        if (write(offset, std::span<const u8>(zeroes.data(), n)) != IoStatus::Ok)
            return IoStatus::IoError;
        offset += n;
        length -= n;
    }
    return IoStatus::Ok;
}

}  // namespace rvisor::storage
