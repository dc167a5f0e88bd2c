#include "machine/boot_loader.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "machine/elf_loader.hpp"

namespace rvisor::machine {

namespace {

constexpr u64 kMiB = 1ULL << 20;
constexpr u64 align_up(u64 v, u64 a) {
    return (v + a - 1) & ~(a - 1);
}
constexpr u64 align_down(u64 v, u64 a) {
    return v & ~(a - 1);
}

std::string hex(u64 v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

// One allocation of the file's size: glibc serves it with mmap and unmaps it when the loader
// is done. (Growing a vector through an istreambuf_iterator doubled it up to the kernel's 30
// MiB through the brk heap, and that freed memory stayed in the process: ~40 MiB of resident
// memory per VM for nothing.)
std::vector<u8> read_file(const std::filesystem::path& path, const char* what) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) throw BootError(path.string() + ": cannot open " + what + ": " + std::strerror(errno));
    const std::streamoff size = in.tellg();
    if (size < 0) throw BootError(path.string() + ": cannot read " + what);
    if (size == 0) throw BootError(path.string() + ": " + what + " is empty");
    std::vector<u8> data(static_cast<std::size_t>(size));
    in.seekg(0);
    if (!in.read(reinterpret_cast<char*>(data.data()), size))
        throw BootError(path.string() + ": cannot read " + what);
    return data;
}

// RISC-V Linux Image header (Documentation/arch/riscv/boot-image-header.rst): code0/code1,
// text_offset at 8, image_size at 16, magic2 "RSC\x05" at 56 (magic "RISCV\0\0\0" at 48 is
// deprecated but still written).
struct ImageHeader {
    u64 text_offset;
    u64 image_size;
};
std::optional<ImageHeader> parse_image_header(const std::vector<u8>& k) {
    if (k.size() < 64) return std::nullopt;
    const bool magic2 = std::memcmp(k.data() + 56, "RSC\x05", 4) == 0;
    const bool magic = std::memcmp(k.data() + 48, "RISCV\0\0\0", 8) == 0;
    if (!magic && !magic2) return std::nullopt;
    ImageHeader h;
    std::memcpy(&h.text_offset, k.data() + 8, 8);
    std::memcpy(&h.image_size, k.data() + 16, 8);
    return h;
}

}  // namespace

BootLoader::BootLoader(const std::filesystem::path& firmware, const std::filesystem::path& kernel,
                       const std::filesystem::path& initrd, mem::GuestRam& ram)
    : ram_(ram), kernel_path_(kernel) {
    firmware_ = read_file(firmware, "firmware");
    kernel_ = read_file(kernel, "kernel");
    if (!initrd.empty()) initrd_ = read_file(initrd, "initrd");

    const u64 base = ram.base();
    const u64 end = ram.end();
    layout_.firmware = base;
    if (firmware_.size() > 2 * kMiB)
        throw BootError(firmware.string() + ": firmware is larger than the 2 MiB below the kernel");

    // The kernel: a Linux Image goes at RAM + 2 MiB + text_offset (2 MiB aligned, as the
    // RISC-V boot protocol requires for RV64), like QEMU and U-Boot place it.
    u64 kernel_size = 0;
    if (auto h = parse_image_header(kernel_)) {
        layout_.kernel = base + 2 * kMiB + h->text_offset;
        // image_size includes .bss; 0 in old kernels, then the file size is the best bound.
        kernel_size = std::max<u64>(h->image_size, kernel_.size());
    } else if (kernel_.size() >= 4 && std::memcmp(kernel_.data(),
                                                  "\x7f"
                                                  "ELF",
                                                  4) == 0) {
        kernel_is_elf_ = true;
    } else {
        throw BootError(kernel.string() +
                        ": not a RISC-V Linux Image (no RSC\\x05 magic in its header) or ELF");
    }
    if (!kernel_is_elf_) {
        if (layout_.kernel + kernel_size > end || kernel_size > end - layout_.kernel)
            throw BootError(kernel.string() + ": kernel (" + std::to_string(kernel_size >> 20) +
                            " MiB with .bss) does not fit in " + std::to_string(ram.size() >> 20) +
                            " MiB of RAM");
        layout_.kernel_end = layout_.kernel + kernel_size;
    }

    // The DTB and the fw_dynamic info at the top of RAM, the initrd right below them.
    if (end - base < 4 * kMiB) throw BootError("memory: at least 4 MiB of RAM is needed to boot");
    layout_.dtb = end - kDtbReserve;
    layout_.fw_info = layout_.dtb - 64;
    if (!initrd_.empty()) {
        const u64 start = align_down(layout_.fw_info - initrd_.size(), 4096);
        const u64 floor = kernel_is_elf_ ? base + 2 * kMiB : align_up(layout_.kernel_end, 4096);
        if (initrd_.size() > layout_.fw_info - base || start < floor)
            throw BootError(initrd.string() + ": initrd (" + std::to_string(initrd_.size() >> 10) +
                            " KiB) does not fit in RAM above the kernel (" +
                            std::to_string(ram.size() >> 20) + " MiB of RAM)");
        layout_.initrd = std::make_pair(start, start + initrd_.size());
    } else if (!kernel_is_elf_ && layout_.kernel_end > layout_.fw_info) {
        throw BootError(kernel.string() + ": kernel overlaps the device tree at " +
                        hex(layout_.dtb));
    }
}

void BootLoader::load(std::span<const u8> dtb) {
    if (dtb.size() > kDtbReserve) throw BootError("device tree is larger than its reserved space");
    std::memcpy(ram_.host(layout_.firmware), firmware_.data(), firmware_.size());
    if (kernel_is_elf_) {
        // An ELF kernel is placed by its program headers (physical addresses).
        const LoadedElf elf = load_elf(kernel_path_, ram_);
        layout_.kernel = elf.entry;
        layout_.kernel_end = elf.highest;
        if (elf.lowest < ram_.base() + 2 * kMiB)
            throw BootError(kernel_path_.string() + ": ELF kernel overlaps the firmware at " +
                            hex(ram_.base()));
        if (layout_.initrd && elf.highest > layout_.initrd->first)
            throw BootError(kernel_path_.string() + ": ELF kernel overlaps the initrd");
    } else {
        std::memcpy(ram_.host(layout_.kernel), kernel_.data(), kernel_.size());
    }
    if (layout_.initrd)
        std::memcpy(ram_.host(layout_.initrd->first), initrd_.data(), initrd_.size());
    std::memcpy(ram_.host(layout_.dtb), dtb.data(), dtb.size());

    // struct fw_dynamic_info (OpenSBI include/sbi/fw_dynamic.h), version 2.
    const u64 info[6] = {
        0x4942534f,      // magic "OSBI"
        2,               // version
        layout_.kernel,  // next_addr
        1,               // next_mode: S-mode
        0,               // options
        0,               // boot_hart: hart 0 boots, the others wait for it
    };
    std::memcpy(ram_.host(layout_.fw_info), info, sizeof info);
}

}  // namespace rvisor::machine
