#include "machine/snapshot.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "machine/nic_config.hpp"
#include "mem/address_map.hpp"

namespace rvisor::machine {

namespace {

// Header field offsets.
constexpr u64 kOffVersion = 8;
constexpr u64 kOffStateOffset = 16;
constexpr u64 kOffStateSize = 24;
constexpr u64 kOffRunsOffset = 32;
constexpr u64 kOffRunCount = 40;
constexpr u64 kOffChecksum = 48;
constexpr u64 kOffRamOffset = 56;
constexpr u64 kOffRamSize = 64;

// Zero runs at least this long get anonymous memory on restore instead of the file's holes
// (whose page-cache pages a write fault would first allocate and zero); shorter ones are not
// worth a mapping each. The cap keeps the mapping count far below vm.max_map_count.
constexpr u64 kMinAnonymousRunPages = 16;
constexpr std::size_t kMaxAnonymousRuns = 8192;
// Largest single write of RAM data.
constexpr u64 kMaxWriteBytes = 64ULL << 20;

u64 round_up_page(u64 v) {
    return (v + mem::kPageSize - 1) & ~(mem::kPageSize - 1);
}

u64 fnv1a(u64 h, std::span<const u8> data) {
    for (u8 b : data) {
        h ^= b;
        h *= 0x100000001b3ULL;
    }
    return h;
}
constexpr u64 kFnvBasis = 0xcbf29ce484222325ULL;

template <typename T>
void store_le(std::vector<u8>& buf, u64 at, T v) {
    std::memcpy(buf.data() + at, &v, sizeof v);
}
template <typename T>
T load_le(const std::vector<u8>& buf, u64 at) {
    T v;
    std::memcpy(&v, buf.data() + at, sizeof v);
    return v;
}

bool page_is_zero(const u8* p) {
    // Whole words; RAM pages are page-aligned.
    const u64* w = reinterpret_cast<const u64*>(p);
    u64 acc = 0;
    for (unsigned i = 0; i < mem::kPageSize / 8; i += 8)
        acc |= w[i] | w[i + 1] | w[i + 2] | w[i + 3] | w[i + 4] | w[i + 5] | w[i + 6] | w[i + 7];
    return acc == 0;
}

struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

std::string errno_text() {
    return std::strerror(errno);
}

void write_all(int fd, const u8* data, u64 len, u64 offset, const std::string& what) {
    while (len > 0) {
        const ssize_t n =
            ::pwrite(fd, data, std::min(len, kMaxWriteBytes), static_cast<off_t>(offset));
        if (n < 0) {
            if (errno == EINTR) continue;
            throw std::runtime_error(what + ": cannot write: " + errno_text());
        }
        data += n;
        len -= static_cast<u64>(n);
        offset += static_cast<u64>(n);
    }
}

}  // namespace

// ---- config ----

void save_snapshot_config(mem::StateWriter& w, const SnapshotConfig& c) {
    w.begin("config", 1);
    w.put_string(c.name);
    w.put<u32>(c.cpus);
    w.put<u64>(c.memory);
    w.put<u32>(static_cast<u32>(c.disks.size()));
    for (const DiskConfig& d : c.disks) {
        w.put_string(d.path.string());
        w.put(d.format);
        w.put<bool>(d.read_only);
        w.put_string(d.serial);
    }
    w.put<u32>(static_cast<u32>(c.nics.size()));
    // NICs in their user-facing spec syntax: stable across changes of NicConfig's layout.
    for (const NicConfig& n : c.nics) w.put_string(format_nic_spec(n));
}

namespace {

SnapshotConfig load_snapshot_config(mem::StateReader& r) {
    r.begin("config", 1);
    SnapshotConfig c;
    c.name = r.get_string(256);
    c.cpus = r.get<u32>();
    if (c.cpus == 0 || c.cpus > kMaxCpus) r.mismatch("the vCPU count", c.cpus, kMaxCpus);
    c.memory = r.get<u64>();
    const u32 disks = r.get<u32>();
    if (disks > mem::kVirtioSlots) r.fail(std::to_string(disks) + " disks is too many");
    for (u32 i = 0; i < disks; ++i) {
        DiskConfig d;
        d.path = r.get_string();
        d.format = r.get<storage::ImageFormat>();
        d.read_only = r.get<bool>();
        d.serial = r.get_string(64);
        c.disks.push_back(std::move(d));
    }
    const u32 nics = r.get<u32>();
    if (nics + disks > mem::kVirtioSlots) r.fail(std::to_string(nics) + " NICs is too many");
    for (u32 i = 0; i < nics; ++i) {
        const std::string spec = r.get_string();
        try {
            c.nics.push_back(parse_nic_spec(spec));
        } catch (const std::invalid_argument& e) {
            r.fail("NIC " + std::to_string(i) + ": " + e.what());
        }
    }
    return c;
}

}  // namespace

void apply_snapshot_config(const SnapshotConfig& snap, VmConfig& config) {
    config.cpus = snap.cpus;
    config.memory = snap.memory;
    if (config.name == VmConfig{}.name) config.name = snap.name;
    if (config.disks.empty()) {
        config.disks = snap.disks;
    } else if (config.disks.size() != snap.disks.size()) {
        throw std::runtime_error("restore: " + std::to_string(config.disks.size()) +
                                 " disks given, but the snapshot has " +
                                 std::to_string(snap.disks.size()));
    }
    if (config.nics.empty()) {
        config.nics = snap.nics;
    } else if (config.nics.size() != snap.nics.size()) {
        throw std::runtime_error("restore: " + std::to_string(config.nics.size()) +
                                 " NICs given, but the snapshot has " +
                                 std::to_string(snap.nics.size()));
    } else {
        // The guest's driver read its MAC at boot: a restored NIC must keep it.
        for (std::size_t i = 0; i < config.nics.size(); ++i)
            if (!config.nics[i].mac) config.nics[i].mac = snap.nics[i].mac;
    }
}

// ---- writing ----

void write_snapshot_file(const std::filesystem::path& file, const mem::StateWriter& state,
                         const mem::GuestRam& ram) {
    const std::string what = file.string();
    // Runs of pages holding data.
    std::vector<std::pair<u64, u64>> runs;
    const u64 pages = ram.size() >> mem::kPageShift;
    for (u64 p = 0; p < pages; ++p) {
        if (page_is_zero(ram.host(ram.base() + (p << mem::kPageShift)))) continue;
        if (!runs.empty() && runs.back().first + runs.back().second == p)
            ++runs.back().second;
        else
            runs.emplace_back(p, 1);
    }
    std::vector<u8> runs_bytes(runs.size() * 16);
    for (std::size_t i = 0; i < runs.size(); ++i) {
        store_le<u64>(runs_bytes, i * 16, runs[i].first);
        store_le<u64>(runs_bytes, i * 16 + 8, runs[i].second);
    }
    const std::vector<u8>& st = state.bytes();
    const u64 state_offset = kSnapshotHeaderBytes;
    const u64 runs_offset = state_offset + st.size();
    const u64 ram_offset = round_up_page(runs_offset + runs_bytes.size());

    std::vector<u8> header(kSnapshotHeaderBytes, 0);
    std::memcpy(header.data(), kSnapshotMagic, sizeof kSnapshotMagic);
    store_le<u32>(header, kOffVersion, kSnapshotFormatVersion);
    store_le<u64>(header, kOffStateOffset, state_offset);
    store_le<u64>(header, kOffStateSize, st.size());
    store_le<u64>(header, kOffRunsOffset, runs_offset);
    store_le<u64>(header, kOffRunCount, runs.size());
    store_le<u64>(header, kOffChecksum, fnv1a(fnv1a(kFnvBasis, st), runs_bytes));
    store_le<u64>(header, kOffRamOffset, ram_offset);
    store_le<u64>(header, kOffRamSize, ram.size());

    const std::filesystem::path tmp = file.string() + ".tmp";
    try {
        Fd f;
        f.fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (f.fd < 0)
            throw std::runtime_error(what + ": cannot create " + tmp.string() + ": " +
                                     errno_text());
        write_all(f.fd, st.data(), st.size(), state_offset, what);
        write_all(f.fd, runs_bytes.data(), runs_bytes.size(), runs_offset, what);
        for (const auto& [first, count] : runs)
            write_all(f.fd, ram.host(ram.base() + (first << mem::kPageShift)),
                      count << mem::kPageShift, ram_offset + (first << mem::kPageShift), what);
        // The full length, so the zero tail is a hole too and the image maps whole.
        if (::ftruncate(f.fd, static_cast<off_t>(ram_offset + ram.size())) != 0)
            throw std::runtime_error(what + ": cannot extend: " + errno_text());
        // The header last: a crash before this leaves no valid magic in the temporary file.
        write_all(f.fd, header.data(), header.size(), 0, what);
        if (::fsync(f.fd) != 0) throw std::runtime_error(what + ": cannot sync: " + errno_text());
        if (::close(f.fd) != 0) {
            f.fd = -1;
            throw std::runtime_error(what + ": cannot close: " + errno_text());
        }
        f.fd = -1;
        if (::rename(tmp.c_str(), file.c_str()) != 0)
            throw std::runtime_error(what + ": cannot rename the temporary file: " + errno_text());
    } catch (...) {
        ::unlink(tmp.c_str());
        throw;
    }
    // Make the rename durable.
    const std::filesystem::path dir = file.has_parent_path() ? file.parent_path() : ".";
    Fd d;
    d.fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d.fd >= 0) ::fsync(d.fd);
}

