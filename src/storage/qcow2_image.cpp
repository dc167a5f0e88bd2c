// The qcow2 block backend: cluster mapping through L1/L2 tables, allocation with 16-bit
// refcounts, zero clusters, backing chains and copy-on-write. Metadata caches are
// write-through, so the file is always consistent up to the write ordering described in
// qcow2_image.hpp.
#include "storage/qcow2_image.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <unordered_map>

#include "storage/qcow2_format.hpp"

namespace rvisor::storage {

namespace qcow2 {

namespace {

namespace fs = std::filesystem;

// Thrown inside the backend on an I/O-time failure; the public methods turn it into IoError.
struct IoFailure {
    std::string what;
};

// An open file descriptor that closes itself.
class Fd {
  public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const { return fd_; }

  private:
    int fd_ = -1;
};

int open_locked(const fs::path& path, bool read_only) {
    const int fd = ::open(path.c_str(), (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (fd < 0) throw ImageError(path.string() + ": " + std::strerror(errno));
    if (::flock(fd, (read_only ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0) {
        const int err = errno;
        ::close(fd);
        throw ImageError(path.string() + ": " +
                         (err == EWOULDBLOCK ? std::string("is in use (locked by another process)")
                                             : std::strerror(err)));
    }
    return fd;
}

// A raw backing file: read-only, positional reads.
class RawBacking final : public BlockBackend {
  public:
    RawBacking(const fs::path& path) : fd_(open_locked(path, true)) {
        size_ = file_size_of(path, fd_.get());
    }
    u64 size() const override { return size_; }
    bool read_only() const override { return true; }
    IoStatus read(u64 offset, std::span<u8> out) override {
        if (offset > size_ || out.size() > size_ - offset) return IoStatus::IoError;
        return pread_full(fd_.get(), out.data(), out.size(), offset) ? IoStatus::Ok
                                                                     : IoStatus::IoError;
    }
    IoStatus write(u64, std::span<const u8>) override { return IoStatus::IoError; }
    IoStatus flush() override { return IoStatus::Ok; }
    IoStatus discard(u64, u64) override { return IoStatus::IoError; }
    IoStatus write_zeroes(u64, u64, bool) override { return IoStatus::IoError; }

  private:
    Fd fd_;
    u64 size_ = 0;
};

std::unique_ptr<BlockBackend> open_chain(const fs::path& path, bool read_only,
                                         std::vector<fs::path>& chain);

class Qcow2Image final : public BlockBackend {
  public:
    Qcow2Image(const fs::path& path, bool read_only, std::vector<fs::path>& chain)
        : path_(path), ro_(read_only), fd_(open_locked(path, read_only)) {
        file_end_ = file_size_of(path, fd_.get());
        h_ = read_header(path, fd_.get(), file_end_);
        cbits_ = h_.cluster_bits;
        cs_ = h_.cluster_size();
        l2_entries_ = cs_ / 8;
        if (!ro_) {
            if (h_.version < 3) fail_open("qcow2 version 2 images can only be opened read-only");
            if (h_.refcount_order != 4)
                fail_open("refcount width " + std::to_string(1u << h_.refcount_order) +
                          " bits is supported read-only only (16 bits read-write)");
            if (h_.incompatible & kIncompatDirty)
                fail_open("image is dirty; run 'qemu-img check -r all' first");
            if (h_.incompatible & kIncompatCorrupt)
                fail_open("image is marked corrupt; run 'qemu-img check -r all' first");
            if (h_.nb_snapshots > 0)
                fail_open("images with internal snapshots can only be opened read-only");
        }
        file_end_ = (file_end_ + cs_ - 1) & ~(cs_ - 1);
        load_l1();
        load_reftable();
        if (!h_.backing_file.empty()) open_backing(chain);
        if (!ro_ && h_.autoclear != 0) {
            // We keep no bitmaps or other autoclear data consistent: drop the bits first.
            u8 zero[8] = {};
            if (!pwrite_full(fd_.get(), zero, 8, 88) || ::fdatasync(fd_.get()) != 0)
                fail_open(std::string("cannot update header: ") + std::strerror(errno));
            h_.autoclear = 0;
        }
    }

    ~Qcow2Image() override {
        if (!ro_) ::fdatasync(fd_.get());
    }

    u64 size() const override { return h_.size; }
    bool read_only() const override { return ro_; }

    IoStatus read(u64 offset, std::span<u8> out) override {
        if (offset > h_.size || out.size() > h_.size - offset) return IoStatus::IoError;
        return guarded([&] { do_read(offset, out); });
    }
    IoStatus write(u64 offset, std::span<const u8> data) override {
        if (ro_ || failed_ || offset > h_.size || data.size() > h_.size - offset)
            return IoStatus::IoError;
        return guarded([&] { do_write(offset, data); });
    }
    IoStatus flush() override {
        if (ro_) return IoStatus::Ok;
        return ::fdatasync(fd_.get()) == 0 ? IoStatus::Ok : IoStatus::IoError;
    }
    IoStatus discard(u64 offset, u64 length) override {
        if (ro_ || failed_ || offset > h_.size || length > h_.size - offset)
            return IoStatus::IoError;
        // Whole clusters only (a hint). Without a backing file an unallocated cluster reads
        // as zeroes; with one, the zero flag keeps the backing data hidden.
        return guarded([&] { zero_clusters(offset, length, true, false); });
    }
    IoStatus write_zeroes(u64 offset, u64 length, bool may_unmap) override {
        if (ro_ || failed_ || offset > h_.size || length > h_.size - offset)
            return IoStatus::IoError;
        return guarded([&] { zero_clusters(offset, length, may_unmap, true); });
    }

  private:
    template <typename F>
    IoStatus guarded(F&& f) {
        try {
            f();
            return IoStatus::Ok;
        } catch (const IoFailure& e) {
            last_error_ = e.what;
            return IoStatus::IoError;
        }
    }

    [[noreturn]] void fail_open(const std::string& what) const {
        throw ImageError(path_.string() + ": " + what);
    }
    [[noreturn]] void fail(const std::string& what) const {
        throw IoFailure{path_.string() + ": " + what};
    }
    // A failure after part of a multi-step metadata update: refuse further writes.
    [[noreturn]] void fail_meta(const std::string& what) {
        failed_ = true;
        fail(what);
    }

    void pread_or_fail(u8* buf, u64 len, u64 off) {
        if (!pread_full(fd_.get(), buf, len, off))
            fail(std::string("read: ") + std::strerror(errno));
    }
    void pwrite_or_fail(const u8* buf, u64 len, u64 off) {
        if (!pwrite_full(fd_.get(), buf, len, off))
            fail_meta(std::string("write: ") + std::strerror(errno));
        file_end_ = std::max(file_end_, (off + len + cs_ - 1) & ~(cs_ - 1));
    }
    void sync_or_fail() {
        if (::fdatasync(fd_.get()) != 0)
            fail_meta(std::string("fdatasync: ") + std::strerror(errno));
    }

    // A cluster-aligned host offset of a metadata table or data cluster inside the file.
    void check_host(u64 off, const char* what) const {
        if (off == 0 || off % cs_ != 0 || off >= file_end_)
            fail(std::string(what) + " offset 0x" + to_hex(off) +
                 " is invalid or past end of file");
    }
    static std::string to_hex(u64 v) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(v));
        return buf;
    }

    // ---- L1/L2 ----

    void load_l1() {
        l1_.assign(h_.l1_size, 0);
        std::vector<u8> raw(static_cast<u64>(h_.l1_size) * 8);
        if (!pread_full(fd_.get(), raw.data(), raw.size(), h_.l1_table_offset))
            fail_open("cannot read L1 table");
        for (u64 i = 0; i < l1_.size(); ++i) l1_[i] = load_be64(&raw[i * 8]);
    }

    // The L2 table for L1 index i, or nullptr when there is none.
    std::vector<u64>* l2_table(u64 i) {
        const u64 off = l1_[i] & kOffsetMask;
        if (off == 0) return nullptr;
        if (l1_[i] & kL1Reserved) fail("L1 entry " + std::to_string(i) + " has reserved bits set");
        check_host(off, "L2 table");
        auto it = l2_cache_.find(off);
        if (it != l2_cache_.end()) return &it->second;
        if (l2_cache_.size() >= kMaxCachedTables) l2_cache_.clear();  // write-through: clean
        std::vector<u8> raw(cs_);
        pread_or_fail(raw.data(), cs_, off);
        std::vector<u64> t(l2_entries_);
        for (u64 k = 0; k < l2_entries_; ++k) t[k] = load_be64(&raw[k * 8]);
        return &l2_cache_.emplace(off, std::move(t)).first->second;
    }

    // Creates the L2 table for L1 index i if missing: refcount, table contents, then the L1
    // entry, each durable before the next.
    std::vector<u64>* ensure_l2(u64 i) {
        if (auto* t = l2_table(i)) return t;
        const u64 off = alloc_cluster();
        sync_or_fail();
        std::vector<u8> zero(cs_, 0);
        pwrite_or_fail(zero.data(), cs_, off);
        sync_or_fail();
        u8 e[8];
        store_be64(e, off | kCopied);
        pwrite_or_fail(e, 8, h_.l1_table_offset + i * 8);
        l1_[i] = off | kCopied;
        return &l2_cache_.emplace(off, std::vector<u64>(l2_entries_, 0)).first->second;
    }

    void set_l2_entry(u64 guest_cluster, u64 value) {
        const u64 i = guest_cluster / l2_entries_, k = guest_cluster % l2_entries_;
        std::vector<u64>* t = l2_table(i);
        if (!t) fail_meta("internal: L2 table vanished");
        u8 e[8];
        store_be64(e, value);
        pwrite_or_fail(e, 8, (l1_[i] & kOffsetMask) + k * 8);
        (*t)[k] = value;
    }

    enum class Kind { Unallocated, Zero, Normal };
    struct Mapping {
        Kind kind;
        u64 host;  // Normal, or Zero with a preallocated cluster; else 0
    };

    Mapping lookup(u64 guest_cluster) {
        const u64 i = guest_cluster / l2_entries_;
        std::vector<u64>* t = l2_table(i);
        if (!t) return {Kind::Unallocated, 0};
        const u64 e = (*t)[guest_cluster % l2_entries_];
        if (e & kCompressed) fail("compressed clusters not supported");
        const u64 host = e & kOffsetMask;
        if (e & kL2Reserved) fail("L2 entry with reserved bits set");
        if (host != 0) check_host(host, "data cluster");
        if (e & kZeroFlag) return {Kind::Zero, host};
        if (host == 0) return {Kind::Unallocated, 0};
        return {Kind::Normal, host};
    }

    // ---- refcounts ----

    void load_reftable() {
        const u64 n = static_cast<u64>(h_.refcount_table_clusters) * cs_ / 8;
        reftable_.assign(n, 0);
        std::vector<u8> raw(n * 8);
        if (!pread_full(fd_.get(), raw.data(), raw.size(), h_.refcount_table_offset))
            fail_open("cannot read refcount table");
        for (u64 i = 0; i < n; ++i) reftable_[i] = load_be64(&raw[i * 8]);
    }

    u64 refs_per_block() const { return cs_ / 2; }

    std::vector<u16>* refblock(u64 b) {
        if (b >= reftable_.size()) return nullptr;
        const u64 off = reftable_[b] & ~(cs_ - 1);
        if (off == 0) return nullptr;
        if (reftable_[b] & (cs_ - 1)) fail("refcount table entry with reserved bits set");
        check_host(off, "refcount block");
        auto it = refblocks_.find(off);
        if (it != refblocks_.end()) return &it->second;
        if (refblocks_.size() >= kMaxCachedTables) refblocks_.clear();
        std::vector<u8> raw(cs_);
        pread_or_fail(raw.data(), cs_, off);
        std::vector<u16> blk(refs_per_block());
        for (u64 k = 0; k < blk.size(); ++k) blk[k] = load_be16(&raw[k * 2]);
        return &refblocks_.emplace(off, std::move(blk)).first->second;
    }

    u16 refcount(u64 cluster) {
        std::vector<u16>* blk = refblock(cluster / refs_per_block());
        return blk ? (*blk)[cluster % refs_per_block()] : 0;
    }

    void set_refcount(u64 cluster, u16 value) {
        const u64 b = cluster / refs_per_block();
        std::vector<u16>* blk = refblock(b);
        if (!blk) fail_meta("internal: refcount block missing");
        u8 e[2];
        store_be16(e, value);
        pwrite_or_fail(e, 2, (reftable_[b] & ~(cs_ - 1)) + (cluster % refs_per_block()) * 2);
        (*blk)[cluster % refs_per_block()] = value;
    }

    // Allocates one cluster (refcount 1 written, not yet synced) and returns its offset.
    // A range without a refcount block gets one placed in its own first free cluster, so it
    // describes itself; it is durable before the refcount table entry that points to it.
    u64 alloc_cluster() {
        for (;;) {
            u64 c = free_hint_;
            while (refcount(c) != 0) ++c;
            const u64 b = c / refs_per_block();
            if (((c + 1) << cbits_) > (1ULL << 56)) fail_meta("the image file is too large");
            if (b >= reftable_.size()) {
                grow_reftable(b);
                continue;
            }
            if (reftable_[b] == 0) {
                std::vector<u8> raw(cs_, 0);
                store_be16(&raw[(c % refs_per_block()) * 2], 1);
                pwrite_or_fail(raw.data(), cs_, c << cbits_);
                sync_or_fail();
                u8 e[8];
                store_be64(e, c << cbits_);
                pwrite_or_fail(e, 8, h_.refcount_table_offset + b * 8);
                reftable_[b] = c << cbits_;
                std::vector<u16> blk(refs_per_block(), 0);
                blk[c % refs_per_block()] = 1;
                refblocks_[c << cbits_] = std::move(blk);
                free_hint_ = c + 1;
                continue;
            }
            set_refcount(c, 1);
            free_hint_ = c + 1;
            file_end_ = std::max(file_end_, (c + 1) << cbits_);
            return c << cbits_;
        }
    }

    // Moves the refcount table to a larger one at the end of the file covering block `need`.
    // The new table and the refcount blocks it needs are written and counted first, then the
    // header switches to it, then the old table is freed: a crash leaks, never corrupts.
    void grow_reftable(u64 need) {
        const u64 rpb = refs_per_block();
        const u64 entries_per_cluster = cs_ / 8;
        const u64 n = (std::max<u64>(need + 1, reftable_.size() * 2) + entries_per_cluster - 1) /
                      entries_per_cluster;
        if (n * cs_ > kMaxReftableBytes)
            fail_meta("refcount table would exceed " + std::to_string(kMaxReftableBytes >> 20) +
                      " MiB (the image cannot grow further)");
        const u64 start = file_end_ >> cbits_;
        std::vector<u64> table(n * entries_per_cluster, 0);
        std::copy(reftable_.begin(), reftable_.end(), table.begin());
        // Refcount blocks for ranges of the new clusters that have none, placed after the table.
        std::vector<u64> new_blocks;
        for (u64 k = 0;;) {
            new_blocks.clear();
            for (u64 b = start / rpb; b <= (start + n + k - 1) / rpb; ++b) {
                if (b >= table.size()) fail_meta("refcount table growth does not converge");
                if (table[b] == 0) new_blocks.push_back(b);
            }
            if (new_blocks.size() <= k) break;
            k = new_blocks.size();
        }
        const u64 total = n + new_blocks.size();
        for (size_t j = 0; j < new_blocks.size(); ++j)
            table[new_blocks[j]] = (start + n + j) << cbits_;
        // New refcount blocks, counting the new clusters in their ranges.
        for (size_t j = 0; j < new_blocks.size(); ++j) {
            const u64 b = new_blocks[j];
            std::vector<u8> raw(cs_, 0);
            std::vector<u16> blk(rpb, 0);
            for (u64 c = start; c < start + total; ++c)
                if (c / rpb == b) {
                    store_be16(&raw[(c % rpb) * 2], 1);
                    blk[c % rpb] = 1;
                }
            pwrite_or_fail(raw.data(), cs_, (start + n + j) << cbits_);
            refblocks_[(start + n + j) << cbits_] = std::move(blk);
        }
        // New clusters in ranges that already had a refcount block.
        for (u64 c = start; c < start + total; ++c)
            if (c / rpb < reftable_.size() && reftable_[c / rpb] != 0) set_refcount(c, 1);
        std::vector<u8> raw(n * cs_);
        for (u64 i = 0; i < table.size(); ++i) store_be64(&raw[i * 8], table[i]);
        pwrite_or_fail(raw.data(), raw.size(), start << cbits_);
        sync_or_fail();
        u8 hdr[12];
        store_be64(hdr, start << cbits_);
        store_be32(hdr + 8, static_cast<u32>(n));
        pwrite_or_fail(hdr, 12, 48);
        sync_or_fail();
        const u64 old_off = h_.refcount_table_offset;
        const u64 old_n = h_.refcount_table_clusters;
        reftable_ = std::move(table);
        h_.refcount_table_offset = start << cbits_;
        h_.refcount_table_clusters = static_cast<u32>(n);
        for (u64 i = 0; i < old_n; ++i) free_cluster(old_off + (i << cbits_));
    }

    void free_cluster(u64 host) {
        const u64 c = host >> cbits_;
        const u16 r = refcount(c);
        if (r == 0) fail_meta("refcount of cluster 0x" + to_hex(host) + " is already 0");
        set_refcount(c, static_cast<u16>(r - 1));
        if (r == 1) free_hint_ = std::min(free_hint_, c);
    }

    // ---- backing ----

    void open_backing(std::vector<fs::path>& chain) {
        fs::path b = h_.backing_file;
        if (b.is_relative()) b = path_.parent_path() / b;
        std::error_code ec;
        if (!fs::exists(b, ec)) fail_open("backing file " + b.string() + " does not exist");
        const fs::path canon = fs::weakly_canonical(b, ec);
        for (const auto& p : chain)
            if (p == canon) fail_open("backing file " + b.string() + " forms a loop");
        if (chain.size() > 64) fail_open("backing chain too long at " + b.string());
        ImageFormat fmt = ImageFormat::Auto;
        if (h_.backing_format == "qcow2")
            fmt = ImageFormat::Qcow2;
        else if (h_.backing_format == "raw")
            fmt = ImageFormat::Raw;
        else if (!h_.backing_format.empty())
            fail_open("backing file " + b.string() + " has unsupported format '" +
                      h_.backing_format + "'");
        if (fmt == ImageFormat::Auto) fmt = is_qcow2(b) ? ImageFormat::Qcow2 : ImageFormat::Raw;
        try {
            if (fmt == ImageFormat::Qcow2) {
                chain.push_back(canon);
                backing_ = open_chain(b, true, chain);
            } else {
                backing_ = std::make_unique<RawBacking>(b);
            }
        } catch (const ImageError& e) {
            fail_open(std::string("backing file: ") + e.what());
        }
    }

    // Reads guest bytes from the backing image; past its end, zeroes.
    void read_backing(u64 offset, std::span<u8> out) {
        const u64 bsize = backing_ ? backing_->size() : 0;
        u64 n = 0;
        if (offset < bsize) {
            n = std::min<u64>(out.size(), bsize - offset);
            if (backing_->read(offset, out.first(n)) != IoStatus::Ok)
                fail("cannot read backing file " + h_.backing_file);
        }
        std::memset(out.data() + n, 0, out.size() - n);
    }

    // ---- I/O ----

    void do_read(u64 offset, std::span<u8> out) {
        u64 done = 0;
        while (done < out.size()) {
            const u64 pos = offset + done;
            const u64 in = pos & (cs_ - 1);
            const u64 n = std::min<u64>(cs_ - in, out.size() - done);
            u8* dst = out.data() + done;
            const Mapping m = lookup(pos >> cbits_);
            switch (m.kind) {
                case Kind::Unallocated: read_backing(pos, {dst, n}); break;
                case Kind::Zero: std::memset(dst, 0, n); break;
                case Kind::Normal: pread_or_fail(dst, n, m.host + in); break;
            }
            done += n;
        }
    }

    void do_write(u64 offset, std::span<const u8> data) {
        struct Piece {
            u64 guest_cluster, in, n;
            const u8* src;
            Mapping m;
            u64 host;
        };
        std::vector<Piece> pieces;
        bool allocated = false;
        for (u64 done = 0; done < data.size();) {
            const u64 pos = offset + done;
            const u64 in = pos & (cs_ - 1);
            const u64 n = std::min<u64>(cs_ - in, data.size() - done);
            const u64 g = pos >> cbits_;
            ensure_l2(g / l2_entries_);
            Piece p{g, in, n, data.data() + done, lookup(g), 0};
            if (p.m.kind == Kind::Normal || (p.m.kind == Kind::Zero && p.m.host != 0)) {
                p.host = p.m.host;
            } else {
                p.host = alloc_cluster();
                allocated = true;
            }
            pieces.push_back(p);
            done += n;
        }
        if (allocated) sync_or_fail();  // refcounts before the references
        bool remap = false;
        std::vector<u8> buf;
        for (const Piece& p : pieces) {
            if (p.m.kind == Kind::Normal) {
                pwrite_or_fail(p.src, p.n, p.host + p.in);
                continue;
            }
            remap = true;
            if (p.n == cs_) {
                pwrite_or_fail(p.src, cs_, p.host);
                continue;
            }
            // Copy-on-write: the rest of the cluster from the backing file (or zeroes).
            buf.assign(cs_, 0);
            if (p.m.kind == Kind::Unallocated) read_backing(p.guest_cluster << cbits_, buf);
            std::memcpy(buf.data() + p.in, p.src, p.n);
            pwrite_or_fail(buf.data(), cs_, p.host);
        }
        if (!remap) return;
        sync_or_fail();  // data before the L2 entries
        for (const Piece& p : pieces)
            if (p.m.kind != Kind::Normal) set_l2_entry(p.guest_cluster, p.host | kCopied);
    }

    // Zeroes whole clusters through the L2 table; partial clusters are written (zeroes) when
    // `exact`, skipped otherwise. `unmap` releases the host clusters.
    void zero_clusters(u64 offset, u64 length, bool unmap, bool exact) {
        const u64 end = offset + length;
        u64 first = (offset + cs_ - 1) & ~(cs_ - 1);
        u64 last = end & ~(cs_ - 1);
        if (end == h_.size) last = (end + cs_ - 1) & ~(cs_ - 1);  // tail cluster of the disk
        if (first >= last) {
            if (exact) write_zero_bytes(offset, length);
            return;
        }
        if (exact) {
            write_zero_bytes(offset, first - offset);
            write_zero_bytes(last, end > last ? end - last : 0);
        }
        std::vector<u64> to_free;
        for (u64 g = first >> cbits_; g < (last >> cbits_); ++g) {
            const u64 i = g / l2_entries_;
            if (!backing_ && !l2_table(i)) continue;  // already reads as zeroes
            const Mapping m = lookup(g);
            u64 entry;
            if (m.host != 0 && !unmap) {
                entry = m.host | kCopied | kZeroFlag;
            } else {
                if (m.host != 0) to_free.push_back(m.host);
                entry = backing_ ? kZeroFlag : 0;
            }
            if (m.kind == Kind::Unallocated && entry == 0) continue;
            ensure_l2(i);
            set_l2_entry(g, entry);
        }
        if (!to_free.empty()) {
            sync_or_fail();  // the references are gone before the refcounts drop
            for (u64 host : to_free) free_cluster(host);
        }
    }

    void write_zero_bytes(u64 offset, u64 length) {
        if (length == 0) return;
        std::vector<u8> zero(std::min<u64>(length, 1u << 20), 0);
        for (u64 done = 0; done < length;) {
            const u64 n = std::min<u64>(zero.size(), length - done);
            do_write(offset + done, {zero.data(), n});
            done += n;
        }
    }

    static constexpr size_t kMaxCachedTables = 4096;

    fs::path path_;
    bool ro_;
    Fd fd_;
    Header h_;
    u32 cbits_ = 16;
    u64 cs_ = 0;
    u64 l2_entries_ = 0;
    u64 file_end_ = 0;  // cluster-aligned end of the host file
    std::vector<u64> l1_;
    std::unordered_map<u64, std::vector<u64>> l2_cache_;
    std::vector<u64> reftable_;
    std::unordered_map<u64, std::vector<u16>> refblocks_;
    u64 free_hint_ = 0;
    bool failed_ = false;
    std::string last_error_;
    std::unique_ptr<BlockBackend> backing_;
};

std::unique_ptr<BlockBackend> open_chain(const fs::path& path, bool read_only,
                                         std::vector<fs::path>& chain) {
    return std::make_unique<Qcow2Image>(path, read_only, chain);
}

}  // namespace

std::unique_ptr<BlockBackend> open_backing_file(const std::filesystem::path& path,
                                                ImageFormat format) {
    std::vector<std::filesystem::path> chain;
    std::error_code ec;
    chain.push_back(std::filesystem::weakly_canonical(path, ec));
    if (format == ImageFormat::Auto)
        format = is_qcow2(path) ? ImageFormat::Qcow2 : ImageFormat::Raw;
    if (format == ImageFormat::Qcow2) return open_chain(path, true, chain);
    return std::make_unique<RawBacking>(path);
}

}  // namespace qcow2

std::unique_ptr<BlockBackend> open_qcow2(const std::filesystem::path& path, bool read_only) {
    std::vector<std::filesystem::path> chain;
    std::error_code ec;
    chain.push_back(std::filesystem::weakly_canonical(path, ec));
    return qcow2::open_chain(path, read_only, chain);
}

bool is_qcow2(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    u8 magic[4] = {};
    ssize_t n;
    do {
        n = ::pread(fd, magic, 4, 0);
    } while (n < 0 && errno == EINTR);
    ::close(fd);
    return n == 4 && qcow2::load_be32(magic) == qcow2::kMagic;
}

}  // namespace rvisor::storage
