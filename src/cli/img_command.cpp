// `rvisor img create|info|check|convert`: disk image tools, compatible with qemu-img's
// qcow2 files.
#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "commands.hpp"
#include "size_arg.hpp"
#include "storage/block_backend.hpp"
#include "storage/qcow2_image.hpp"

namespace rvisor::cli {

namespace {

namespace fs = std::filesystem;
using storage::ImageError;
using storage::ImageFormat;

// Thrown for bad user input: printed as one line, exit code 2.
struct BadInput {
    std::string what;
};

ImageFormat parse_format(const std::string& name, const char* option) {
    if (name == "raw") return ImageFormat::Raw;
    if (name == "qcow2") return ImageFormat::Qcow2;
    throw BadInput{std::string(option) + ": unknown format '" + name + "' (raw or qcow2)"};
}

ImageFormat probe(const fs::path& path) {
    std::error_code ec;
    if (!fs::exists(path, ec)) throw BadInput{path.string() + ": No such file or directory"};
    return storage::is_qcow2(path) ? ImageFormat::Qcow2 : ImageFormat::Raw;
}

std::string human(u64 bytes) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = static_cast<double>(bytes);
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        ++u;
    }
    char buf[64];
    if (u == 0)
        std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
    else
        std::snprintf(buf, sizeof buf, "%.3g %s", v, units[u]);
    return buf;
}

void create_raw(const fs::path& path, u64 size) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    if (!f) throw ImageError(path.string() + ": cannot create: " + std::strerror(errno));
    f.close();
    std::error_code ec;
    fs::resize_file(path, size, ec);
    if (ec) throw ImageError(path.string() + ": " + ec.message());
}

// ---- create ----

struct CreateOptions {
    std::string format = "qcow2";
    std::string backing;
    std::string backing_format;
    std::string file;
    std::string size;
    unsigned cluster_bits = 16;
};

int run_create(const CreateOptions& o) {
    const ImageFormat fmt = parse_format(o.format, "-f");
    u64 size = 0;
    if (!o.size.empty()) {
        const auto s = parse_size(o.size);
        if (!s) throw BadInput{"size: '" + o.size + "' is not a size (e.g. 64M, 10G)"};
        size = *s;
    } else if (o.backing.empty()) {
        throw BadInput{o.file + ": a size is required without a backing file"};
    }
    if (fmt == ImageFormat::Raw) {
        if (!o.backing.empty()) throw BadInput{"-b: raw images cannot have a backing file"};
        create_raw(o.file, size);
        return 0;
    }
    std::optional<fs::path> backing;
    ImageFormat bfmt = ImageFormat::Auto;
    if (!o.backing.empty()) backing = o.backing;
    if (!o.backing_format.empty()) bfmt = parse_format(o.backing_format, "-F");
    storage::create_qcow2(o.file, size, backing, o.cluster_bits, bfmt);
    return 0;
}

// ---- info ----

struct InfoOptions {
    std::string file;
    bool json = false;
};

int run_info(const InfoOptions& o) {
    const fs::path path = o.file;
    const ImageFormat fmt = probe(path);
    nlohmann::ordered_json j;
    j["filename"] = o.file;
    if (fmt == ImageFormat::Qcow2) {
        const storage::Qcow2Info info = storage::qcow2_info(path);
        j["format"] = "qcow2";
        j["virtual-size"] = info.virtual_size;
        j["actual-size"] = info.disk_size;
        j["cluster-size"] = info.cluster_size;
        j["compat"] = info.version == 3 ? "1.1" : "0.10";
        if (!info.backing_file.empty()) {
            j["backing-filename"] = info.backing_file;
            if (!info.backing_format.empty()) j["backing-filename-format"] = info.backing_format;
        }
        j["refcount-bits"] = info.refcount_bits;
        j["dirty-flag"] = info.dirty;
        j["corrupt"] = info.corrupt;
    } else {
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0)
            throw ImageError(path.string() + ": " + std::strerror(errno));
        j["format"] = "raw";
        j["virtual-size"] = static_cast<u64>(st.st_size);
        j["actual-size"] = static_cast<u64>(st.st_blocks) * 512;
        j["dirty-flag"] = false;
    }
    if (o.json) {
        std::printf("%s\n", j.dump(4).c_str());
        return 0;
    }
    const u64 vsize = j["virtual-size"];
    std::printf("image: %s\n", o.file.c_str());
    std::printf("file format: %s\n", j["format"].get<std::string>().c_str());
    std::printf("virtual size: %s (%llu bytes)\n", human(vsize).c_str(),
                static_cast<unsigned long long>(vsize));
    std::printf("disk size: %s\n", human(j["actual-size"].get<u64>()).c_str());
    if (j.contains("cluster-size"))
        std::printf("cluster_size: %llu\n",
                    static_cast<unsigned long long>(j["cluster-size"].get<u64>()));
    if (j.contains("backing-filename")) {
        std::printf("backing file: %s\n", j["backing-filename"].get<std::string>().c_str());
        if (j.contains("backing-filename-format"))
            std::printf("backing file format: %s\n",
                        j["backing-filename-format"].get<std::string>().c_str());
    }
    std::printf("dirty: %s\n", j["dirty-flag"].get<bool>() ? "yes" : "no");
    return 0;
}

