// The snapshot file format: what write_snapshot_file writes, SnapshotFile::open reads back;
// bad magic, another format version, truncation and corruption are refused with one line;
// RAM maps sparse and copy-on-write, in a time that does not grow with RAM size.
#include "machine/snapshot.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>

namespace rvisor::machine {
namespace {

namespace fs = std::filesystem;
constexpr u64 kBase = 0x8000'0000;

class SnapshotFileTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir = fs::temp_directory_path() /
              ("rvisor-snapshot-" + std::to_string(::getpid()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(dir);
        file = dir / "vm.snap";
    }
    void TearDown() override { fs::remove_all(dir); }

    SnapshotConfig config(u64 memory) {
        SnapshotConfig c;
        c.name = "clone-me";
        c.cpus = 2;
        c.memory = memory;
        DiskConfig d;
        d.path = "/images/root.qcow2";
        d.format = storage::ImageFormat::Qcow2;
        d.read_only = true;
        d.serial = "root";
        c.disks.push_back(d);
        NicConfig n;
        n.kind = NicConfig::Kind::Switch;
        n.name_or_ifname = "lan0";
        n.mac = std::array<u8, 6>{0x52, 0x54, 0, 1, 2, 3};
        c.nics.push_back(n);
        return c;
    }
    // A snapshot of `ram` with a "machine" section holding one number.
    void write(const mem::GuestRam& ram) {
        mem::StateWriter w;
        save_snapshot_config(w, config(ram.size()));
        w.begin("machine", 1);
        w.put<u64>(0x1122'3344);
        write_snapshot_file(file, w, ram);
    }
    std::vector<u8> bytes() {
        std::ifstream in(file, std::ios::binary);
        return {std::istreambuf_iterator<char>(in), {}};
    }
    void put_bytes(const std::vector<u8>& b) {
        std::ofstream out(file, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
    }
    std::string open_error() {
        try {
            SnapshotFile::open(file);
        } catch (const std::runtime_error& e) {
            return e.what();
        }
        return "(opened)";
    }

    fs::path dir, file;
};

TEST_F(SnapshotFileTest, RoundTripsConfigStateAndRam) {
    mem::GuestRam ram(kBase, 4 << 20);
    std::memset(ram.host(kBase), 0xaa, 100);
    std::memset(ram.host(kBase + (3 << 20) + 5), 0xbb, 8192);
    write(ram);
    EXPECT_FALSE(fs::exists(file.string() + ".tmp"));

    SnapshotFile s = SnapshotFile::open(file);
    EXPECT_EQ(s.config().name, "clone-me");
    EXPECT_EQ(s.config().cpus, 2u);
    EXPECT_EQ(s.config().memory, 4u << 20);
    ASSERT_EQ(s.config().disks.size(), 1u);
    EXPECT_EQ(s.config().disks[0].path, "/images/root.qcow2");
    EXPECT_EQ(s.config().disks[0].format, storage::ImageFormat::Qcow2);
    EXPECT_TRUE(s.config().disks[0].read_only);
    EXPECT_EQ(s.config().disks[0].serial, "root");
    ASSERT_EQ(s.config().nics.size(), 1u);
    EXPECT_EQ(s.config().nics[0].kind, NicConfig::Kind::Switch);
    EXPECT_EQ(s.config().nics[0].name_or_ifname, "lan0");
    EXPECT_EQ(s.config().nics[0].mac, (std::array<u8, 6>{0x52, 0x54, 0, 1, 2, 3}));
    mem::StateReader r = s.state();
    r.begin("machine", 1);
    EXPECT_EQ(r.get<u64>(), 0x1122'3344u);
    EXPECT_EQ(r.remaining(), 0u);

    auto restored = s.map_ram(kBase);
    ASSERT_EQ(restored->size(), ram.size());
    EXPECT_EQ(std::memcmp(restored->host(kBase), ram.host(kBase), ram.size()), 0);

    // Sparse: only the three pages with data use disk blocks (plus header and state).
    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_GE(static_cast<u64>(st.st_size), 4u << 20);
    EXPECT_LE(static_cast<u64>(st.st_blocks) * 512, 64u << 10);
}

TEST_F(SnapshotFileTest, RestoredRamIsPrivateToEachVm) {
    mem::GuestRam ram(kBase, 1 << 20);
    std::memset(ram.host(kBase + 4096), 0x5a, 4096);
    write(ram);
    SnapshotFile s = SnapshotFile::open(file);
    auto a = s.map_ram(kBase);
    auto b = s.map_ram(kBase);
    *a->host(kBase + 4096) = 1;
    *b->host(kBase + 4096) = 2;
    *a->host(kBase + 300 * 1024) = 3;  // in an all-zero stretch
    EXPECT_EQ(*a->host(kBase + 4096), 1);
    EXPECT_EQ(*b->host(kBase + 4096), 2);
    EXPECT_EQ(*b->host(kBase + 300 * 1024), 0);
    auto c = SnapshotFile::open(file).map_ram(kBase);
    EXPECT_EQ(*c->host(kBase + 4096), 0x5a);
}

TEST_F(SnapshotFileTest, RefusesABadMagic) {
    std::vector<u8> junk(8192, 0x42);
    put_bytes(junk);
    EXPECT_EQ(open_error(), "snapshot " + file.string() + ": not an rvisor snapshot (bad magic)");
    put_bytes({'R', 'V'});
    EXPECT_EQ(open_error(),
              "snapshot " + file.string() + ": not an rvisor snapshot (file too short)");
}

TEST_F(SnapshotFileTest, RefusesAnotherFormatVersion) {
    mem::GuestRam ram(kBase, 1 << 20);
    write(ram);
    std::vector<u8> b = bytes();
    b[8] = kSnapshotFormatVersion + 1;
    put_bytes(b);
    EXPECT_EQ(open_error(), "snapshot " + file.string() + ": format version " +
                                std::to_string(kSnapshotFormatVersion + 1) +
                                ", this rvisor reads version " +
                                std::to_string(kSnapshotFormatVersion));
}

TEST_F(SnapshotFileTest, RefusesATruncatedFile) {
    mem::GuestRam ram(kBase, 1 << 20);
    std::memset(ram.host(kBase + (1 << 20) - 4096), 1, 4096);  // the last page has data
    write(ram);
    const u64 full = fs::file_size(file);
    for (u64 cut : {full - 1, full - 4096, u64{5000}, u64{100}}) {
        fs::resize_file(file, cut);
        const std::string e = open_error();
        EXPECT_NE(e.find("truncated"), std::string::npos) << "cut at " << cut << ": " << e;
        EXPECT_EQ(e.find('\n'), std::string::npos);
        write(ram);
    }
}

TEST_F(SnapshotFileTest, RefusesCorruptState) {
    mem::GuestRam ram(kBase, 1 << 20);
    write(ram);
    std::vector<u8> b = bytes();
    b[kSnapshotHeaderBytes + 20] ^= 0xff;  // inside the config section
    put_bytes(b);
    EXPECT_EQ(open_error(), "snapshot " + file.string() + ": corrupt (state checksum mismatch)");
}

TEST_F(SnapshotFileTest, ApplyConfigTakesTheBoardShapeAndChecksOverrides) {
    const SnapshotConfig snap = config(64 << 20);
    VmConfig c;
    apply_snapshot_config(snap, c);
    EXPECT_EQ(c.cpus, 2u);
    EXPECT_EQ(c.memory, 64u << 20);
    EXPECT_EQ(c.name, "clone-me");
    ASSERT_EQ(c.disks.size(), 1u);
    ASSERT_EQ(c.nics.size(), 1u);

    VmConfig named;
    named.name = "clone-2";
    DiskConfig other;
    other.path = "/images/copy.qcow2";
    named.disks.push_back(other);
    NicConfig nic;  // no MAC given: keeps the snapshot's
    named.nics.push_back(nic);
    apply_snapshot_config(snap, named);
    EXPECT_EQ(named.name, "clone-2");
    EXPECT_EQ(named.disks[0].path, "/images/copy.qcow2");
    EXPECT_EQ(named.nics[0].mac, snap.nics[0].mac);

    VmConfig two_disks;
    two_disks.disks.resize(2);
    EXPECT_THROW(apply_snapshot_config(snap, two_disks), std::runtime_error);
}

// Restore maps RAM in one piece: the time for 1 GiB is about that for 64 MiB.
TEST_F(SnapshotFileTest, RestoreTimeDoesNotGrowWithRamSize) {
    double seconds[2] = {};
    const u64 sizes[2] = {64ULL << 20, 1ULL << 30};
    for (int i = 0; i < 2; ++i) {
        {
            mem::GuestRam ram(kBase, sizes[i]);
            // A booted guest's worth of scattered data: every 64th page.
            for (u64 off = 0; off < (32ULL << 20); off += 64 * 4096)
                std::memset(ram.host(kBase + off), 0x77, 4096);
            write(ram);
        }
        const auto t0 = std::chrono::steady_clock::now();
        SnapshotFile s = SnapshotFile::open(file);
        auto ram = s.map_ram(kBase);
        seconds[i] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        EXPECT_EQ(*ram->host(kBase + 64 * 4096), 0x77);
        std::printf("restore (open + map) of %llu MiB: %.3f ms\n",
                    static_cast<unsigned long long>(sizes[i] >> 20), seconds[i] * 1e3);
    }
    EXPECT_LT(seconds[1], 0.25);
    EXPECT_LT(seconds[1], seconds[0] * 5 + 0.02);
}

}  // namespace
}  // namespace rvisor::machine
