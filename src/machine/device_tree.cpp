// Writes the virt board's device tree with libfdt's sequential-write API: nodes and properties
// are appended in order, so every phandle must be known before it is referenced. They are
// fixed functions of the hart count (see Phandles), which also keeps the output deterministic.
//
// Bindings followed (Linux Documentation/devicetree/bindings): riscv/cpus.yaml and
// riscv/extensions.yaml, interrupt-controller/riscv,cpu-intc, sifive,plic-1.0.0,
// timer/sifive,clint, serial/8250 (ns16550a), rtc/google,goldfish-rtc, virtio/mmio,
// power/reset/syscon-poweroff and syscon-reboot, chosen. Node names and the layout follow QEMU's
// virt machine, whose trees OpenSBI and Linux are tested against.
#include "machine/device_tree.hpp"

#include <libfdt.h>

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <string_view>

namespace rvisor::machine {
namespace {

using mem::Region;

// Interrupt causes on the per-hart interrupt controller (mip bit numbers).
constexpr u32 kIrqMSoft = 3, kIrqMTimer = 7, kIrqSExternal = 9, kIrqMExternal = 11;
constexpr unsigned kMaxPlicSources = 1023;  // the PLIC's interrupt ids are 1..1023
constexpr u32 kUartClockHz = 3'686'400;     // the ns16550a input clock QEMU advertises
constexpr u32 kPoweroffValue = 0x5555, kRebootValue = 0x7777;       // SiFive test device commands
constexpr std::string_view kSingleLetterOrder = "imafdqlcbkjtpvh";  // canonical ISA order

// phandle numbering: 1.. for the harts (cpu, then its interrupt controller), then the PLIC and
// the syscon. Never 0 or ~0, which libfdt and the spec reserve.
struct Phandles {
    unsigned harts;
    u32 cpu(unsigned hart) const { return 1 + 2 * hart; }
    u32 intc(unsigned hart) const { return 2 + 2 * hart; }
    u32 plic() const { return 1 + 2 * harts; }
    u32 syscon() const { return 2 + 2 * harts; }
};

std::string hex(u64 value) {
    char buf[17];
    const auto res = std::to_chars(buf, buf + sizeof buf, value, 16);
    return std::string(buf, res.ptr);
}

// "name@<base in hex>", the unit address of a node whose reg starts at `base`.
std::string unit(std::string_view name, u64 base) {
    return std::string(name) + "@" + hex(base);
}

// Thrown inside write_tree when the buffer is too small; build_device_tree retries larger.
struct NoSpace {};

class Writer {
  public:
    explicit Writer(std::size_t size) : buf_(size) {
        check(fdt_create(buf_.data(), static_cast<int>(size)), "fdt_create");
        check(fdt_finish_reservemap(fdt()), "fdt_finish_reservemap");
    }

    void begin(const std::string& name) { check(fdt_begin_node(fdt(), name.c_str()), name); }
    void end() { check(fdt_end_node(fdt()), "fdt_end_node"); }

    void bytes(const char* name, const void* data, std::size_t len) {
        check(fdt_property(fdt(), name, data, static_cast<int>(len)), name);
    }
    void empty(const char* name) { bytes(name, nullptr, 0); }
    void string(const char* name, const std::string& value) {
        bytes(name, value.c_str(), value.size() + 1);
    }
    // A string list: each entry NUL-terminated, back to back.
    void strings(const char* name, const std::vector<std::string>& values) {
        std::string joined;
        for (const auto& v : values) joined.append(v).push_back('\0');
        bytes(name, joined.data(), joined.size());
    }
    void cell(const char* name, u32 value) { check(fdt_property_u32(fdt(), name, value), name); }
    void cell64(const char* name, u64 value) { check(fdt_property_u64(fdt(), name, value), name); }
    void cells(const char* name, const std::vector<u32>& values) {
        std::vector<fdt32_t> be;
        be.reserve(values.size());
        for (u32 v : values) be.push_back(cpu_to_fdt32(v));
        bytes(name, be.data(), be.size() * sizeof(fdt32_t));
    }
    // reg = <base size> with #address-cells = #size-cells = 2.
    void reg(u64 base, u64 size) {
        cells("reg", {static_cast<u32>(base >> 32), static_cast<u32>(base),
                      static_cast<u32>(size >> 32), static_cast<u32>(size)});
    }

