#include "machine/device_tree.hpp"

#include <gtest/gtest.h>
#include <libfdt.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace rvisor::machine {
namespace {

namespace fs = std::filesystem;

constexpr u64 k384MiB = 384ULL << 20;

DeviceTreeConfig config(unsigned harts = 1, u64 ram_size = k384MiB) {
    DeviceTreeConfig c;
    c.harts = harts;
    c.ram_size = ram_size;
    return c;
}

// Read-only views of a built blob, failing the test on a missing node or property.
class Tree {
  public:
    explicit Tree(const DeviceTreeConfig& c) : blob_(build_device_tree(c)) {}

    const void* fdt() const { return blob_.data(); }
    const std::vector<u8>& blob() const { return blob_; }

    int node(const std::string& path) const {
        const int off = fdt_path_offset(fdt(), path.c_str());
        EXPECT_GE(off, 0) << path << ": " << fdt_strerror(off);
        return off;
    }
    bool has(const std::string& path, const char* prop) const {
        const int off = fdt_path_offset(fdt(), path.c_str());
        return off >= 0 && fdt_getprop(fdt(), off, prop, nullptr) != nullptr;
    }
    std::string raw(int off, const char* prop) const {
        int len = 0;
        const void* data = fdt_getprop(fdt(), off, prop, &len);
        if (data == nullptr) {
            ADD_FAILURE() << "no property " << prop << ": " << fdt_strerror(len);
            return {};
        }
        return std::string(static_cast<const char*>(data), static_cast<std::size_t>(len));
    }
    std::string raw(const std::string& path, const char* prop) const {
        return raw(node(path), prop);
    }
    std::vector<u32> cells(const std::string& path, const char* prop) const {
        return to_cells(raw(path, prop));
    }
    std::vector<u32> cells(int off, const char* prop) const { return to_cells(raw(off, prop)); }
    // A string list; a single string is a list of one.
    std::vector<std::string> strings(const std::string& path, const char* prop) const {
        const std::string data = raw(path, prop);
        EXPECT_TRUE(!data.empty() && data.back() == '\0') << prop << " is not NUL-terminated";
        std::vector<std::string> out;
        std::size_t start = 0;
        for (std::size_t i = 0; i < data.size(); ++i) {
            if (data[i] == '\0') {
                out.push_back(data.substr(start, i - start));
                start = i + 1;
            }
        }
        return out;
    }
    std::string string(const std::string& path, const char* prop) const {
        const auto list = strings(path, prop);
        EXPECT_EQ(list.size(), 1u) << prop;
        return list.empty() ? std::string() : list[0];
    }
    u64 u64_prop(const std::string& path, const char* prop) const {
        const std::string data = raw(path, prop);
        EXPECT_EQ(data.size(), 8u) << prop;
        fdt64_t be;
        std::memcpy(&be, data.data(), sizeof be);
        return fdt64_to_cpu(be);
    }
    std::string path_of_phandle(u32 phandle) const {
        const int off = fdt_node_offset_by_phandle(fdt(), phandle);
        if (off < 0) return "<unresolved phandle " + std::to_string(phandle) + ">";
        char buf[256];
        EXPECT_EQ(fdt_get_path(fdt(), off, buf, sizeof buf), 0);
        return buf;
    }
    // Paths of the subnodes of `path` whose device_type is `type`.
    std::vector<std::string> children_of_type(const std::string& path, const char* type) const {
        std::vector<std::string> out;
        const int parent = node(path);
        int child;
        fdt_for_each_subnode(child, fdt(), parent) {
            const char* t =
                static_cast<const char*>(fdt_getprop(fdt(), child, "device_type", nullptr));
            if (t != nullptr && std::string(t) == type)
                out.push_back(fdt_get_name(fdt(), child, nullptr));
        }
        return out;
    }

