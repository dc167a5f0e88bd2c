// qcow2 header parsing and validation, shared by the image backend, create, info and check.
#include "storage/qcow2_format.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace rvisor::storage::qcow2 {

namespace {

[[noreturn]] void bad(const std::filesystem::path& path, const std::string& what) {
    throw ImageError(path.string() + ": " + what);
}

std::string hex(u64 v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

// Names of incompatible features from the feature name table, for the error message.
std::string feature_names(u64 bits, const std::vector<std::pair<u8, std::string>>& table) {
    std::string out;
    for (unsigned b = 0; b < 64; ++b) {
        if (!(bits >> b & 1)) continue;
        std::string name;
        for (const auto& [bit, n] : table)
            if (bit == b) name = n;
        if (!out.empty()) out += ", ";
        out +=
            name.empty() ? "bit " + std::to_string(b) : name + " (bit " + std::to_string(b) + ")";
    }
    return out;
}

}  // namespace

bool pread_full(int fd, u8* buf, u64 len, u64 offset) {
    while (len > 0) {
        const ssize_t n = ::pread(fd, buf, len, static_cast<off_t>(offset));
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        if (n == 0) {
            std::memset(buf, 0, len);
            return true;
        }
        buf += n;
        len -= static_cast<u64>(n);
        offset += static_cast<u64>(n);
    }
    return true;
}

bool pwrite_full(int fd, const u8* buf, u64 len, u64 offset) {
    while (len > 0) {
        const ssize_t n = ::pwrite(fd, buf, len, static_cast<off_t>(offset));
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        buf += n;
        len -= static_cast<u64>(n);
        offset += static_cast<u64>(n);
    }
    return true;
}

u64 file_size_of(const std::filesystem::path& path, int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) bad(path, std::string("cannot stat: ") + std::strerror(errno));
    return static_cast<u64>(st.st_size);
}