// ---- check ----

int run_check(const std::string& file) {
    const fs::path path = file;
    if (probe(path) != ImageFormat::Qcow2) {
        std::printf("%s: raw image, no metadata to check.\n", file.c_str());
        return 0;
    }
    const storage::Qcow2CheckResult r = storage::check_qcow2(path);
    for (const auto& m : r.messages) std::printf("%s\n", m.c_str());
    if (r.clean()) std::printf("No errors were found on the image.\n");
    if (r.errors)
        std::printf("\n%llu errors were found on the image.\n",
                    static_cast<unsigned long long>(r.errors));
    if (r.leaks)
        std::printf("\n%llu leaked clusters were found on the image.\n",
                    static_cast<unsigned long long>(r.leaks));
    std::printf("%llu/%llu = %.2f%% allocated\n",
                static_cast<unsigned long long>(r.allocated_clusters),
                static_cast<unsigned long long>(r.total_clusters),
                r.total_clusters ? 100.0 * r.allocated_clusters / r.total_clusters : 0.0);
    if (!r.clean())
        std::fprintf(stderr, "rvisor img check: %s: %llu errors, %llu leaked clusters\n",
                     file.c_str(), static_cast<unsigned long long>(r.errors),
                     static_cast<unsigned long long>(r.leaks));
    return r.errors ? 2 : r.leaks ? 3 : 0;
}

// ---- convert ----

struct ConvertOptions {
    std::string src_format;
    std::string dst_format;
    std::string src;
    std::string dst;
    unsigned cluster_bits = 16;
};

int run_convert(const ConvertOptions& o) {
    const ImageFormat dfmt = parse_format(o.dst_format, "-O");
    ImageFormat sfmt = o.src_format.empty() ? probe(o.src) : parse_format(o.src_format, "-f");
    if (!fs::exists(o.src)) throw BadInput{o.src + ": No such file or directory"};
    std::error_code ec;
    if (fs::weakly_canonical(o.src, ec) == fs::weakly_canonical(o.dst, ec))
        throw BadInput{o.dst + ": source and destination are the same file"};
    auto src = storage::open_image(o.src, sfmt, true);
    const u64 size = src->size();
    if (dfmt == ImageFormat::Raw)
        create_raw(o.dst, size);
    else
        storage::create_qcow2(o.dst, size, std::nullopt, o.cluster_bits);
    auto dst = storage::open_image(o.dst, dfmt, false);

    constexpr u64 kChunk = 2u << 20, kBlock = 64u << 10;
    std::vector<u8> buf(kChunk);
    for (u64 off = 0; off < size; off += kChunk) {
        const u64 n = std::min<u64>(kChunk, size - off);
        if (src->read(off, {buf.data(), n}) != storage::IoStatus::Ok)
            throw ImageError(o.src + ": read error at offset " + std::to_string(off));
        // Write each run of non-zero blocks; zero blocks stay unallocated.
        u64 run_start = 0, pos = 0;
        bool in_run = false;
        auto emit = [&](u64 end) {
            if (dst->write(off + run_start, {buf.data() + run_start, end - run_start}) !=
                storage::IoStatus::Ok)
                throw ImageError(o.dst + ": write error at offset " +
                                 std::to_string(off + run_start));
        };
        for (; pos < n; pos += kBlock) {
            const u64 len = std::min<u64>(kBlock, n - pos);
            bool zero = buf[pos] == 0 && std::memcmp(&buf[pos], &buf[pos + 1], len - 1) == 0;
            if (!zero && !in_run) {
                run_start = pos;
                in_run = true;
            } else if (zero && in_run) {
                emit(pos);
                in_run = false;
            }
        }
        if (in_run) emit(n);
    }
    if (dst->flush() != storage::IoStatus::Ok) throw ImageError(o.dst + ": flush failed");
    return 0;
}

// ---- write (a test hook, like qemu-io's write) ----

struct WriteOptions {
    std::string format;
    std::string file;
    std::string offset;
    std::string data;
    bool zero = false;
};

