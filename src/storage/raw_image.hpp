// A raw disk image: the virtual disk's bytes, one to one, in a host file (or block device).
#pragma once

#include <filesystem>
#include <memory>

#include "storage/block_backend.hpp"

namespace rvisor::storage {

class RawImage final : public BlockBackend {
  public:
    // Opens `path` read-write (exclusive flock) or read-only (shared flock). The size must be
    // a multiple of 512. Throws ImageError naming the file.
    RawImage(const std::filesystem::path& path, bool read_only);
    ~RawImage() override;
    RawImage(const RawImage&) = delete;
    RawImage& operator=(const RawImage&) = delete;

    u64 size() const override { return size_; }
    bool read_only() const override { return read_only_; }
    IoStatus read(u64 offset, std::span<u8> out) override;
    IoStatus write(u64 offset, std::span<const u8> data) override;
    IoStatus flush() override;
    // Punches a hole (the range then reads as zeroes); a host without hole punching keeps the
    // data, which the discard contract allows.
    IoStatus discard(u64 offset, u64 length) override;
    // may_unmap: punch a hole; otherwise (or when that fails) zero in place.
    IoStatus write_zeroes(u64 offset, u64 length, bool may_unmap) override;

  private:
    bool in_range(u64 offset, u64 length) const {
        return offset <= size_ && length <= size_ - offset;
    }
    IoStatus write_zero_bytes(u64 offset, u64 length);

    int fd_ = -1;
    u64 size_ = 0;
    bool read_only_ = false;
};

}  // namespace rvisor::storage
