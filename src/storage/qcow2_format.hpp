// Internal to the qcow2 implementation: the on-disk header, its parser and byte-order helpers.
#pragma once

#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

#include "base/types.hpp"
#include "storage/block_backend.hpp"

namespace rvisor::storage::qcow2 {

inline constexpr u32 kMagic = 0x514649fb;                  // "QFI\xfb"
inline constexpr u64 kOffsetMask = 0x00fffffffffffe00ULL;  // bits 9..55 of L1/L2 entries
inline constexpr u64 kCopied = 1ULL << 63;
inline constexpr u64 kCompressed = 1ULL << 62;
inline constexpr u64 kZeroFlag = 1ULL;
inline constexpr u64 kL1Reserved = 0x7f000000000001ffULL;  // bits 0..8, 56..62
inline constexpr u64 kL2Reserved = 0x3f000000000001feULL;  // bits 1..8, 56..61 (standard)
inline constexpr u64 kIncompatDirty = 1, kIncompatCorrupt = 2, kIncompatDataFile = 4,
                     kIncompatCompressionType = 8, kIncompatExtendedL2 = 16;
inline constexpr u64 kKnownIncompat = kIncompatDirty | kIncompatCorrupt | kIncompatCompressionType;
inline constexpr u32 kExtEnd = 0, kExtBackingFormat = 0xe2792aca, kExtFeatureNames = 0x6803f857;
inline constexpr u32 kMaxL1Bytes = 32u << 20;
inline constexpr u64 kMaxReftableBytes = 8u << 20;

inline u64 load_be64(const u8* p) {
    u64 v;
    std::memcpy(&v, p, 8);
    return __builtin_bswap64(v);
}
inline u32 load_be32(const u8* p) {
    u32 v;
    std::memcpy(&v, p, 4);
    return __builtin_bswap32(v);
}
inline u16 load_be16(const u8* p) {
    u16 v;
    std::memcpy(&v, p, 2);
    return __builtin_bswap16(v);
}
inline void store_be64(u8* p, u64 v) {
    v = __builtin_bswap64(v);
    std::memcpy(p, &v, 8);
}
inline void store_be32(u8* p, u32 v) {
    v = __builtin_bswap32(v);
    std::memcpy(p, &v, 4);
}
inline void store_be16(u8* p, u16 v) {
    v = __builtin_bswap16(v);
    std::memcpy(p, &v, 2);
}

struct Header {
    u32 version = 3;
    u64 backing_file_offset = 0;
    u32 backing_file_size = 0;
    u32 cluster_bits = 16;
    u64 size = 0;
    u32 crypt_method = 0;
    u32 l1_size = 0;
    u64 l1_table_offset = 0;
    u64 refcount_table_offset = 0;
    u32 refcount_table_clusters = 0;
    u32 nb_snapshots = 0;
    u64 snapshots_offset = 0;
    u64 incompatible = 0, compatible = 0, autoclear = 0;
    u32 refcount_order = 4;
    u32 header_length = 72;
    std::string backing_file;    // as stored
    std::string backing_format;  // from the extension, may be empty

    u64 cluster_size() const { return 1ULL << cluster_bits; }
};

// Reads and validates the header of an open file (every field range, every table inside the
// file). Throws ImageError naming `path`.
Header read_header(const std::filesystem::path& path, int fd, u64 file_size);

// pread that loops; bytes past end of file read as zeroes. False on an I/O error.
bool pread_full(int fd, u8* buf, u64 len, u64 offset);
bool pwrite_full(int fd, const u8* buf, u64 len, u64 offset);

// Opens an image read-only as a backing file would be (qcow2 with its chain, or raw).
std::unique_ptr<BlockBackend> open_backing_file(const std::filesystem::path& path,
                                                ImageFormat format);

// The file size via fstat; throws ImageError.
u64 file_size_of(const std::filesystem::path& path, int fd);

}  // namespace rvisor::storage::qcow2
