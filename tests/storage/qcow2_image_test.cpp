// qcow2 backend: round trips, allocation and refcounts, zero clusters, backing chains with
// copy-on-write, and rejection of malformed images.
#include "storage/qcow2_image.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <vector>

namespace rvisor::storage {
namespace {

namespace fs = std::filesystem;

class Qcow2Test : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("qcow2_test_" + std::to_string(::getpid()) + "_" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path file(const char* name) const { return dir_ / name; }

    static std::vector<u8> pattern(size_t n, u32 seed) {
        std::vector<u8> v(n);
        std::mt19937 rng(seed);
        for (auto& b : v) b = static_cast<u8>(rng());
        return v;
    }
    static std::vector<u8> read_all(BlockBackend& b, u64 off, u64 n) {
        std::vector<u8> v(n, 0xee);
        EXPECT_EQ(b.read(off, v), IoStatus::Ok);
        return v;
    }
    static std::vector<u8> slurp(const fs::path& p) {
        std::ifstream f(p, std::ios::binary);
        return {std::istreambuf_iterator<char>(f), {}};
    }
    static void poke(const fs::path& p, u64 off, const void* data, size_t n) {
        std::fstream f(p, std::ios::binary | std::ios::in | std::ios::out);
        f.seekp(static_cast<std::streamoff>(off));
        f.write(static_cast<const char*>(data), static_cast<std::streamsize>(n));
    }
    static void poke_be64(const fs::path& p, u64 off, u64 v) {
        u8 b[8];
        for (int i = 0; i < 8; ++i) b[i] = static_cast<u8>(v >> (56 - 8 * i));
        poke(p, off, b, 8);
    }
    static void poke_be32(const fs::path& p, u64 off, u32 v) {
        u8 b[4];
        for (int i = 0; i < 4; ++i) b[i] = static_cast<u8>(v >> (24 - 8 * i));
        poke(p, off, b, 4);
    }
    static u64 peek_be64(const fs::path& p, u64 off) {
        const auto d = slurp(p);
        u64 v = 0;
        for (int i = 0; i < 8; ++i) v = v << 8 | d.at(off + i);
        return v;
    }
    static void expect_clean(const fs::path& p) {
        const Qcow2CheckResult r = check_qcow2(p);
        EXPECT_EQ(r.errors, 0u);
        EXPECT_EQ(r.leaks, 0u);
        for (const auto& m : r.messages) ADD_FAILURE() << m;
    }
    static std::string open_error(const fs::path& p, bool ro = true) {
        try {
            open_qcow2(p, ro);
        } catch (const ImageError& e) {
            return e.what();
        }
        return "";
    }

    fs::path dir_;
};

TEST_F(Qcow2Test, CreateOpenRoundTrip) {
    create_qcow2(file("a.qcow2"), 8 << 20, std::nullopt);
    const Qcow2Info info = qcow2_info(file("a.qcow2"));
    EXPECT_EQ(info.version, 3u);
    EXPECT_EQ(info.virtual_size, 8u << 20);
    EXPECT_EQ(info.cluster_size, 65536u);
    EXPECT_EQ(info.backing_file, "");
    EXPECT_FALSE(info.dirty);
    auto img = open_qcow2(file("a.qcow2"), false);
    EXPECT_EQ(img->size(), 8u << 20);
    EXPECT_FALSE(img->read_only());
    const auto data = pattern(4096, 1);
    ASSERT_EQ(img->write(12288, data), IoStatus::Ok);
    EXPECT_EQ(read_all(*img, 12288, 4096), data);
    ASSERT_EQ(img->flush(), IoStatus::Ok);
    img.reset();
    expect_clean(file("a.qcow2"));
    auto again = open_qcow2(file("a.qcow2"), true);
    EXPECT_TRUE(again->read_only());
    EXPECT_EQ(read_all(*again, 12288, 4096), data);
    EXPECT_EQ(read_all(*again, 0, 12288), std::vector<u8>(12288, 0));
    EXPECT_EQ(again->write(0, data), IoStatus::IoError);
}

TEST_F(Qcow2Test, UnallocatedReadsZeroAndOutOfRangeFails) {
    create_qcow2(file("a.qcow2"), 1 << 20, std::nullopt, 12);
    auto img = open_qcow2(file("a.qcow2"), false);
    EXPECT_EQ(read_all(*img, 0, 1 << 20), std::vector<u8>(1 << 20, 0));
    std::vector<u8> buf(512);
    EXPECT_EQ(img->read((1 << 20) - 256, buf), IoStatus::IoError);
    EXPECT_EQ(img->write(1 << 20, buf), IoStatus::IoError);
}

TEST_F(Qcow2Test, WritesAcrossClusterBoundaries) {
    for (unsigned bits : {9u, 12u, 16u, 21u}) {
        const fs::path p = file("b.qcow2");
        const u64 size = 6ULL << 20;
        create_qcow2(p, size, std::nullopt, bits);
        std::vector<u8> model(size, 0);
        {
            auto img = open_qcow2(p, false);
            std::mt19937 rng(bits);
            for (int i = 0; i < 40; ++i) {
                const u64 len = 1 + rng() % (3u << bits);
                const u64 off = rng() % (size - len);
                const auto d = pattern(len, rng());
                ASSERT_EQ(img->write(off, d), IoStatus::Ok);
                std::memcpy(&model[off], d.data(), len);
            }
            ASSERT_EQ(read_all(*img, 0, size), model) << "cluster_bits " << bits;
        }
        expect_clean(p);
        auto img = open_qcow2(p, true);
        EXPECT_EQ(read_all(*img, 0, size), model) << "cluster_bits " << bits;
    }
}

TEST_F(Qcow2Test, ZeroClustersAndDiscard) {
    const fs::path p = file("z.qcow2");
    create_qcow2(p, 1 << 20, std::nullopt, 12);
    auto img = open_qcow2(p, false);
    const auto d = pattern(1 << 20, 7);
    ASSERT_EQ(img->write(0, d), IoStatus::Ok);
    // write_zeroes without unmap keeps the clusters (zero flag), partial edges zeroed exactly.
    ASSERT_EQ(img->write_zeroes(1000, 10000, false), IoStatus::Ok);
    auto expect = d;
    std::memset(&expect[1000], 0, 10000);
    EXPECT_EQ(read_all(*img, 0, 1 << 20), expect);
    ASSERT_EQ(img->write_zeroes(65536, 65536, true), IoStatus::Ok);
    std::memset(&expect[65536], 0, 65536);
    ASSERT_EQ(img->discard(4096 * 100, 4096 * 3 + 100), IoStatus::Ok);
    std::memset(&expect[4096 * 100], 0, 4096 * 3);
    EXPECT_EQ(read_all(*img, 0, 1 << 20), expect);
    // Writing into a zero cluster that kept its allocation.
    const auto small = pattern(100, 8);
    ASSERT_EQ(img->write(4096 * 2 + 50, small), IoStatus::Ok);
    std::memcpy(&expect[4096 * 2 + 50], small.data(), 100);
    EXPECT_EQ(read_all(*img, 0, 1 << 20), expect);
    img.reset();
    expect_clean(p);
    EXPECT_EQ(read_all(*open_qcow2(p, true), 0, 1 << 20), expect);
}

TEST_F(Qcow2Test, FreedClustersAreReused) {
    const fs::path p = file("r.qcow2");
    create_qcow2(p, 4 << 20, std::nullopt, 12);
    auto img = open_qcow2(p, false);
    ASSERT_EQ(img->write(0, pattern(1 << 20, 1)), IoStatus::Ok);
    const auto size_after_write = fs::file_size(p);
    ASSERT_EQ(img->discard(0, 1 << 20), IoStatus::Ok);
    ASSERT_EQ(img->write(2 << 20, pattern(1 << 20, 2)), IoStatus::Ok);
    EXPECT_EQ(fs::file_size(p), size_after_write + 4096);  // + the second L2 table
    EXPECT_EQ(read_all(*img, 0, 1 << 20), std::vector<u8>(1 << 20, 0));
    EXPECT_EQ(read_all(*img, 2 << 20, 1 << 20), pattern(1 << 20, 2));
    img.reset();
    expect_clean(p);
}

TEST_F(Qcow2Test, RefcountsCorrectAfterManyAllocations) {
    // 512-byte clusters: 256 refcounts per block, so allocation crosses many refcount blocks
    // and L2 tables (64 entries each).
    const fs::path p = file("m.qcow2");
    const u64 size = 16 << 20;
    create_qcow2(p, size, std::nullopt, 9);
    std::vector<u8> model(size, 0);
    {
        auto img = open_qcow2(p, false);
        std::mt19937 rng(3);
        for (int i = 0; i < 3000; ++i) {
            const u64 off = (rng() % (size / 512)) * 512;
            const auto d = pattern(512, i);
            ASSERT_EQ(img->write(off, d), IoStatus::Ok);
            std::memcpy(&model[off], d.data(), 512);
        }
    }
    const Qcow2CheckResult r = check_qcow2(p);
    EXPECT_EQ(r.errors, 0u);
    EXPECT_EQ(r.leaks, 0u);
    EXPECT_GT(r.allocated_clusters, 2500u);
    EXPECT_EQ(r.total_clusters, size / 512);
    EXPECT_EQ(read_all(*open_qcow2(p, true), 0, size), model);
}

TEST_F(Qcow2Test, RefcountTableGrows) {
    // 512-byte clusters: one refcount table cluster covers 64 blocks x 256 clusters = 8 MiB.
    const fs::path p = file("g.qcow2");
    const u64 size = 64 << 20;
    create_qcow2(p, size, std::nullopt, 9);
    // Shrink the preallocated table to one cluster, as qemu-img makes it; its other clusters
    // (2..9, all-zero entries) become leaks.
    ASSERT_EQ(peek_be64(p, 48), 512u);
    const u64 rt_clusters = peek_be64(p, 56) >> 32;
    ASSERT_GT(rt_clusters, 1u);
    poke_be32(p, 56, 1);
    const auto d = pattern(12 << 20, 9);
    {
        auto img = open_qcow2(p, false);
        ASSERT_EQ(img->write(1 << 20, d), IoStatus::Ok);
        ASSERT_EQ(img->write(50 << 20, pattern(4096, 10)), IoStatus::Ok);
    }
    EXPECT_GE(peek_be64(p, 48), 8u << 20);  // moved to the end of the file when it hit 8 MiB
    EXPECT_GE(peek_be64(p, 56) >> 32, 2u);
    const Qcow2CheckResult r = check_qcow2(p);
    EXPECT_EQ(r.errors, 0u);
    EXPECT_EQ(r.leaks, rt_clusters - 1);
    auto img = open_qcow2(p, true);
    EXPECT_EQ(read_all(*img, 1 << 20, 12 << 20), d);
    EXPECT_EQ(read_all(*img, 50 << 20, 4096), pattern(4096, 10));
    EXPECT_EQ(read_all(*img, 0, 1 << 20), std::vector<u8>(1 << 20, 0));
}

TEST_F(Qcow2Test, CheckFindsLeaksAndErrors) {
    const fs::path p = file("c.qcow2");
    create_qcow2(p, 1 << 20, std::nullopt, 16);
    {
        auto img = open_qcow2(p, false);
        ASSERT_EQ(img->write(0, pattern(4096, 1)), IoStatus::Ok);
    }
    expect_clean(p);
    // Layout: header, refcount table, refcount block, L1 (clusters 0..3), L2 (4), data (5).
    const u64 l1_entry = peek_be64(p, 3 * 65536);
    EXPECT_EQ(l1_entry, (1ULL << 63) | (4 * 65536));
    EXPECT_EQ(peek_be64(p, 4 * 65536), (1ULL << 63) | (5 * 65536));
    // Refcount of a cluster nobody references: a leak (past the end of the file: ignored).
    poke(p, 2 * 65536 + 6 * 2, "\x00\x01", 2);
    EXPECT_TRUE(check_qcow2(p).clean());
    fs::resize_file(p, 7 * 65536);
    poke(p, 2 * 65536 + 6 * 2, "\x00\x01", 2);
    Qcow2CheckResult r = check_qcow2(p);
    EXPECT_EQ(r.leaks, 1u);
    EXPECT_EQ(r.errors, 0u);
    // The data cluster's refcount dropped to 0 while referenced: an error.
    poke(p, 2 * 65536 + 5 * 2, "\x00\x00", 2);
    r = check_qcow2(p);
    EXPECT_EQ(r.leaks, 1u);
    EXPECT_GE(r.errors, 1u);
}

TEST_F(Qcow2Test, BackingReadThroughAndCopyOnWrite) {
    const fs::path base = file("base.qcow2");
    create_qcow2(base, 2 << 20, std::nullopt, 12);
    const auto bdata = pattern(2 << 20, 11);
    {
        auto b = open_qcow2(base, false);
        ASSERT_EQ(b->write(0, bdata), IoStatus::Ok);
    }
    const auto base_bytes = slurp(base);
    const fs::path ov = file("ov.qcow2");
    create_qcow2(ov, 0, fs::path("base.qcow2"), 16);  // relative, size from the backing
    EXPECT_EQ(qcow2_info(ov).backing_file, "base.qcow2");
    EXPECT_EQ(qcow2_info(ov).backing_format, "qcow2");
    auto expect = bdata;
    {
        auto img = open_qcow2(ov, false);
        EXPECT_EQ(img->size(), 2u << 20);
        EXPECT_EQ(read_all(*img, 0, 2 << 20), bdata);
        const auto w = pattern(100, 12);
        ASSERT_EQ(img->write(70000, w), IoStatus::Ok);  // COW of cluster 1 (64 KiB)
        std::memcpy(&expect[70000], w.data(), 100);
        ASSERT_EQ(img->discard(3 * 65536, 65536), IoStatus::Ok);  // must now read as zeroes
        std::memset(&expect[3 * 65536], 0, 65536);
        ASSERT_EQ(img->write_zeroes(5 * 65536, 2 * 65536, true), IoStatus::Ok);
        std::memset(&expect[5 * 65536], 0, 2 * 65536);
        EXPECT_EQ(read_all(*img, 0, 2 << 20), expect);
    }
    EXPECT_EQ(slurp(base), base_bytes);
    expect_clean(ov);
    EXPECT_EQ(read_all(*open_qcow2(ov, true), 0, 2 << 20), expect);
}

TEST_F(Qcow2Test, RawBackingShorterThanImage) {
    const fs::path raw = file("base.raw");
    const auto bdata = pattern(100000, 5);
    {
        std::ofstream f(raw, std::ios::binary);
        f.write(reinterpret_cast<const char*>(bdata.data()), bdata.size());
    }
    const fs::path ov = file("ov.qcow2");
    create_qcow2(ov, 1 << 20, raw, 12);
    EXPECT_EQ(qcow2_info(ov).backing_format, "raw");
    auto img = open_qcow2(ov, false);
    auto expect = std::vector<u8>(1 << 20, 0);
    std::memcpy(expect.data(), bdata.data(), bdata.size());
    EXPECT_EQ(read_all(*img, 0, 1 << 20), expect);
    ASSERT_EQ(img->write(99990, pattern(20, 6)), IoStatus::Ok);  // COW across the raw end
    std::memcpy(&expect[99990], pattern(20, 6).data(), 20);
    EXPECT_EQ(read_all(*img, 0, 1 << 20), expect);
    img.reset();
    EXPECT_EQ(slurp(raw), bdata);
}

TEST_F(Qcow2Test, ChainOfTwoBackings) {
    const fs::path a = file("a.qcow2"), b = file("b.qcow2"), c = file("c.qcow2");
    create_qcow2(a, 1 << 20, std::nullopt, 12);
    {
        auto img = open_qcow2(a, false);
        ASSERT_EQ(img->write(0, std::vector<u8>(1 << 20, 0xaa)), IoStatus::Ok);
    }
    create_qcow2(b, 0, a, 12);
    {
        auto img = open_qcow2(b, false);
        ASSERT_EQ(img->write(4096, std::vector<u8>(4096, 0xbb)), IoStatus::Ok);
    }
    create_qcow2(c, 0, b, 12);
    auto img = open_qcow2(c, false);
    ASSERT_EQ(img->write(8192 + 100, std::vector<u8>(10, 0xcc)), IoStatus::Ok);
    std::vector<u8> expect(1 << 20, 0xaa);
    std::memset(&expect[4096], 0xbb, 4096);
    std::memset(&expect[8192 + 100], 0xcc, 10);
    EXPECT_EQ(read_all(*img, 0, 1 << 20), expect);
}

TEST_F(Qcow2Test, BackingLoopAndMissingBackingAreErrors) {
    const fs::path a = file("a.qcow2"), b = file("b.qcow2");
    create_qcow2(a, 1 << 20, std::nullopt, 12);
    create_qcow2(b, 0, a, 12);
    // Point a at b by rewriting a from scratch with the same backing name length.
    create_qcow2(a, 1 << 20, fs::path("b.qcow2"), 12);
    std::string err = open_error(b);
    EXPECT_NE(err.find("loop"), std::string::npos) << err;
    EXPECT_NE(err.find("a.qcow2"), std::string::npos) << err;
    fs::remove(a);
    err = open_error(b);
    EXPECT_NE(err.find("does not exist"), std::string::npos) << err;
    EXPECT_NE(err.find("a.qcow2"), std::string::npos) << err;
    EXPECT_THROW(create_qcow2(file("x.qcow2"), 0, file("nope.raw"), 12), ImageError);
}

TEST_F(Qcow2Test, TruncatedAndCorruptHeadersAreRejected) {
    const fs::path p = file("h.qcow2");
    auto fresh = [&] { create_qcow2(p, 1 << 20, std::nullopt, 16); };
    auto expect_reject = [&](const char* needle) {
        const auto before = slurp(p);
        const std::string err = open_error(p, false);
        EXPECT_NE(err.find(needle), std::string::npos) << needle << ": " << err;
        EXPECT_NE(err.find(p.string()), std::string::npos) << err;
        EXPECT_EQ(slurp(p), before);  // nothing written
    };
    fresh();
    fs::resize_file(p, 50);
    expect_reject("too short");
    fresh();
    fs::resize_file(p, 3 * 65536 + 4);  // the L1 table is cut off
    expect_reject("L1 table");
    fresh();
    poke(p, 0, "QFI\xfa", 4);
    expect_reject("magic");
    fresh();
    poke_be32(p, 4, 4);
    expect_reject("version");
    fresh();
    poke_be32(p, 20, 22);
    expect_reject("cluster size");
    fresh();
    poke_be32(p, 32, 1);
    expect_reject("encrypted");
    fresh();
    poke_be64(p, 24, 1ULL << 40);  // size too large for the 1-entry L1 table
    expect_reject("L1 table");
    fresh();
    poke_be64(p, 48, 1ULL << 40);
    expect_reject("refcount table");
    fresh();
    poke_be32(p, 100, 12);
    expect_reject("header_length");
    fresh();
    poke_be64(p, 72, 1ULL << 5);
    expect_reject("incompatible");
    fresh();
    poke_be64(p, 72, 1);  // dirty: read-only only
    expect_reject("dirty");
    EXPECT_NO_THROW(open_qcow2(p, true));
    fresh();
    poke_be32(p, 96, 5);  // 32-bit refcounts: read-only only
    expect_reject("refcount");
    EXPECT_NO_THROW(open_qcow2(p, true));
}

TEST_F(Qcow2Test, OutOfRangeL2PointersFailAtIo) {
    const fs::path p = file("l2.qcow2");
    create_qcow2(p, 4 << 20, std::nullopt, 16);
    {
        auto img = open_qcow2(p, false);
        ASSERT_EQ(img->write(0, pattern(65536, 1)), IoStatus::Ok);
    }
    // L1 at cluster 3 -> L2 at cluster 4 -> data at cluster 5.
    poke_be64(p, 3 * 65536, (1ULL << 63) | (1ULL << 40));  // L2 past end of file
    std::vector<u8> buf(512);
    {
        auto img = open_qcow2(p, false);
        EXPECT_EQ(img->read(0, buf), IoStatus::IoError);
        EXPECT_EQ(img->write(0, buf), IoStatus::IoError);
    }
    EXPECT_GE(check_qcow2(p).errors, 1u);
    poke_be64(p, 3 * 65536, (1ULL << 63) | (4 * 65536 + 512));  // misaligned L2
    EXPECT_EQ(open_qcow2(p, true)->read(0, buf), IoStatus::IoError);
    poke_be64(p, 3 * 65536, (1ULL << 63) | (4 * 65536));
    poke_be64(p, 4 * 65536, (1ULL << 63) | (1ULL << 45));  // data past end of file
    EXPECT_EQ(open_qcow2(p, true)->read(0, buf), IoStatus::IoError);
    poke_be64(p, 4 * 65536, (1ULL << 62) | 12345);  // compressed
    EXPECT_EQ(open_qcow2(p, true)->read(0, buf), IoStatus::IoError);
}

TEST_F(Qcow2Test, LockingAndCreateErrors) {
    const fs::path p = file("l.qcow2");
    create_qcow2(p, 1 << 20, std::nullopt);
    auto w = open_qcow2(p, false);
    EXPECT_NE(open_error(p, true).find("in use"), std::string::npos);
    w.reset();
    auto r1 = open_qcow2(p, true);
    auto r2 = open_qcow2(p, true);
    EXPECT_NE(open_error(p, false).find("in use"), std::string::npos);
    EXPECT_THROW(create_qcow2(file("x.qcow2"), 1 << 20, std::nullopt, 8), ImageError);
    EXPECT_THROW(create_qcow2(file("x.qcow2"), 0, std::nullopt), ImageError);
    EXPECT_FALSE(is_qcow2(file("missing")));
    EXPECT_TRUE(is_qcow2(p));
}

}  // namespace
}  // namespace rvisor::storage
