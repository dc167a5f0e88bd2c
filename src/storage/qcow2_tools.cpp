// qcow2 image creation, header info and the refcount consistency check.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "storage/qcow2_format.hpp"
#include "storage/qcow2_image.hpp"

namespace rvisor::storage {

namespace {

namespace fs = std::filesystem;
using namespace qcow2;

u64 div_up(u64 a, u64 b) {
    return (a + b - 1) / b;
}

std::string hex(u64 v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

class ReadFd {
  public:
    explicit ReadFd(const fs::path& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
        if (fd_ < 0) throw ImageError(path.string() + ": " + std::strerror(errno));
    }
    ReadFd(const ReadFd&) = delete;
    ReadFd& operator=(const ReadFd&) = delete;
    ~ReadFd() { ::close(fd_); }
    int get() const { return fd_; }

  private:
    int fd_;
};

}  // namespace

void create_qcow2(const fs::path& path, u64 size, std::optional<fs::path> backing,
                  unsigned cluster_bits, ImageFormat backing_format) {
    auto bad = [&](const std::string& what) { throw ImageError(path.string() + ": " + what); };
    if (cluster_bits < 9 || cluster_bits > 21)
        bad("cluster size must be 512 B .. 2 MiB (cluster_bits 9..21)");
    std::string fmt_name;
    if (backing) {
        if (backing->empty()) bad("empty backing file name");
        if (backing->string().size() > 1023) bad("backing file name longer than 1023 bytes");
        fs::path resolved = *backing;
        if (resolved.is_relative()) resolved = path.parent_path() / resolved;
        std::error_code ec;
        if (fs::weakly_canonical(resolved, ec) == fs::weakly_canonical(path, ec))
            bad("an image cannot be its own backing file");
        if (backing_format == ImageFormat::Auto)
            backing_format = is_qcow2(resolved) ? ImageFormat::Qcow2 : ImageFormat::Raw;
        try {
            auto b = open_backing_file(resolved, backing_format);
            if (size == 0) size = b->size();
        } catch (const ImageError& e) {
            bad(std::string("backing file: ") + e.what());
        }
        fmt_name = backing_format == ImageFormat::Qcow2 ? "qcow2" : "raw";
    }
    if (size == 0) bad("the image size must be positive");
    if (size > (1ULL << 60)) bad("the image size is too large");
    size = (size + 511) & ~511ULL;

    const u64 cs = 1ULL << cluster_bits;
    const u64 l2e = cs / 8;
    const u64 rpb = cs / 2;
    const u64 l1_size = div_up(size, cs * l2e);
    const u64 l1c = div_up(l1_size * 8, cs);
    if (l1_size * 8 > kMaxL1Bytes) bad("the image size is too large for this cluster size");
    // Refcount table: enough to cover every cluster the image can ever need.
    const u64 worst = 1 + l1c + l1_size + div_up(size, cs);
    u64 rt = 1;
    for (;;) {
        const u64 rb = div_up(worst + rt, rpb - 1);
        const u64 need = std::max<u64>(1, div_up(rb * 8, cs));
        if (need <= rt) break;
        rt = need;
    }
    rt = std::min<u64>(rt, kMaxReftableBytes / cs);
    // Refcount blocks for the initial metadata only.
    u64 rb0 = 1;
    while (div_up(1 + rt + rb0 + l1c, rpb) > rb0) ++rb0;
    const u64 meta = 1 + rt + rb0 + l1c;
    const u64 l1_off = (1 + rt + rb0) * cs;

    std::vector<u8> img(meta * cs, 0);
    u8* hd = img.data();
    store_be32(hd + 0, kMagic);
    store_be32(hd + 4, 3);
    store_be32(hd + 20, cluster_bits);
    store_be64(hd + 24, size);
    store_be32(hd + 36, static_cast<u32>(l1_size));
    store_be64(hd + 40, l1_off);
    store_be64(hd + 48, cs);
    store_be32(hd + 56, static_cast<u32>(rt));
    store_be32(hd + 96, 4);     // refcount_order: 16-bit
    store_be32(hd + 100, 112);  // header_length, compression type zlib at 104
    u64 pos = 112;
    if (backing) {
        store_be32(hd + pos, kExtBackingFormat);
        store_be32(hd + pos + 4, static_cast<u32>(fmt_name.size()));
        std::memcpy(hd + pos + 8, fmt_name.data(), fmt_name.size());
        pos += 8 + ((fmt_name.size() + 7) & ~7ULL);
    }
    pos += 8;  // end-of-extensions marker (zeroes)
    if (backing) {
        const std::string name = backing->string();
        if (pos + name.size() > cs) bad("backing file name does not fit the header cluster");
        store_be64(hd + 8, pos);
        store_be32(hd + 16, static_cast<u32>(name.size()));
        std::memcpy(hd + pos, name.data(), name.size());
    }
    for (u64 k = 0; k < rb0; ++k) store_be64(hd + cs + k * 8, (1 + rt + k) * cs);
    for (u64 c = 0; c < meta; ++c) store_be16(hd + (1 + rt + c / rpb) * cs + (c % rpb) * 2, 1);

    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) bad(std::strerror(errno));
    bool ok = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
    if (!ok) {
        ::close(fd);
        bad("is in use (locked by another process)");
    }
    ok = ::ftruncate(fd, 0) == 0 && pwrite_full(fd, img.data(), img.size(), 0) &&
         ::fdatasync(fd) == 0;
    const int err = errno;
    ::close(fd);
    if (!ok) bad(std::string("cannot write: ") + std::strerror(err));
}

Qcow2Info qcow2_info(const fs::path& path) {
    ReadFd fd(path);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) throw ImageError(path.string() + ": cannot stat");
    const Header h = read_header(path, fd.get(), static_cast<u64>(st.st_size));
    Qcow2Info info;
    info.version = h.version;
    info.virtual_size = h.size;
    info.cluster_size = h.cluster_size();
    info.disk_size = static_cast<u64>(st.st_blocks) * 512;
    info.backing_file = h.backing_file;
    info.backing_format = h.backing_format;
    info.refcount_bits = 1u << h.refcount_order;
    info.dirty = h.incompatible & kIncompatDirty;
    info.corrupt = h.incompatible & kIncompatCorrupt;
    return info;
}

