// The block-backend interface behind every virtual disk: raw files and qcow2 images look the
// same to the virtio-blk device. Calls are synchronous and made from the device's I/O
// thread, never from a vCPU thread, so a slow host disk never stalls a vCPU.
#pragma once

#include <filesystem>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>

#include "base/types.hpp"

namespace rvisor::storage {

enum class IoStatus : u8 {
    Ok,
    IoError,      // the host I/O failed (or the request is outside the disk)
    Unsupported,  // the backend cannot do this operation
};

class BlockBackend {
public:
    virtual ~BlockBackend() = default;

    // Virtual disk size in bytes (a multiple of 512).
    virtual u64 size() const = 0;
    virtual bool read_only() const = 0;

    // Positional I/O on the virtual disk. A request that reaches past size() fails with
    // IoError without touching anything.
    virtual IoStatus read(u64 offset, std::span<u8> out) = 0;
    virtual IoStatus write(u64 offset, std::span<const u8> data) = 0;
    // Durable when it returns Ok: the data written before it survives a host crash.
    virtual IoStatus flush() = 0;
    // Deallocation hints; after discard the range reads as zeroes or as before (qcow2 with a
    // backing file: as the backing file); after write_zeroes it always reads as zeroes.
    virtual IoStatus discard(u64 offset, u64 length) = 0;
    virtual IoStatus write_zeroes(u64 offset, u64 length, bool may_unmap) = 0;
};

// An image that cannot be opened or is malformed. what() is one line naming the file.
class ImageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class ImageFormat : u8 { Auto, Raw, Qcow2 };

// Opens an image. A read-write open takes an exclusive lock on the file (flock), a read-only
// one a shared lock, so two VMs never write one image. Throws ImageError.
std::unique_ptr<BlockBackend> open_image(const std::filesystem::path& path, ImageFormat format,
                                         bool read_only);

}  // namespace rvisor::storage
