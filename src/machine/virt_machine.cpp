#include "machine/virt_machine.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "machine/boot_loader.hpp"
#include "machine/engine.hpp"
#include "machine/net_backend_factory.hpp"
#include "machine/nic_config.hpp"
#include "machine/snapshot.hpp"
#include "mem/address_map.hpp"

namespace rvisor::machine {

namespace {
// Linux prints this when it panics; the console watcher turns it into an exit reason.
constexpr std::string_view kPanicMarker = "Kernel panic - not syncing";
constexpr std::string_view kPanicEndMarker = "---[ end Kernel panic";
constexpr unsigned kPlicSources = 96;  // sources 1..95, as on QEMU virt
}  // namespace

std::string VmExit::describe() const {
    switch (kind) {
        case Kind::Poweroff: return "guest powered off";
        case Kind::Reboot: return "guest rebooted";
        case Kind::GuestPanic: return "guest kernel panicked (console log kept)";
        case Kind::Quit: return "quit from the console";
        case Kind::Timeout: return "stopped: timeout";
        case Kind::Failure: return "guest reported failure code " + std::to_string(code);
    }
    return "unknown";
}

int VmExit::exit_code() const {
    switch (kind) {
        case Kind::Poweroff:
        case Kind::Quit: return 0;
        case Kind::Reboot: return 3;
        case Kind::GuestPanic: return 4;
        case Kind::Timeout: return 124;
        case Kind::Failure: return (code & 0xff) == 0 ? 1 : (code & 0xff);
    }
    return 1;
}

VirtMachine::VirtMachine(VmConfig config) : config_(std::move(config)) {
    using mem::Region;
    const auto& map = [](Region r) -> const mem::RegionInfo& { return mem::region(r); };
    // Restore: the board's shape (cpus, memory, disks, NICs) comes from the snapshot, and its
    // state replaces the boot below (virt_machine_snapshot.cpp).
    std::optional<SnapshotFile> snapshot;
    if (config_.restore_from) {
        snapshot = SnapshotFile::open(*config_.restore_from);
        apply_snapshot_config(snapshot->config(), config_);
    }
    // Firmware (2 MiB), a kernel and its per-CPU areas need room: refuse configurations that
    // cannot boot rather than letting the guest fail obscurely.
    const u64 min_memory = (32ULL << 20) + config_.cpus * (2ULL << 20);
    if (config_.memory < min_memory)
        throw BootError("memory: " + std::to_string(config_.memory >> 20) +
                        " MiB is too small for " + std::to_string(config_.cpus) +
                        " vCPU(s); at least " + std::to_string(min_memory >> 20) +
                        " MiB is needed");
    ram_ = snapshot ? snapshot->map_ram(map(Region::Dram).base)
                    : std::make_unique<mem::GuestRam>(map(Region::Dram).base, config_.memory);
    bus_ = std::make_unique<mem::Bus>(*ram_);

    // Harts first: the interrupt controllers drive them from construction on.
    std::vector<cpu::Hart*> hart_ptrs;
    for (unsigned i = 0; i < config_.cpus; ++i) {
        harts_.push_back(std::make_unique<cpu::Hart>(*bus_, i));
        harts_.back()->set_time_source(
            [](const void* t) { return static_cast<const devices::Timebase*>(t)->now(); },
            &timebase_);
        if (auto c =
                attach_engine(*harts_.back(), resolve_engine(config_.engine), config_.check_jit))
            compilers_.push_back(std::move(c));
        hart_ptrs.push_back(harts_.back().get());
    }
    router_ = std::make_unique<HartRouter>(hart_ptrs);

    if (!config_.dump_dtb) console_ = std::make_unique<Console>(config_.console);
    test_ = std::make_unique<devices::TestDevice>([this](devices::PowerRequest r) { on_power(r); });
    clint_ = std::make_unique<devices::Clint>(config_.cpus, timebase_, router_.get());
    plic_ = std::make_unique<devices::Plic>(config_.cpus, router_.get(), kPlicSources);
    uart_ = std::make_unique<devices::Uart16550>([this](u8 c) { on_console_output(c); },
                                                 devices::IrqLine{plic_.get(), 10});
    rtc_ = std::make_unique<devices::GoldfishRtc>(devices::IrqLine{plic_.get(), 11});
    bus_->map(map(Region::Test).base, map(Region::Test).size, *test_);
    bus_->map(map(Region::Rtc).base, map(Region::Rtc).size, *rtc_);
    bus_->map(map(Region::Clint).base, map(Region::Clint).size, *clint_);
    bus_->map(map(Region::Plic).base, map(Region::Plic).size, *plic_);
    bus_->map(map(Region::Uart0).base, map(Region::Uart0).size, *uart_);
    // Virtio devices fill the slots from 0 up (slot n: 0x10001000 + n*0x1000, PLIC source
    // 1+n). The device tree lists the slots in that order and Linux probes them in it, so the
    // first --disk is /dev/vda. Slots left over get the empty-slot device.
    if (config_.disks.size() + config_.nics.size() > mem::kVirtioSlots)
        throw std::runtime_error(
            "too many virtio devices: " + std::to_string(config_.disks.size()) + " disks and " +
            std::to_string(config_.nics.size()) + " NICs, but the board has " +
            std::to_string(mem::kVirtioSlots) + " virtio-mmio slots");
    const auto& virtio = map(Region::Virtio0);
    unsigned slot = 0;
    for (const DiskConfig& d : config_.disks) {
        std::string serial = d.serial.empty() ? d.path.filename().string() : d.serial;
        serial.resize(std::min<std::size_t>(serial.size(), devices::virtio::kBlkIdBytes));
        virtio_blks_.push_back(std::make_unique<devices::virtio::VirtioBlk>(
            storage::open_image(d.path, d.format, d.read_only), serial));
        virtio_transports_.push_back(std::make_unique<devices::virtio::VirtioMmioTransport>(
            *ram_, *virtio_blks_.back(), devices::IrqLine{plic_.get(), 1 + slot}));
        bus_->map(virtio.base + slot * virtio.size, virtio.size, *virtio_transports_.back());
        ++slot;
    }
    for (unsigned i = 0; i < config_.nics.size(); ++i) {
        const NicConfig& n = config_.nics[i];
        Nic nic;
        nic.link = std::make_unique<net::EthernetSwitch>();
        nic.device = std::make_unique<devices::virtio::VirtioNet>(
            *nic.link, n.mac ? *n.mac : derive_mac(config_.name, i));
        if (!config_.dump_dtb) nic.backend = open_net_backend(*nic.link, n);
        virtio_transports_.push_back(std::make_unique<devices::virtio::VirtioMmioTransport>(
            *ram_, *nic.device, devices::IrqLine{plic_.get(), 1 + slot}));
        bus_->map(virtio.base + slot * virtio.size, virtio.size, *virtio_transports_.back());
        nics_.push_back(std::move(nic));
        ++slot;
    }
    for (; slot < mem::kVirtioSlots; ++slot) {
        virtio_slots_.push_back(std::make_unique<devices::VirtioMmioSlot>());
        bus_->map(virtio.base + slot * virtio.size, virtio.size, *virtio_slots_.back());
    }

    if (snapshot) {
        restore_state(*snapshot);
        return;
    }
    if (config_.kernel.empty()) throw BootError("no kernel given (--kernel)");
    BootLoader boot(config_.firmware, config_.kernel, config_.initrd, *ram_);
    const BootLayout& layout = boot.layout();

    DeviceTreeConfig dt;
    dt.harts = config_.cpus;
    dt.ram_base = ram_->base();
    dt.ram_size = ram_->size();
    dt.bootargs = config_.append;
    dt.initrd = layout.initrd;
    dtb_ = build_device_tree(dt);
    if (config_.dump_dtb) return;

    boot.load(dtb_);
    // fw_dynamic: every hart enters the firmware with a0 = hartid, a1 = DTB, a2 = info.
    for (auto& h : harts_) {
        h->reset(layout.firmware);
        h->set_x(10, h->hart_id());
        h->set_x(11, layout.dtb);
        h->set_x(12, layout.fw_info);
    }
}

VirtMachine::~VirtMachine() {
    if (console_) console_->stop_input();
    // The RTC's alarm thread can raise its line until the RTC is gone: destroy it before the
    // PLIC and the harts it reaches through the router.
    rtc_.reset();
    // Likewise the disks' I/O threads: stop them (transport first, it resets its device).
    virtio_transports_.clear();
    virtio_blks_.clear();
    // Backends leave their link before the device does; the link goes last.
    for (Nic& n : nics_) {
        n.backend.reset();
        n.device.reset();
    }
    nics_.clear();
}

MachineStats VirtMachine::stats() const {
    MachineStats s;
    s.instructions = instructions_retired();
    s.memory_touched_bytes = ram_->touched_bytes();
    for (const auto& b : virtio_blks_) s.disks.push_back(b->stats());
    for (const Nic& n : nics_) s.nics.push_back(n.device->stats());
    return s;
}

void VirtMachine::on_power(devices::PowerRequest r) {
    using K = devices::PowerRequest::Kind;
    VmExit e;
    if (r.kind == K::Poweroff)
        e.kind = VmExit::Kind::Poweroff;
    else if (r.kind == K::Reset)
        e.kind = VmExit::Kind::Reboot;
    else {
        e.kind = VmExit::Kind::Failure;
        e.code = r.code;
    }
    finish(e);
}

void VirtMachine::on_console_output(u8 c) {
    console_->write(c);
    if (c == '\n') {
        if (console_line_.find(kPanicEndMarker) != std::string::npos)
            finish({VmExit::Kind::GuestPanic, 0});
        console_line_.clear();
    } else if (console_line_.size() < 512) {
        console_line_.push_back(static_cast<char>(c));
        if (console_line_.find(kPanicMarker) != std::string::npos) panic_seen_ = true;
    }
}

void VirtMachine::finish(VmExit exit) {
    {
        std::lock_guard lock(exit_mutex_);
        if (exit_) return;  // the first reason wins
        // A reboot right after a panic message is the panic's doing (panic=N).
        if (panic_seen_ && exit.kind == VmExit::Kind::Reboot) exit.kind = VmExit::Kind::GuestPanic;
        exit_ = exit;
    }
    stopping_ = true;
    for (auto& h : harts_) h->request_stop();
    wake_parked_harts();
    exit_cv_.notify_all();
}

void VirtMachine::print_status() {
    const double up =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    std::string s = "rvisor: " + config_.name + " up " + std::to_string(static_cast<int>(up)) +
                    " s, " + std::to_string(harts_.size()) + " vCPU(s), " +
                    std::to_string(config_.memory >> 20) + " MiB";
    console_->message(s);
    for (auto& h : harts_) {
        char line[192];
        std::snprintf(line, sizeof line,
                      "  hart %llu: %llu instructions retired, pc 0x%llx, priv %u, "
                      "mip 0x%llx, mie 0x%llx",
                      static_cast<unsigned long long>(h->hart_id()),
                      static_cast<unsigned long long>(h->instret()),
                      static_cast<unsigned long long>(h->pc()), static_cast<unsigned>(h->priv()),
                      static_cast<unsigned long long>(h->mip()),
                      static_cast<unsigned long long>(h->csrs().mie));
        console_->message(line);
        if (std::getenv("RVISOR_STATUS_TRAPS") && h->hart_id() == 0)
            console_->message(plic_->describe());
        if (std::getenv("RVISOR_STATUS_TRAPS")) {
            for (const auto& t : h->recent_traps()) {
                std::snprintf(
                    line, sizeof line, "    trap cause 0x%llx epc 0x%llx tval 0x%llx from %u",
                    static_cast<unsigned long long>(t.cause),
                    static_cast<unsigned long long>(t.epc), static_cast<unsigned long long>(t.tval),
                    static_cast<unsigned>(t.from));
                console_->message(line);
            }
        }
    }
}

VmExit VirtMachine::run() {
    started_ = std::chrono::steady_clock::now();
    console_->start_input(*uart_, [this](ConsoleCommand c) {
        if (c == ConsoleCommand::Quit)
            finish({VmExit::Kind::Quit, 0});
        else if (c == ConsoleCommand::Snapshot)
            snapshot_from_console();
        else
            print_status();
    });
    std::vector<std::thread> threads;
    for (auto& h : harts_) {
        threads.emplace_back([this, hart = h.get()] { hart_loop(*hart); });
    }
    {
        std::unique_lock lock(exit_mutex_);
        std::optional<std::chrono::steady_clock::time_point> panic_deadline;
        while (!exit_) {
            exit_cv_.wait_for(lock, std::chrono::milliseconds(100));
            if (exit_) break;
            const auto now = std::chrono::steady_clock::now();
            std::optional<VmExit> reason;
            // After a panic message, give the kernel a moment to print the rest of its report.
            if (panic_seen_ && !panic_deadline) panic_deadline = now + std::chrono::seconds(2);
            if (panic_deadline && now >= *panic_deadline)
                reason = VmExit{VmExit::Kind::GuestPanic, 0};
            if (config_.timeout && now - started_ >= *config_.timeout)
                reason = VmExit{VmExit::Kind::Timeout, 0};
            if (reason) {
                lock.unlock();
                finish(*reason);
                lock.lock();
            }
        }
    }
    for (auto& t : threads) t.join();
    console_->stop_input();
    // A VM stopped from outside may be stuck: say where each hart was.
    if (exit_->kind == VmExit::Kind::Timeout) print_status();
    return *exit_;
}

}  // namespace rvisor::machine
