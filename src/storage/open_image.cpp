// open_image(): picks the backend for an image file by format (or by its magic for Auto).
#include "storage/block_backend.hpp"
#include "storage/qcow2_image.hpp"
#include "storage/raw_image.hpp"

namespace rvisor::storage {

std::unique_ptr<BlockBackend> open_image(const std::filesystem::path& path, ImageFormat format,
                                         bool read_only) {
    // A file that cannot be read is not qcow2; RawImage then reports why it cannot be opened.
    if (format == ImageFormat::Auto)
        format = is_qcow2(path) ? ImageFormat::Qcow2 : ImageFormat::Raw;
    if (format == ImageFormat::Raw) return std::make_unique<RawImage>(path, read_only);
    return open_qcow2(path, read_only);
}

}  // namespace rvisor::storage
