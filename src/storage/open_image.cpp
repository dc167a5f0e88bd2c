// open_image(): picks the backend for an image file by format (or by its magic for Auto).
#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "storage/block_backend.hpp"
#include "storage/raw_image.hpp"
#if __has_include("storage/qcow2_image.hpp")
#include "storage/qcow2_image.hpp"
#define RVISOR_HAVE_QCOW2 1
#endif

namespace rvisor::storage {

namespace {

// qcow2 files start with "QFI\xfb" (the qcow2 specification's magic, 0x514649fb big-endian).
bool has_qcow2_magic(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw ImageError(path.string() + ": cannot open: " + std::strerror(errno));
    std::array<u8, 4> magic{};
    ssize_t n;
    do {
        n = ::pread(fd, magic.data(), magic.size(), 0);
    } while (n < 0 && errno == EINTR);
    ::close(fd);
    return n == 4 && magic == std::array<u8, 4>{'Q', 'F', 'I', 0xfb};
}

}  // namespace

std::unique_ptr<BlockBackend> open_image(const std::filesystem::path& path, ImageFormat format,
                                         bool read_only) {
    if (format == ImageFormat::Auto)
        format = has_qcow2_magic(path) ? ImageFormat::Qcow2 : ImageFormat::Raw;
    if (format == ImageFormat::Raw) return std::make_unique<RawImage>(path, read_only);
#ifdef RVISOR_HAVE_QCOW2
    return open_qcow2(path, read_only);
#else
    throw ImageError(path.string() + ": qcow2 support is not built yet");
#endif
}

}  // namespace rvisor::storage