  private:
    static std::vector<u32> to_cells(const std::string& data) {
        EXPECT_EQ(data.size() % 4, 0u);
        std::vector<u32> out(data.size() / 4);
        for (std::size_t i = 0; i < out.size(); ++i) {
            fdt32_t be;
            std::memcpy(&be, data.data() + 4 * i, sizeof be);
            out[i] = fdt32_to_cpu(be);
        }
        return out;
    }

    std::vector<u8> blob_;
};

std::vector<u32> reg_cells(u64 base, u64 size) {
    return {static_cast<u32>(base >> 32), static_cast<u32>(base), static_cast<u32>(size >> 32),
            static_cast<u32>(size)};
}

std::string hex(u64 v) {
    std::ostringstream s;
    s << std::hex << v;
    return s.str();
}

TEST(DeviceTree, BlobIsAValidPackedTree) {
    const Tree t(config());
    ASSERT_EQ(fdt_check_full(t.fdt(), t.blob().size()), 0);
    EXPECT_EQ(fdt_magic(t.fdt()), FDT_MAGIC);
    EXPECT_EQ(fdt_version(t.fdt()), 17u);
    EXPECT_EQ(fdt_totalsize(t.fdt()), t.blob().size());  // packed: no slack
    EXPECT_EQ(fdt_num_mem_rsv(t.fdt()), 0);
    EXPECT_EQ(t.cells("/", "#address-cells"), std::vector<u32>{2});
    EXPECT_EQ(t.cells("/", "#size-cells"), std::vector<u32>{2});
    EXPECT_EQ(t.string("/", "compatible"), "riscv-virtio");
    EXPECT_EQ(t.string("/", "model"), "rvisor,virt");
}

TEST(DeviceTree, IsDeterministic) {
    auto c = config(4);
    c.bootargs = "console=ttyS0";
    EXPECT_EQ(build_device_tree(c), build_device_tree(c));
}

TEST(DeviceTree, MemoryNodeHasExactReg) {
    const Tree t(config(1, k384MiB));
    EXPECT_EQ(t.string("/memory@80000000", "device_type"), "memory");
    EXPECT_EQ(t.cells("/memory@80000000", "reg"),
              (std::vector<u32>{0, 0x8000'0000, 0, 0x1800'0000}));

    const Tree big(config(1, 6ULL << 30));  // 6 GiB: the size needs its high cell
    EXPECT_EQ(big.cells("/memory@80000000", "reg"),
              (std::vector<u32>{0, 0x8000'0000, 1, 0x8000'0000}));

    auto moved = config(1, 1ULL << 30);
    moved.ram_base = 0x1'0000'0000;
    const Tree high(moved);
    EXPECT_EQ(high.cells("/memory@100000000", "reg"), (std::vector<u32>{1, 0, 0, 0x4000'0000}));
}

TEST(DeviceTree, ChosenHasBootargsInitrdAndStdoutPath) {
    auto c = config();
    c.bootargs = "console=ttyS0 earlycon root=/dev/vda rw";
    c.initrd = {{0x8400'0000, 0x8412'3457}};
    const Tree t(c);
    EXPECT_EQ(t.string("/chosen", "bootargs"), c.bootargs);
    EXPECT_EQ(t.u64_prop("/chosen", "linux,initrd-start"), 0x8400'0000u);
    EXPECT_EQ(t.u64_prop("/chosen", "linux,initrd-end"), 0x8412'3457u);

    const std::string stdout_path = t.string("/chosen", "stdout-path");
    EXPECT_EQ(stdout_path, "/soc/serial@10000000");
    const int uart = fdt_path_offset(t.fdt(), stdout_path.c_str());
    ASSERT_GE(uart, 0) << "stdout-path does not resolve";
    EXPECT_EQ(fdt_node_check_compatible(t.fdt(), uart, "ns16550a"), 0);
}

TEST(DeviceTree, ChosenOmitsEmptyBootargsAndAbsentInitrd) {
    const Tree t(config());
    EXPECT_FALSE(t.has("/chosen", "bootargs"));
    EXPECT_FALSE(t.has("/chosen", "linux,initrd-start"));
    EXPECT_FALSE(t.has("/chosen", "linux,initrd-end"));
    EXPECT_TRUE(t.has("/chosen", "stdout-path"));
}

class DeviceTreeHarts : public ::testing::TestWithParam<unsigned> {};

TEST_P(DeviceTreeHarts, OneCpuNodePerHart) {
    const unsigned harts = GetParam();
    const Tree t(config(harts));
    EXPECT_EQ(t.cells("/cpus", "#address-cells"), std::vector<u32>{1});
    EXPECT_EQ(t.cells("/cpus", "#size-cells"), std::vector<u32>{0});
    EXPECT_EQ(t.cells("/cpus", "timebase-frequency"), std::vector<u32>{10'000'000});

    const auto cpus = t.children_of_type("/cpus", "cpu");
    ASSERT_EQ(cpus.size(), harts);
    const std::vector<std::string> extensions = {
        "i", "m", "a", "f", "d", "c", "zicntr", "zicsr", "zifencei", "zihintpause", "sstc"};
    for (unsigned h = 0; h < harts; ++h) {
        const std::string cpu = "/cpus/cpu@" + hex(h);
        EXPECT_EQ(cpus[h], "cpu@" + hex(h));
        EXPECT_EQ(t.cells(cpu, "reg"), std::vector<u32>{h});
        EXPECT_EQ(t.string(cpu, "status"), "okay");
        EXPECT_EQ(t.string(cpu, "compatible"), "riscv");
        EXPECT_EQ(t.string(cpu, "riscv,isa"), "rv64imafdc_zicntr_zicsr_zifencei_zihintpause_sstc");
        EXPECT_EQ(t.string(cpu, "riscv,isa-base"), "rv64i");
        EXPECT_EQ(t.strings(cpu, "riscv,isa-extensions"), extensions);
        EXPECT_EQ(t.string(cpu, "mmu-type"), "riscv,sv57");

        const std::string intc = cpu + "/interrupt-controller";
        EXPECT_EQ(t.string(intc, "compatible"), "riscv,cpu-intc");
        EXPECT_EQ(t.cells(intc, "#interrupt-cells"), std::vector<u32>{1});
        EXPECT_EQ(t.raw(intc, "interrupt-controller"), "");
        EXPECT_NE(fdt_get_phandle(t.fdt(), t.node(intc)), 0u);

        const auto core = t.cells("/cpus/cpu-map/cluster0/core" + std::to_string(h), "cpu");
        ASSERT_EQ(core.size(), 1u);
        EXPECT_EQ(t.path_of_phandle(core[0]), cpu);
    }
    EXPECT_LT(fdt_path_offset(t.fdt(), ("/cpus/cpu@" + hex(harts)).c_str()), 0);
}

// interrupts-extended of the CLINT: <intc_h 3 intc_h 7> per hart (machine software, timer).
TEST_P(DeviceTreeHarts, ClintInterruptsReachEveryHart) {
    const unsigned harts = GetParam();
    const Tree t(config(harts));
    const auto irqs = t.cells("/soc/clint@2000000", "interrupts-extended");
    ASSERT_EQ(irqs.size(), 4u * harts);
    for (unsigned h = 0; h < harts; ++h) {
        const std::string intc = "/cpus/cpu@" + hex(h) + "/interrupt-controller";
        EXPECT_EQ(t.path_of_phandle(irqs[4 * h]), intc);
        EXPECT_EQ(irqs[4 * h + 1], 3u);
        EXPECT_EQ(t.path_of_phandle(irqs[4 * h + 2]), intc);
        EXPECT_EQ(irqs[4 * h + 3], 7u);
    }
}

// PLIC context 2h is hart h's M-mode external interrupt (11), context 2h + 1 its S-mode (9).
TEST_P(DeviceTreeHarts, PlicContextsAreMThenSPerHart) {
    const unsigned harts = GetParam();
    const Tree t(config(harts));
    const auto irqs = t.cells("/soc/plic@c000000", "interrupts-extended");
    ASSERT_EQ(irqs.size(), 4u * harts);
    for (unsigned h = 0; h < harts; ++h) {
        const std::string intc = "/cpus/cpu@" + hex(h) + "/interrupt-controller";
        EXPECT_EQ(t.path_of_phandle(irqs[4 * h]), intc);
        EXPECT_EQ(irqs[4 * h + 1], 11u);
        EXPECT_EQ(t.path_of_phandle(irqs[4 * h + 2]), intc);
        EXPECT_EQ(irqs[4 * h + 3], 9u);
    }
}

TEST_P(DeviceTreeHarts, PhandlesAreUnique) {
    const Tree t(config(GetParam()));
    std::set<u32> seen;
    for (int off = fdt_next_node(t.fdt(), -1, nullptr); off >= 0;
         off = fdt_next_node(t.fdt(), off, nullptr)) {
        const u32 ph = fdt_get_phandle(t.fdt(), off);
        if (ph == 0) continue;
        EXPECT_NE(ph, ~0u);
        EXPECT_TRUE(seen.insert(ph).second) << "phandle " << ph << " used twice";
    }
    EXPECT_EQ(seen.size(), 2u * GetParam() + 2);  // cpu + intc per hart, plic, syscon
}

INSTANTIATE_TEST_SUITE_P(DeviceTree, DeviceTreeHarts, ::testing::Values(1u, 2u, 4u, 64u));

TEST(DeviceTree, SocNodesComeFromTheAddressMap) {
    const Tree t(config(2));
    EXPECT_EQ(t.strings("/soc", "compatible"), std::vector<std::string>{"simple-bus"});
    EXPECT_EQ(t.raw("/soc", "ranges"), "");
    EXPECT_EQ(t.cells("/soc", "#address-cells"), std::vector<u32>{2});
    EXPECT_EQ(t.cells("/soc", "#size-cells"), std::vector<u32>{2});

    using mem::Region;
    const auto at = [](Region r, const char* name) {
        return "/soc/" + std::string(name) + "@" + hex(mem::region(r).base);
    };
    const auto reg_of = [](Region r) {
        return reg_cells(mem::region(r).base, mem::region(r).size);
    };

    const std::string plic = at(Region::Plic, "plic");
    EXPECT_EQ(plic, "/soc/plic@c000000");
    const u32 plic_ph = fdt_get_phandle(t.fdt(), t.node(plic));
    ASSERT_NE(plic_ph, 0u);
    EXPECT_EQ(t.cells(plic, "reg"), reg_of(Region::Plic));
    EXPECT_EQ(t.strings(plic, "compatible"),
              (std::vector<std::string>{"sifive,plic-1.0.0", "riscv,plic0"}));
    EXPECT_EQ(t.cells(plic, "#interrupt-cells"), std::vector<u32>{1});
    EXPECT_EQ(t.cells(plic, "#address-cells"), std::vector<u32>{0});
    EXPECT_EQ(t.raw(plic, "interrupt-controller"), "");
    EXPECT_EQ(t.cells(plic, "riscv,ndev"), std::vector<u32>{95});

    const std::string clint = at(Region::Clint, "clint");
    EXPECT_EQ(t.cells(clint, "reg"), reg_of(Region::Clint));
    EXPECT_EQ(t.strings(clint, "compatible"),
              (std::vector<std::string>{"sifive,clint0", "riscv,clint0"}));

    const std::string uart = at(Region::Uart0, "serial");
    EXPECT_EQ(t.cells(uart, "reg"), reg_cells(0x1000'0000, 0x100));
    EXPECT_EQ(t.string(uart, "compatible"), "ns16550a");
    EXPECT_EQ(t.cells(uart, "clock-frequency"), std::vector<u32>{3'686'400});
    EXPECT_EQ(t.cells(uart, "interrupts"), std::vector<u32>{10});
    EXPECT_EQ(t.cells(uart, "interrupt-parent"), std::vector<u32>{plic_ph});

    const std::string rtc = at(Region::Rtc, "rtc");
    EXPECT_EQ(t.cells(rtc, "reg"), reg_of(Region::Rtc));
    EXPECT_EQ(t.string(rtc, "compatible"), "google,goldfish-rtc");
    EXPECT_EQ(t.cells(rtc, "interrupts"), std::vector<u32>{11});
    EXPECT_EQ(t.cells(rtc, "interrupt-parent"), std::vector<u32>{plic_ph});

    const std::string test = at(Region::Test, "test");
    EXPECT_EQ(t.cells(test, "reg"), reg_of(Region::Test));
    EXPECT_EQ(t.strings(test, "compatible"),
              (std::vector<std::string>{"sifive,test1", "sifive,test0", "syscon"}));
    const u32 test_ph = fdt_get_phandle(t.fdt(), t.node(test));
    ASSERT_NE(test_ph, 0u);
    EXPECT_EQ(t.string("/poweroff", "compatible"), "syscon-poweroff");
    EXPECT_EQ(t.cells("/poweroff", "regmap"), std::vector<u32>{test_ph});
    EXPECT_EQ(t.cells("/poweroff", "offset"), std::vector<u32>{0});
    EXPECT_EQ(t.cells("/poweroff", "value"), std::vector<u32>{0x5555});
    EXPECT_EQ(t.string("/reboot", "compatible"), "syscon-reboot");
    EXPECT_EQ(t.cells("/reboot", "regmap"), std::vector<u32>{test_ph});
    EXPECT_EQ(t.cells("/reboot", "offset"), std::vector<u32>{0});
    EXPECT_EQ(t.cells("/reboot", "value"), std::vector<u32>{0x7777});
}

TEST(DeviceTree, EveryVirtioSlot) {
    const Tree t(config());
    const u32 plic_ph = fdt_get_phandle(t.fdt(), t.node("/soc/plic@c000000"));
    const auto& virtio = mem::region(mem::Region::Virtio0);
    unsigned found = 0;
    for (int off = fdt_node_offset_by_compatible(t.fdt(), -1, "virtio,mmio"); off >= 0;
         off = fdt_node_offset_by_compatible(t.fdt(), off, "virtio,mmio")) {
        ++found;
    }
    EXPECT_EQ(found, mem::kVirtioSlots);
    for (unsigned n = 0; n < mem::kVirtioSlots; ++n) {
        const u64 base = virtio.base + n * virtio.size;
        const std::string path = "/soc/virtio_mmio@" + hex(base);
        EXPECT_EQ(t.cells(path, "reg"), reg_cells(base, 0x1000)) << path;
        EXPECT_EQ(t.cells(path, "interrupts"), std::vector<u32>{n + 1}) << path;
        EXPECT_EQ(t.cells(path, "interrupt-parent"), std::vector<u32>{plic_ph}) << path;
        EXPECT_EQ(t.string(path, "compatible"), "virtio,mmio");
    }
    EXPECT_GE(fdt_path_offset(t.fdt(), "/soc/virtio_mmio@10008000"), 0);

    auto none = config();
    none.include_virtio_slots = false;
    const Tree bare(none);
    EXPECT_EQ(fdt_node_offset_by_compatible(bare.fdt(), -1, "virtio,mmio"), -FDT_ERR_NOTFOUND);
}

TEST(DeviceTree, ConfigurableCpuProperties) {
    auto c = config(2);
    c.isa_extensions = {"i", "m", "a", "c", "zicsr"};
    c.mmu_type = "riscv,sv39";
    c.timebase_frequency = 1'000'000;
    const Tree t(c);
    EXPECT_EQ(t.string("/cpus/cpu@1", "riscv,isa"), "rv64imac_zicsr");
    EXPECT_EQ(t.strings("/cpus/cpu@1", "riscv,isa-extensions"), c.isa_extensions);
    EXPECT_EQ(t.string("/cpus/cpu@1", "mmu-type"), "riscv,sv39");
    EXPECT_EQ(t.cells("/cpus", "timebase-frequency"), std::vector<u32>{1'000'000});
}

TEST(DeviceTree, IsaStringIsDerivedFromTheExtensionList) {
    EXPECT_EQ(riscv_isa_string(DeviceTreeConfig{}.isa_extensions),
              "rv64imafdc_zicntr_zicsr_zifencei_zihintpause_sstc");
    // Single letters go in canonical order whatever the list order; multi-letter keep theirs.
    EXPECT_EQ(riscv_isa_string({"c", "zifencei", "i", "m"}), "rv64imc_zifencei");
    EXPECT_EQ(riscv_isa_string({"i"}), "rv64i");
    EXPECT_THROW(riscv_isa_string({}), DeviceTreeError);
    EXPECT_THROW(riscv_isa_string({"m", "a"}), DeviceTreeError);       // no base
    EXPECT_THROW(riscv_isa_string({"i", "m", "m"}), DeviceTreeError);  // duplicate
    EXPECT_THROW(riscv_isa_string({"i", "M"}), DeviceTreeError);       // uppercase
    EXPECT_THROW(riscv_isa_string({"i", ""}), DeviceTreeError);        // empty
    EXPECT_THROW(riscv_isa_string({"i", "y"}), DeviceTreeError);       // no such letter
    EXPECT_THROW(riscv_isa_string({"i", "zi csr"}), DeviceTreeError);  // space
    EXPECT_THROW(riscv_isa_string({"i", "_zicsr"}), DeviceTreeError);  // separator
}

// The message of the DeviceTreeError that build_device_tree(c) throws ("" if none).
std::string error_of(const DeviceTreeConfig& c) {
    try {
        build_device_tree(c);
    } catch (const DeviceTreeError& e) {
        return e.what();
    }
    return "";
}

TEST(DeviceTree, RejectsHartCountsOutside1To64) {
    EXPECT_EQ(error_of(config(0)), "device tree: hart count 0 is outside 1..64");
    EXPECT_EQ(error_of(config(65)), "device tree: hart count 65 is outside 1..64");
    EXPECT_THROW(build_device_tree(config(1000)), std::runtime_error);
    EXPECT_NO_THROW(build_device_tree(config(64)));
}

TEST(DeviceTree, RejectsInvalidConfigs) {
    EXPECT_EQ(error_of(config(1, 0)), "device tree: RAM size is zero");

    auto wraps = config(1, 1ULL << 63);
    wraps.ram_base = 1ULL << 63;
    EXPECT_NE(error_of(wraps).find("wraps around"), std::string::npos);

    auto overlap = config(1, 0x2000'0000);
    overlap.ram_base = 0x0;  // covers the test device, CLINT, PLIC, UART
    EXPECT_EQ(error_of(overlap),
              "device tree: RAM [0x0, 0x20000000) overlaps the test device at 0x100000");

    auto initrd = config(1, 0x1000'0000);
    initrd.initrd = {{0x8ff0'0000, 0x9000'0001}};  // one byte past the end of RAM
    EXPECT_EQ(error_of(initrd),
              "device tree: initrd [0x8ff00000, 0x90000001) is empty or not inside RAM");
    initrd.initrd = {{0x8100'0000, 0x8100'0000}};
    EXPECT_NE(error_of(initrd), "");
    initrd.initrd = {{0x7fff'f000, 0x8000'1000}};
    EXPECT_NE(error_of(initrd), "");
    initrd.initrd = {{0x8ff0'0000, 0x9000'0000}};  // ends exactly at the end of RAM
    EXPECT_EQ(error_of(initrd), "");

    auto mmu = config();
    mmu.mmu_type = "sv57";
    EXPECT_NE(error_of(mmu).find("mmu-type \"sv57\""), std::string::npos);

    auto tb = config();
    tb.timebase_frequency = 0;
    EXPECT_NE(error_of(tb), "");

    auto irq = config();
    irq.uart_irq = 96;
    EXPECT_EQ(error_of(irq), "device tree: uart irq 96 is outside the PLIC's sources 1..95");
    irq.uart_irq = 0;
    EXPECT_NE(error_of(irq), "");
    irq.uart_irq = 3;  // virtio slot 2's line
    EXPECT_EQ(error_of(irq), "device tree: virtio slot 2 and uart share irq 3");
    irq.include_virtio_slots = false;  // the line is free then
    EXPECT_EQ(error_of(irq), "");

    auto ndev = config();
    ndev.plic_ndev = 1024;
    EXPECT_NE(error_of(ndev), "");

    auto isa = config();
    isa.isa_extensions = {"m", "a"};
    EXPECT_EQ(error_of(isa), "device tree: ISA extensions lack the base \"i\"");
}

// Far beyond the first buffer's estimate (which counts harts and bootargs, not extensions):
// libfdt runs out of space and the builder retries with larger buffers.
TEST(DeviceTree, LargeTreesGrowTheBuffer) {
    auto c = config(64);
    c.bootargs = std::string(100'000, 'x');
    for (int i = 0; i < 300; ++i) c.isa_extensions.push_back("zxrvisortest" + std::to_string(i));
    const Tree t(c);
    EXPECT_GT(t.blob().size(), 500'000u);
    EXPECT_EQ(fdt_totalsize(t.fdt()), t.blob().size());
    EXPECT_EQ(t.string("/chosen", "bootargs"), c.bootargs);
    EXPECT_EQ(t.strings("/cpus/cpu@3f", "riscv,isa-extensions"), c.isa_extensions);
    EXPECT_EQ(t.string("/cpus/cpu@3f", "riscv,isa").substr(0, 52),
              "rv64imafdc_zicntr_zicsr_zifencei_zihintpause_sstc_zx");
}

// ---- dtc as an independent checker ----

bool on_path(const std::string& program) {
    const char* path = std::getenv("PATH");
    if (path == nullptr) return false;
    std::istringstream dirs(path);
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        if (!dir.empty() && ::access((fs::path(dir) / program).c_str(), X_OK) == 0) return true;
    }
    return false;
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Decompiles `blob` with dtc; returns dtc's stderr, fails the test on a non-zero exit.
std::string dtc_diagnostics(const std::vector<u8>& blob, const std::string& label) {
    const fs::path dir = fs::temp_directory_path();
    const std::string stem = "rvisor-dt-" + std::to_string(::getpid()) + "-" + label;
    const fs::path dtb = dir / (stem + ".dtb"), err = dir / (stem + ".err");
    {
        std::ofstream out(dtb, std::ios::binary);
        out.write(reinterpret_cast<const char*>(blob.data()),
                  static_cast<std::streamsize>(blob.size()));
    }
    const std::string cmd =
        "dtc -I dtb -O dts -o /dev/null '" + dtb.string() + "' 2>'" + err.string() + "'";
    const int status = std::system(cmd.c_str());
    std::string diagnostics = slurp(err);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << label << ": dtc failed (status " << status << "): " << diagnostics;
    fs::remove(dtb);
    fs::remove(err);
    return diagnostics;
}

TEST(DeviceTree, DtcAcceptsItWithoutWarnings) {
    if (!on_path("dtc")) GTEST_SKIP() << "dtc (device-tree-compiler) is not installed";

    EXPECT_EQ(dtc_diagnostics(build_device_tree(config(1)), "minimal"), "");

    auto full = config(4, 6ULL << 30);
    full.bootargs = "console=ttyS0 root=/dev/vda rw";
    full.initrd = {{0x8800'0000, 0x8880'0000}};
    EXPECT_EQ(dtc_diagnostics(build_device_tree(full), "full"), "");

    auto no_virtio = config(64);
    no_virtio.include_virtio_slots = false;
    EXPECT_EQ(dtc_diagnostics(build_device_tree(no_virtio), "64harts"), "");
}

}  // namespace
}  // namespace rvisor::machine
