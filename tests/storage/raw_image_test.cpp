#include "storage/raw_image.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <vector>

namespace rvisor::storage {
namespace {

namespace fs = std::filesystem;

class RawImageTest : public ::testing::Test {
  protected:
    void SetUp() override {
        path = fs::temp_directory_path() /
               ("rvisor-raw-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".img");
        make(1 << 20);
    }
    void TearDown() override { fs::remove(path); }
    void make(u64 size) {
        std::ofstream(path, std::ios::binary | std::ios::trunc).close();
        fs::resize_file(path, size);
    }
    fs::path path;
};

TEST_F(RawImageTest, ReadsBackWhatItWrote) {
    RawImage img(path, false);
    EXPECT_EQ(img.size(), 1u << 20);
    EXPECT_FALSE(img.read_only());
    std::vector<u8> data(4096);
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<u8>(i * 7);
    ASSERT_EQ(img.write(512 * 3, data), IoStatus::Ok);
    std::vector<u8> back(4096);
    ASSERT_EQ(img.read(512 * 3, back), IoStatus::Ok);
    EXPECT_EQ(back, data);
    EXPECT_EQ(img.flush(), IoStatus::Ok);
}

TEST_F(RawImageTest, RequestsPastTheEndFailUntouched) {
    RawImage img(path, false);
    std::vector<u8> buf(1024, 0xaa);
    EXPECT_EQ(img.read((1 << 20) - 512, buf), IoStatus::IoError);
    EXPECT_EQ(img.write((1 << 20) - 512, buf), IoStatus::IoError);
    EXPECT_EQ(img.read(~0ULL - 100, buf), IoStatus::IoError);  // offset + length overflows
    EXPECT_EQ(img.write_zeroes(~0ULL - 100, 1024, true), IoStatus::IoError);
    EXPECT_EQ(img.discard(1 << 20, 1), IoStatus::IoError);
    EXPECT_EQ(fs::file_size(path), 1u << 20);
}

TEST_F(RawImageTest, ReadOnlyRefusesWrites) {
    RawImage img(path, true);
    EXPECT_TRUE(img.read_only());
    std::vector<u8> buf(512, 1);
    EXPECT_EQ(img.write(0, buf), IoStatus::IoError);
    EXPECT_EQ(img.write_zeroes(0, 512, false), IoStatus::IoError);
    EXPECT_EQ(img.discard(0, 512), IoStatus::IoError);
    EXPECT_EQ(img.read(0, buf), IoStatus::Ok);
    EXPECT_EQ(buf, std::vector<u8>(512, 0));
}

TEST_F(RawImageTest, WriteZeroesAndDiscardZeroTheRange) {
    RawImage img(path, false);
    std::vector<u8> ones(65536, 0xff);
    ASSERT_EQ(img.write(0, ones), IoStatus::Ok);
    for (bool unmap : {false, true}) {
        ASSERT_EQ(img.write(0, ones), IoStatus::Ok);
        ASSERT_EQ(img.write_zeroes(4096, 8192, unmap), IoStatus::Ok);
        std::vector<u8> back(65536);
        ASSERT_EQ(img.read(0, back), IoStatus::Ok);
        for (std::size_t i = 0; i < back.size(); ++i)
            ASSERT_EQ(back[i], (i >= 4096 && i < 12288) ? 0 : 0xff) << i << " unmap " << unmap;
    }
    EXPECT_EQ(img.discard(0, 4096), IoStatus::Ok);
    EXPECT_EQ(fs::file_size(path), 1u << 20);  // KEEP_SIZE
}

TEST_F(RawImageTest, SizeMustBeAMultipleOf512) {
    make(1000);
    try {
        RawImage img(path, false);
        FAIL() << "opened";
    } catch (const ImageError& e) {
        EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("512"), std::string::npos) << e.what();
    }
}

TEST_F(RawImageTest, MissingFileIsAnImageError) {
    EXPECT_THROW(RawImage(path.string() + ".missing", false), ImageError);
}

TEST_F(RawImageTest, WritersLockOutOthers) {
    {
        RawImage writer(path, false);
        EXPECT_THROW(RawImage(path, false), ImageError);
        EXPECT_THROW(RawImage(path, true), ImageError);
    }
    RawImage reader1(path, true);
    RawImage reader2(path, true);  // shared locks coexist
    EXPECT_THROW(RawImage(path, false), ImageError);
}

TEST_F(RawImageTest, OpenImageDetectsTheFormat) {
    EXPECT_EQ(open_image(path, ImageFormat::Auto, true)->size(), 1u << 20);
    EXPECT_EQ(open_image(path, ImageFormat::Raw, false)->size(), 1u << 20);
}

}  // namespace
}  // namespace rvisor::storage