Qcow2CheckResult check_qcow2(const fs::path& path) {
    ReadFd fd(path);
    const u64 file_size = file_size_of(path, fd.get());
    const Header h = read_header(path, fd.get(), file_size);
    if (h.refcount_order != 4)
        throw ImageError(path.string() + ": check supports 16-bit refcounts only");
    const u64 cs = h.cluster_size();
    const u64 rpb = cs / 2;
    const u64 nclusters = div_up(file_size, cs);
    Qcow2CheckResult r;
    r.total_clusters = div_up(h.size, cs);
    auto error = [&](const std::string& msg) {
        ++r.errors;
        if (r.messages.size() < 100) r.messages.push_back("ERROR " + msg);
    };
    std::vector<u32> refs(nclusters, 0);
    auto add = [&](u64 off, u64 len, const char* what) {
        if (len == 0) return;
        for (u64 c = off / cs; c <= (off + len - 1) / cs; ++c) {
            if (c >= nclusters) {
                error(std::string(what) + " at " + hex(c * cs) + " is past the end of the file");
                return;
            }
            ++refs[c];
        }
    };
    auto read_table = [&](u64 off, u64 bytes) {
        std::vector<u8> raw(bytes);
        if (!pread_full(fd.get(), raw.data(), bytes, off))
            throw ImageError(path.string() + ": read error during check");
        return raw;
    };

    add(0, cs, "header");
    add(h.l1_table_offset, static_cast<u64>(h.l1_size) * 8, "L1 table");
    add(h.refcount_table_offset, static_cast<u64>(h.refcount_table_clusters) * cs,
        "refcount table");
    if (h.nb_snapshots > 0) error("internal snapshots are not supported by this check");

    // (host offset, has COPIED flag) of every L2 table and data cluster, checked at the end.
    std::vector<std::pair<u64, bool>> copied;
    const std::vector<u8> l1 = read_table(h.l1_table_offset, static_cast<u64>(h.l1_size) * 8);
    for (u64 i = 0; i < h.l1_size; ++i) {
        const u64 e = load_be64(&l1[i * 8]);
        const u64 off = e & kOffsetMask;
        if (off == 0) continue;
        if ((e & kL1Reserved) || off % cs != 0) {
            error("L1 entry " + std::to_string(i) + " is invalid (" + hex(e) + ")");
            continue;
        }
        if (off >= file_size) {
            error("L2 table at " + hex(off) + " is past the end of the file");
            continue;
        }
        add(off, cs, "L2 table");
        copied.emplace_back(off, e & kCopied);
        const std::vector<u8> l2 = read_table(off, cs);
        for (u64 k = 0; k < cs / 8; ++k) {
            const u64 d = load_be64(&l2[k * 8]);
            if (d & kCompressed) {
                const unsigned x = 62 - (h.cluster_bits - 8);
                const u64 coff = d & ((1ULL << x) - 1);
                const u64 sectors = ((d >> x) & ((1ULL << (h.cluster_bits - 8)) - 1)) + 1;
                add(coff & ~511ULL, (coff & 511) + sectors * 512 - (coff & 511), "compressed data");
                ++r.allocated_clusters;
                continue;
            }
            const u64 host = d & kOffsetMask;
            if (host == 0) continue;
            if ((d & kL2Reserved) || host % cs != 0) {
                error("L2 entry " + std::to_string(k) + " of the table at " + hex(off) +
                      " is invalid (" + hex(d) + ")");
                continue;
            }
            if (host >= file_size) {
                error("data cluster at " + hex(host) + " is past the end of the file");
                continue;
            }
            add(host, cs, "data cluster");
            copied.emplace_back(host, d & kCopied);
            ++r.allocated_clusters;
        }
    }

    // Stored refcounts.
    const u64 rt_entries = static_cast<u64>(h.refcount_table_clusters) * cs / 8;
    const std::vector<u8> rt = read_table(h.refcount_table_offset, rt_entries * 8);
    std::vector<u16> stored(nclusters, 0);
    for (u64 b = 0; b < rt_entries; ++b) {
        const u64 e = load_be64(&rt[b * 8]);
        const u64 off = e & ~(cs - 1);
        if (e == 0) continue;
        if (e & (cs - 1)) {
            error("refcount table entry " + std::to_string(b) + " is misaligned");
            continue;
        }
        if (off >= file_size) {
            error("refcount block at " + hex(off) + " is past the end of the file");
            continue;
        }
        add(off, cs, "refcount block");
        const std::vector<u8> blk = read_table(off, cs);
        for (u64 k = 0; k < rpb; ++k) {
            const u64 c = b * rpb + k;
            const u16 v = load_be16(&blk[k * 2]);
            if (c < nclusters) stored[c] = v;  // past the end of the file: ignored, as qemu-img
        }
    }
    for (u64 c = 0; c < nclusters; ++c) {
        if (stored[c] == refs[c]) continue;
        if (refs[c] == 0) {
            ++r.leaks;
            if (r.messages.size() < 100)
                r.messages.push_back("Leaked cluster " + std::to_string(c) +
                                     " refcount=" + std::to_string(stored[c]) + " reference=0");
        } else {
            error("cluster " + std::to_string(c) + " refcount=" + std::to_string(stored[c]) +
                  " reference=" + std::to_string(refs[c]));
        }
    }
    for (const auto& [host, flag] : copied) {
        const u64 c = host / cs;
        if (c < nclusters && (stored[c] == 1) != flag)
            error("OFLAG_COPIED at " + hex(host) + ": refcount=" + std::to_string(stored[c]));
    }
    return r;
}

}  // namespace rvisor::storage