int run_write(const WriteOptions& o) {
    const ImageFormat fmt = o.format.empty() ? probe(o.file) : parse_format(o.format, "-f");
    const auto offset = o.offset == "0" ? std::optional<u64>(0) : parse_size(o.offset);
    if (!offset) throw BadInput{"offset: '" + o.offset + "' is not a byte offset"};
    auto img = storage::open_image(o.file, fmt, false);
    storage::IoStatus st;
    if (o.zero) {
        const auto len = parse_size(o.data);
        if (!len) throw BadInput{"length: '" + o.data + "' is not a size"};
        st = img->write_zeroes(*offset, *len, true);
    } else {
        std::ifstream f(o.data, std::ios::binary);
        if (!f) throw BadInput{o.data + ": cannot open"};
        const std::vector<u8> bytes{std::istreambuf_iterator<char>(f), {}};
        st = img->write(*offset, bytes);
    }
    if (st != storage::IoStatus::Ok || img->flush() != storage::IoStatus::Ok)
        throw ImageError(o.file + ": write failed (outside the disk or I/O error)");
    return 0;
}

template <typename F>
int guarded(const char* sub, F&& f) {
    try {
        return f();
    } catch (const BadInput& e) {
        std::fprintf(stderr, "rvisor img %s: %s\n", sub, e.what.c_str());
    } catch (const ImageError& e) {
        std::fprintf(stderr, "rvisor img %s: %s\n", sub, e.what());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "rvisor img %s: %s\n", sub, e.what());
    }
    return kExitBadInput;
}

}  // namespace

void add_img_command(CLI::App& app, int& exit_code) {
    CLI::App* img = app.add_subcommand("img", "Create, inspect, check and convert disk images");
    img->require_subcommand(1);

    auto c = std::make_shared<CreateOptions>();
    CLI::App* create = img->add_subcommand("create", "Create a raw or qcow2 image");
    create->add_option("-f", c->format, "format: raw or qcow2 (default qcow2)");
    create->add_option("-b", c->backing, "backing file (qcow2 only)");
    create->add_option("-F", c->backing_format, "backing file format: raw or qcow2");
    create->add_option("--cluster-bits", c->cluster_bits, "qcow2 cluster size as 2^N (9..21)");
    create->add_option("file", c->file, "image file")->required();
    create->add_option("size", c->size, "virtual size (e.g. 64M); default: the backing's");
    create->callback(
        [c, &exit_code] { exit_code = guarded("create", [&] { return run_create(*c); }); });

    auto i = std::make_shared<InfoOptions>();
    CLI::App* info = img->add_subcommand("info", "Show an image's format, sizes and backing file");
    info->add_flag("--json", i->json, "print JSON (keys as qemu-img info)");
    info->add_option("file", i->file, "image file")->required();
    info->callback([i, &exit_code] { exit_code = guarded("info", [&] { return run_info(*i); }); });

    auto file = std::make_shared<std::string>();
    CLI::App* check = img->add_subcommand(
        "check", "Check a qcow2 image's refcounts. Exit code: 0 clean, 2 errors, 3 leaks only");
    check->add_option("file", *file, "image file")->required();
    check->callback(
        [file, &exit_code] { exit_code = guarded("check", [&] { return run_check(*file); }); });

    auto v = std::make_shared<ConvertOptions>();
    CLI::App* convert = img->add_subcommand("convert", "Copy an image, skipping zero regions");
    convert->add_option("-f", v->src_format, "source format (default: probed)");
    convert->add_option("-O", v->dst_format, "destination format: raw or qcow2")->required();
    convert->add_option("--cluster-bits", v->cluster_bits, "qcow2 cluster size as 2^N (9..21)");
    convert->add_option("src", v->src, "source image")->required();
    convert->add_option("dst", v->dst, "destination image")->required();
    convert->callback(
        [v, &exit_code] { exit_code = guarded("convert", [&] { return run_convert(*v); }); });

    auto w = std::make_shared<WriteOptions>();
    CLI::App* write = img->add_subcommand(
        "write", "Write a file's bytes into an image at OFFSET (or zeroes with --zero LEN)");
    write->add_option("-f", w->format, "image format (default: probed)");
    write->add_flag("--zero", w->zero, "DATA is a length: write zeroes (unmapping)");
    write->add_option("file", w->file, "image file")->required();
    write->add_option("offset", w->offset, "byte offset in the virtual disk")->required();
    write->add_option("data", w->data, "file whose bytes are written")->required();
    write->callback(
        [w, &exit_code] { exit_code = guarded("write", [&] { return run_write(*w); }); });
}

}  // namespace rvisor::cli