Header read_header(const std::filesystem::path& path, int fd, u64 file_size) {
    u8 raw[112] = {};
    if (file_size < 72) bad(path, "not a qcow2 image (file too short for a header)");
    if (!pread_full(fd, raw, sizeof raw, 0))
        bad(path, std::string("cannot read header: ") + std::strerror(errno));
    if (load_be32(raw) != kMagic) bad(path, "not a qcow2 image (bad magic)");
    Header h;
    h.version = load_be32(raw + 4);
    if (h.version != 2 && h.version != 3)
        bad(path, "unsupported qcow2 version " + std::to_string(h.version));
    h.backing_file_offset = load_be64(raw + 8);
    h.backing_file_size = load_be32(raw + 16);
    h.cluster_bits = load_be32(raw + 20);
    h.size = load_be64(raw + 24);
    h.crypt_method = load_be32(raw + 32);
    h.l1_size = load_be32(raw + 36);
    h.l1_table_offset = load_be64(raw + 40);
    h.refcount_table_offset = load_be64(raw + 48);
    h.refcount_table_clusters = load_be32(raw + 56);
    h.nb_snapshots = load_be32(raw + 60);
    h.snapshots_offset = load_be64(raw + 64);
    if (h.version >= 3) {
        if (file_size < 104) bad(path, "truncated qcow2 v3 header");
        h.incompatible = load_be64(raw + 72);
        h.compatible = load_be64(raw + 80);
        h.autoclear = load_be64(raw + 88);
        h.refcount_order = load_be32(raw + 96);
        h.header_length = load_be32(raw + 100);
    }

    if (h.cluster_bits < 9 || h.cluster_bits > 21)
        bad(path, "unsupported cluster size 2^" + std::to_string(h.cluster_bits) +
                      " (512 B .. 2 MiB supported)");
    const u64 cs = h.cluster_size();
    if (h.version >= 3) {
        if (h.header_length < 104 || h.header_length % 8 != 0 || h.header_length > cs)
            bad(path, "invalid header_length " + std::to_string(h.header_length));
        if (h.header_length >= 105 && raw[104] != 0 && !(h.incompatible & kIncompatCompressionType))
            bad(path, "compression type set without its feature bit");
    }
    if (h.refcount_order > 6)
        bad(path, "invalid refcount_order " + std::to_string(h.refcount_order));
    if (h.crypt_method != 0) bad(path, "encrypted images are not supported");
    if (h.size > (1ULL << 62))
        bad(path, "virtual size " + std::to_string(h.size) + " is too large");
    const u64 l2_entries = cs / 8;
    const u128 per_l1 = static_cast<u128>(cs) * l2_entries;
    const u64 needed_l1 = static_cast<u64>((h.size + per_l1 - 1) / per_l1);
    if (h.l1_size < needed_l1)
        bad(path, "L1 table has " + std::to_string(h.l1_size) +
                      " entries, the virtual size needs " + std::to_string(needed_l1));
    if (static_cast<u64>(h.l1_size) * 8 > kMaxL1Bytes) bad(path, "L1 table too large");
    if (h.l1_size > 0 && (h.l1_table_offset % cs != 0 || h.l1_table_offset == 0 ||
                          h.l1_table_offset + static_cast<u64>(h.l1_size) * 8 > file_size))
        bad(path, "L1 table offset " + hex(h.l1_table_offset) + " is invalid or past end of file");
    if (h.refcount_table_clusters == 0 ||
        static_cast<u64>(h.refcount_table_clusters) * cs > kMaxReftableBytes)
        bad(path, "invalid refcount table size (" + std::to_string(h.refcount_table_clusters) +
                      " clusters)");
    if (h.refcount_table_offset % cs != 0 || h.refcount_table_offset == 0 ||
        h.refcount_table_offset + static_cast<u64>(h.refcount_table_clusters) * cs > file_size)
        bad(path, "refcount table offset " + hex(h.refcount_table_offset) +
                      " is invalid or past end of file");
    if (h.nb_snapshots > 0 && (h.snapshots_offset % cs != 0 || h.snapshots_offset >= file_size))
        bad(path, "snapshot table offset " + hex(h.snapshots_offset) + " is invalid");

    // Header extensions (version 3: after header_length; version 2: after the 72-byte header),
    // all inside the first cluster and before the backing file name.
    std::vector<std::pair<u8, std::string>> names;
    {
        u64 end = cs;
        if (h.backing_file_offset != 0 && h.backing_file_offset < end) end = h.backing_file_offset;
        std::vector<u8> buf(cs);
        if (!pread_full(fd, buf.data(), cs, 0)) bad(path, "cannot read header cluster");
        u64 pos = h.version >= 3 ? h.header_length : 72;
        while (pos + 8 <= end) {
            const u32 type = load_be32(&buf[pos]);
            const u32 len = load_be32(&buf[pos + 4]);
            if (type == kExtEnd) break;
            if (pos + 8 + len > end) bad(path, "header extension overruns the header cluster");
            const u8* data = &buf[pos + 8];
            if (type == kExtBackingFormat) {
                h.backing_format.assign(reinterpret_cast<const char*>(data), len);
                const auto nul = h.backing_format.find('\0');
                if (nul != std::string::npos) h.backing_format.resize(nul);
            } else if (type == kExtFeatureNames) {
                for (u32 i = 0; i + 48 <= len; i += 48) {
                    if (data[i] != 0) continue;  // only incompatible features are named in errors
                    std::string n(reinterpret_cast<const char*>(data + i + 2), 46);
                    n.resize(std::strlen(n.c_str()));
                    names.emplace_back(data[i + 1], n);
                }
            }
            pos += 8 + ((static_cast<u64>(len) + 7) & ~7ULL);
        }
    }
    const u64 unknown = h.incompatible & ~kKnownIncompat;
    if (unknown) bad(path, "unsupported incompatible features: " + feature_names(unknown, names));

    if (h.backing_file_offset != 0) {
        if (h.backing_file_size == 0 || h.backing_file_size > 1023 ||
            h.backing_file_offset + h.backing_file_size > std::min<u64>(cs, file_size))
            bad(path, "invalid backing file name location");
        h.backing_file.resize(h.backing_file_size);
        if (!pread_full(fd, reinterpret_cast<u8*>(h.backing_file.data()), h.backing_file_size,
                        h.backing_file_offset))
            bad(path, "cannot read backing file name");
    }
    return h;
}

}  // namespace rvisor::storage::qcow2