// ---- reading ----

SnapshotFile::SnapshotFile(SnapshotFile&& o) noexcept {
    *this = std::move(o);
}

SnapshotFile& SnapshotFile::operator=(SnapshotFile&& o) noexcept {
    if (this != &o) {
        if (fd_ >= 0) ::close(fd_);
        path_ = std::move(o.path_);
        fd_ = std::exchange(o.fd_, -1);
        state_ = std::move(o.state_);
        config_end_ = o.config_end_;
        runs_ = std::move(o.runs_);
        ram_offset_ = o.ram_offset_;
        ram_size_ = o.ram_size_;
        config_ = std::move(o.config_);
    }
    return *this;
}

SnapshotFile::~SnapshotFile() {
    if (fd_ >= 0) ::close(fd_);
}

SnapshotFile SnapshotFile::open(const std::filesystem::path& file) {
    const std::string what = "snapshot " + file.string();
    SnapshotFile s;
    s.path_ = file;
    s.fd_ = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (s.fd_ < 0) throw std::runtime_error(what + ": cannot open: " + errno_text());
    struct stat st {};
    if (::fstat(s.fd_, &st) != 0) throw std::runtime_error(what + ": cannot stat: " + errno_text());
    if (!S_ISREG(st.st_mode)) throw std::runtime_error(what + ": not a regular file");
    const u64 file_size = static_cast<u64>(st.st_size);
    auto read_at = [&](std::vector<u8>& buf, u64 offset) {
        u64 done = 0;
        while (done < buf.size()) {
            const ssize_t n = ::pread(s.fd_, buf.data() + done, buf.size() - done,
                                      static_cast<off_t>(offset + done));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) throw std::runtime_error(what + ": cannot read: " + errno_text());
            if (n == 0) throw std::runtime_error(what + ": truncated");
            done += static_cast<u64>(n);
        }
    };
    if (file_size < sizeof kSnapshotMagic + 4)
        throw std::runtime_error(what + ": not an rvisor snapshot (file too short)");
    std::vector<u8> header(std::min<u64>(file_size, kSnapshotHeaderBytes));
    read_at(header, 0);
    if (std::memcmp(header.data(), kSnapshotMagic, sizeof kSnapshotMagic) != 0)
        throw std::runtime_error(what + ": not an rvisor snapshot (bad magic)");
    const u32 version = load_le<u32>(header, kOffVersion);
    if (version != kSnapshotFormatVersion)
        throw std::runtime_error(what + ": format version " + std::to_string(version) +
                                 ", this rvisor reads version " +
                                 std::to_string(kSnapshotFormatVersion));
    if (header.size() < kSnapshotHeaderBytes) throw std::runtime_error(what + ": truncated header");
    const u64 state_offset = load_le<u64>(header, kOffStateOffset);
    const u64 state_size = load_le<u64>(header, kOffStateSize);
    const u64 runs_offset = load_le<u64>(header, kOffRunsOffset);
    const u64 run_count = load_le<u64>(header, kOffRunCount);
    const u64 checksum = load_le<u64>(header, kOffChecksum);
    s.ram_offset_ = load_le<u64>(header, kOffRamOffset);
    s.ram_size_ = load_le<u64>(header, kOffRamSize);
    // Every section must lie in the file, in order, without overflow.
    constexpr u64 kMaxState = 64ULL << 20;
    const u64 ram_pages = s.ram_size_ >> mem::kPageShift;
    if (state_offset != kSnapshotHeaderBytes || state_size > kMaxState ||
        runs_offset != state_offset + state_size || run_count > ram_pages ||
        s.ram_offset_ % mem::kPageSize != 0 || s.ram_offset_ < runs_offset + run_count * 16 ||
        s.ram_size_ % mem::kPageSize != 0 || s.ram_size_ == 0)
        throw std::runtime_error(what + ": corrupt header");
    if (s.ram_offset_ > file_size || s.ram_size_ > file_size - s.ram_offset_)
        throw std::runtime_error(what + ": truncated (" + std::to_string(file_size) +
                                 " bytes, the RAM image needs " +
                                 std::to_string(s.ram_offset_ + s.ram_size_) + ")");
    s.state_.resize(state_size);
    read_at(s.state_, state_offset);
    std::vector<u8> runs_bytes(run_count * 16);
    read_at(runs_bytes, runs_offset);
    if (fnv1a(fnv1a(kFnvBasis, s.state_), runs_bytes) != checksum)
        throw std::runtime_error(what + ": corrupt (state checksum mismatch)");
    u64 next = 0;
    for (u64 i = 0; i < run_count; ++i) {
        const u64 first = load_le<u64>(runs_bytes, i * 16);
        const u64 count = load_le<u64>(runs_bytes, i * 16 + 8);
        if (first < next || count == 0 || count > ram_pages || first > ram_pages - count)
            throw std::runtime_error(what + ": corrupt RAM page list");
        s.runs_.emplace_back(first, count);
        next = first + count;
    }
    mem::StateReader r(s.state_, what);
    s.config_ = load_snapshot_config(r);
    if (s.config_.memory != s.ram_size_)
        throw std::runtime_error(what + ": corrupt (config says " +
                                 std::to_string(s.config_.memory) + " bytes of RAM, image has " +
                                 std::to_string(s.ram_size_) + ")");
    s.config_end_ = r.position();
    return s;
}

mem::StateReader SnapshotFile::state() const {
    mem::StateReader r(std::span<const u8>(state_).subspan(config_end_),
                       "snapshot " + path_.string());
    return r;
}

std::unique_ptr<mem::GuestRam> SnapshotFile::map_ram(u64 base) const {
    mem::GuestRam::FileImage image;
    image.fd = fd_;
    image.offset = ram_offset_;
    // Anonymous memory over the long all-zero stretches between the runs with data.
    u64 next = 0;
    const u64 pages = ram_size_ >> mem::kPageShift;
    auto zero_run = [&](u64 first, u64 end) {
        if (end - first >= kMinAnonymousRunPages && image.zero_ranges.size() < kMaxAnonymousRuns)
            image.zero_ranges.emplace_back(first << mem::kPageShift, (end - first)
                                                                         << mem::kPageShift);
    };
    for (const auto& [first, count] : runs_) {
        zero_run(next, first);
        next = first + count;
    }
    zero_run(next, pages);
    return std::make_unique<mem::GuestRam>(base, ram_size_, image);
}

}  // namespace rvisor::machine