    std::vector<u8> finish() {
        check(fdt_finish(fdt()), "fdt_finish");
        check(fdt_pack(fdt()), "fdt_pack");
        buf_.resize(fdt_totalsize(fdt()));
        check(fdt_check_full(buf_.data(), buf_.size()), "fdt_check_full");
        return std::move(buf_);
    }

  private:
    void* fdt() { return buf_.data(); }

    static void check(int err, std::string_view what) {
        if (err == -FDT_ERR_NOSPACE) throw NoSpace{};
        if (err < 0) {
            throw DeviceTreeError("libfdt failed at " + std::string(what) + ": " +
                                  fdt_strerror(err));
        }
    }

    std::vector<u8> buf_;
};

void validate(const DeviceTreeConfig& c) {
    if (c.harts < 1 || c.harts > DeviceTreeConfig::kMaxHarts) {
        throw DeviceTreeError("hart count " + std::to_string(c.harts) + " is outside 1.." +
                              std::to_string(DeviceTreeConfig::kMaxHarts));
    }
    if (c.ram_size == 0) throw DeviceTreeError("RAM size is zero");
    if (c.ram_base + c.ram_size < c.ram_base) {
        throw DeviceTreeError("RAM [0x" + hex(c.ram_base) + ", +0x" + hex(c.ram_size) +
                              ") wraps around the address space");
    }
    for (std::size_t i = 0; i < mem::kVirtMap.size(); ++i) {
        const auto& r = mem::kVirtMap[i];
        if (static_cast<Region>(i) == Region::Dram) continue;
        const u64 size =
            static_cast<Region>(i) == Region::Virtio0 ? r.size * mem::kVirtioSlots : r.size;
        if (c.ram_base < r.base + size && r.base < c.ram_base + c.ram_size) {
            throw DeviceTreeError("RAM [0x" + hex(c.ram_base) + ", 0x" +
                                  hex(c.ram_base + c.ram_size) + ") overlaps the " +
                                  std::string(r.name) + " device at 0x" + hex(r.base));
        }
    }
    if (c.initrd) {
        const auto [start, end] = *c.initrd;
        if (start >= end || start < c.ram_base || end > c.ram_base + c.ram_size) {
            throw DeviceTreeError("initrd [0x" + hex(start) + ", 0x" + hex(end) +
                                  ") is empty or not inside RAM");
        }
    }
    if (c.timebase_frequency == 0) throw DeviceTreeError("timebase-frequency is zero");
    if (c.mmu_type != "riscv,sv39" && c.mmu_type != "riscv,sv48" && c.mmu_type != "riscv,sv57") {
        throw DeviceTreeError("mmu-type \"" + c.mmu_type +
                              "\" is not riscv,sv39, riscv,sv48 or riscv,sv57");
    }
    if (c.plic_ndev < 1 || c.plic_ndev > kMaxPlicSources) {
        throw DeviceTreeError("riscv,ndev " + std::to_string(c.plic_ndev) + " is outside 1.." +
                              std::to_string(kMaxPlicSources));
    }
    std::vector<std::pair<unsigned, std::string>> irqs = {{c.uart_irq, "uart"}, {c.rtc_irq, "rtc"}};
    if (c.include_virtio_slots) {
        for (unsigned n = 0; n < mem::kVirtioSlots; ++n)
            irqs.emplace_back(c.virtio_first_irq + n, "virtio slot " + std::to_string(n));
    }
    for (std::size_t i = 0; i < irqs.size(); ++i) {
        if (irqs[i].first < 1 || irqs[i].first > c.plic_ndev) {
            throw DeviceTreeError(irqs[i].second + " irq " + std::to_string(irqs[i].first) +
                                  " is outside the PLIC's sources 1.." +
                                  std::to_string(c.plic_ndev));
        }
        for (std::size_t j = 0; j < i; ++j) {
            if (irqs[i].first == irqs[j].first) {
                throw DeviceTreeError(irqs[i].second + " and " + irqs[j].second + " share irq " +
                                      std::to_string(irqs[i].first));
            }
        }
    }
}

std::vector<u8> write_tree(const DeviceTreeConfig& c, const std::string& isa, std::size_t size) {
    const Phandles ph{c.harts};
    const auto& uart = mem::region(Region::Uart0);
    const std::string uart_node = unit("serial", uart.base);
    Writer w(size);

    w.begin("");
    w.cell("#address-cells", 2);
    w.cell("#size-cells", 2);
    w.string("compatible", "riscv-virtio");
    w.string("model", "rvisor,virt");

    w.begin("chosen");
    if (!c.bootargs.empty()) w.string("bootargs", c.bootargs);
    w.string("stdout-path", "/soc/" + uart_node);
    if (c.initrd) {
        w.cell64("linux,initrd-start", c.initrd->first);
        w.cell64("linux,initrd-end", c.initrd->second);
    }
    w.end();

    w.begin(unit("memory", c.ram_base));
    w.string("device_type", "memory");
    w.reg(c.ram_base, c.ram_size);
    w.end();

    w.begin("cpus");
    w.cell("#address-cells", 1);
    w.cell("#size-cells", 0);
    w.cell("timebase-frequency", c.timebase_frequency);
    for (unsigned h = 0; h < c.harts; ++h) {
        w.begin(unit("cpu", h));
        w.cell("phandle", ph.cpu(h));
        w.string("device_type", "cpu");
        w.cell("reg", h);
        w.string("status", "okay");
        w.string("compatible", "riscv");
        w.string("riscv,isa", isa);
        w.string("riscv,isa-base", "rv64i");
        w.strings("riscv,isa-extensions", c.isa_extensions);
        w.string("mmu-type", c.mmu_type);
        w.begin("interrupt-controller");
        w.cell("phandle", ph.intc(h));
        w.string("compatible", "riscv,cpu-intc");
        w.cell("#interrupt-cells", 1);
        w.cell("#address-cells", 0);  // dtc's interrupt_provider check asks for it
        w.empty("interrupt-controller");
        w.end();
        w.end();
    }
    w.begin("cpu-map");
    w.begin("cluster0");
    for (unsigned h = 0; h < c.harts; ++h) {
        w.begin("core" + std::to_string(h));
        w.cell("cpu", ph.cpu(h));
        w.end();
    }
    w.end();
    w.end();
    w.end();  // cpus

    w.begin("soc");
    w.cell("#address-cells", 2);
    w.cell("#size-cells", 2);
    w.string("compatible", "simple-bus");
    w.empty("ranges");  // identity: soc addresses are CPU physical addresses

    // In ascending address order, the order of the table.
    const auto& test = mem::region(Region::Test);
    w.begin(unit("test", test.base));
    w.cell("phandle", ph.syscon());
    w.strings("compatible", {"sifive,test1", "sifive,test0", "syscon"});
    w.reg(test.base, test.size);
    w.end();

    const auto& rtc = mem::region(Region::Rtc);
    w.begin(unit("rtc", rtc.base));
    w.string("compatible", "google,goldfish-rtc");
    w.reg(rtc.base, rtc.size);
    w.cell("interrupt-parent", ph.plic());
    w.cell("interrupts", c.rtc_irq);
    w.end();

    // Per hart: machine software and timer interrupts.
    const auto& clint = mem::region(Region::Clint);
    w.begin(unit("clint", clint.base));
    w.strings("compatible", {"sifive,clint0", "riscv,clint0"});
    w.reg(clint.base, clint.size);
    std::vector<u32> clint_irqs;
    for (unsigned h = 0; h < c.harts; ++h) {
        clint_irqs.insert(clint_irqs.end(), {ph.intc(h), kIrqMSoft, ph.intc(h), kIrqMTimer});
    }
    w.cells("interrupts-extended", clint_irqs);
    w.end();

    // PLIC context 2h is hart h's M mode, 2h + 1 its S mode: the order of interrupts-extended.
    const auto& plic = mem::region(Region::Plic);
    w.begin(unit("plic", plic.base));
    w.cell("phandle", ph.plic());
    w.strings("compatible", {"sifive,plic-1.0.0", "riscv,plic0"});
    w.reg(plic.base, plic.size);
    w.cell("#interrupt-cells", 1);
    w.cell("#address-cells", 0);
    w.empty("interrupt-controller");
    w.cell("riscv,ndev", c.plic_ndev);
    std::vector<u32> plic_irqs;
    for (unsigned h = 0; h < c.harts; ++h) {
        plic_irqs.insert(plic_irqs.end(), {ph.intc(h), kIrqMExternal, ph.intc(h), kIrqSExternal});
    }
    w.cells("interrupts-extended", plic_irqs);
    w.end();

    w.begin(uart_node);
    w.string("compatible", "ns16550a");
    w.reg(uart.base, uart.size);
    w.cell("clock-frequency", kUartClockHz);
    w.cell("interrupt-parent", ph.plic());
    w.cell("interrupts", c.uart_irq);
    w.end();

    if (c.include_virtio_slots) {
        const auto& virtio = mem::region(Region::Virtio0);
        for (unsigned n = 0; n < mem::kVirtioSlots; ++n) {
            const u64 base = virtio.base + n * virtio.size;
            w.begin(unit("virtio_mmio", base));
            w.string("compatible", "virtio,mmio");
            w.reg(base, virtio.size);
            w.cell("interrupt-parent", ph.plic());
            w.cell("interrupts", c.virtio_first_irq + n);
            w.end();
        }
    }
    w.end();  // soc

    // Outside /soc (as QEMU places them): a simple-bus child without reg draws a dtc warning.
    // The regmap phandle is what OpenSBI's and older Linux's syscon drivers look for.
    w.begin("poweroff");
    w.string("compatible", "syscon-poweroff");
    w.cell("regmap", ph.syscon());
    w.cell("offset", 0);
    w.cell("value", kPoweroffValue);
    w.end();
    w.begin("reboot");
    w.string("compatible", "syscon-reboot");
    w.cell("regmap", ph.syscon());
    w.cell("offset", 0);
    w.cell("value", kRebootValue);
    w.end();

    w.end();  // root
    return w.finish();
}

}  // namespace

std::string riscv_isa_string(const std::vector<std::string>& isa_extensions) {
    std::string single, multi;
    for (std::size_t i = 0; i < isa_extensions.size(); ++i) {
        const std::string& ext = isa_extensions[i];
        const bool well_formed = !ext.empty() && ext[0] >= 'a' && ext[0] <= 'z' &&
                                 std::all_of(ext.begin(), ext.end(), [](char ch) {
                                     return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
                                 });
        if (!well_formed) {
            throw DeviceTreeError("ISA extension \"" + ext +
                                  "\" is not a lowercase name starting with a letter");
        }
        if (std::find(isa_extensions.begin(), isa_extensions.begin() + i, ext) !=
            isa_extensions.begin() + i) {
            throw DeviceTreeError("ISA extension \"" + ext + "\" is listed twice");
        }
        if (ext.size() == 1) {
            if (kSingleLetterOrder.find(ext[0]) == std::string_view::npos) {
                throw DeviceTreeError("unknown single-letter ISA extension \"" + ext + "\"");
            }
        } else {
            multi += "_" + ext;
        }
    }
    for (char letter : kSingleLetterOrder) {
        if (std::find(isa_extensions.begin(), isa_extensions.end(), std::string(1, letter)) !=
            isa_extensions.end()) {
            single += letter;
        }
    }
    if (single.empty() || single[0] != 'i') {
        throw DeviceTreeError("ISA extensions lack the base \"i\"");
    }
    return "rv64" + single + multi;
}

std::vector<u8> build_device_tree(const DeviceTreeConfig& config) {
    validate(config);
    const std::string isa = riscv_isa_string(config.isa_extensions);
    // Generous: a hart's nodes take about 500 bytes, the rest of the tree about 3 KiB.
    std::size_t size = 16 * 1024 + config.harts * 1024 + config.bootargs.size();
    for (;;) {
        try {
            return write_tree(config, isa, size);
        } catch (const NoSpace&) {
            if (size >= (std::size_t{1} << 24)) {
                throw DeviceTreeError(std::string("libfdt: ") + fdt_strerror(-FDT_ERR_NOSPACE));
            }
            size *= 2;
        }
    }
}

}  // namespace rvisor::machine
