// qcow2 images (version 3 read-write, version 2 read-only), interoperable with QEMU's qemu-img.
//
// Supported: cluster sizes 512 B .. 2 MiB, 16-bit refcounts (other orders read-only), zero
// clusters, backing chains (raw or qcow2, opened read-only) with copy-on-write, discard and
// write_zeroes. Rejected: encryption, external data files, extended L2 entries, unknown
// incompatible features, internal snapshots for writing, compressed clusters (IoError on
// access). Dirty or corrupt-flagged images open read-only only.
//
// Crash safety: a write that allocates makes its refcount updates durable (fdatasync) before
// the data is written, and the data and any new L2 table durable before the L2/L1 entries
// that reference them are written. Freed clusters lose their reference durably before their
// refcount drops. A crash therefore leaves at worst leaked clusters.
//
// Limit: the refcount table does not grow. create_qcow2() sizes it for the whole virtual disk
// plus metadata; an image (e.g. one made by qemu-img with tiny clusters) whose refcount table
// is full fails the allocating write with IoError.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/types.hpp"
#include "storage/block_backend.hpp"

namespace rvisor::storage {

// Opens a qcow2 image and its backing chain. Takes a flock on the image (exclusive for
// read-write, shared for read-only) and shared locks on the backing files. Throws ImageError
// with one line naming the file and the problem.
std::unique_ptr<BlockBackend> open_qcow2(const std::filesystem::path& path, bool read_only);

// Creates (overwrites) a qcow2 v3 image. size 0 with a backing file takes the backing size;
// the size is rounded up to 512. The backing file name is stored as given (a relative name is
// relative to the image's folder), the backing format is probed when Auto. Throws ImageError.
void create_qcow2(const std::filesystem::path& path, u64 size,
                  std::optional<std::filesystem::path> backing, unsigned cluster_bits = 16,
                  ImageFormat backing_format = ImageFormat::Auto);

// True when the file starts with the qcow2 magic.
bool is_qcow2(const std::filesystem::path& path);

struct Qcow2Info {
    u32 version = 0;
    u64 virtual_size = 0;
    u64 cluster_size = 0;
    u64 disk_size = 0;  // bytes the host file occupies
    std::string backing_file;
    std::string backing_format;
    u32 refcount_bits = 16;
    bool dirty = false;
    bool corrupt = false;
};
// Reads the header only. Throws ImageError.
Qcow2Info qcow2_info(const std::filesystem::path& path);

// A refcount consistency check in the manner of `qemu-img check`: leaks are clusters with a
// refcount but no reference; errors are references to clusters whose refcount differs from
// the number of references, or metadata pointing outside the file or misaligned.
struct Qcow2CheckResult {
    u64 errors = 0;
    u64 leaks = 0;
    u64 allocated_clusters = 0;         // clusters referenced by the image
    u64 total_clusters = 0;             // virtual disk size in clusters
    std::vector<std::string> messages;  // one per problem (first 100)
    bool clean() const { return errors == 0 && leaks == 0; }
};
// Throws ImageError when the header itself is unusable.
Qcow2CheckResult check_qcow2(const std::filesystem::path& path);

}  // namespace rvisor::storage
