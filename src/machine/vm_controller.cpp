#include "machine/vm_controller.hpp"

#include <algorithm>
#include <new>

#include "machine/boot_loader.hpp"
#include "machine/elf_loader.hpp"
#include "mem/address_map.hpp"

namespace rvisor::machine {

namespace {

// Firecracker's messages for calls in the wrong phase, so clients that match on them work.
constexpr const char* kAfterStart =
    "The requested operation is not supported after starting the microVM.";
constexpr const char* kBeforeStart =
    "The requested operation is not supported before starting the microVM.";

ControlError bad_request(const std::string& message) {
    return ControlError(ControlError::Kind::BadRequest, message);
}

}  // namespace

const char* to_string(VmState state) {
    switch (state) {
        case VmState::NotStarted: return "Not started";
        case VmState::Running: return "Running";
        case VmState::Paused: return "Paused";
        case VmState::Stopped: return "Stopped";
    }
    return "Unknown";
}

VmController::VmController(VmConfig base) : base_(std::move(base)) {
    for (std::size_t i = 0; i < base_.disks.size(); ++i)
        drives_.push_back({"disk" + std::to_string(i), false, std::nullopt, base_.disks[i]});
    for (std::size_t i = 0; i < base_.nics.size(); ++i)
        nics_.push_back({"net" + std::to_string(i), base_.nics[i]});
    base_.disks.clear();
    base_.nics.clear();
    if (!base_.kernel.empty()) boot_source_ = BootSource{base_.kernel, base_.initrd, base_.append};
}

VmController::~VmController() {
    stop();
    if (run_thread_.joinable()) run_thread_.join();
}

VmState VmController::state() const {
    std::lock_guard lock(state_mutex_);
    return state_;
}

void VmController::require_not_started() const {
    if (state() != VmState::NotStarted) throw bad_request(kAfterStart);
}

void VmController::require_started() const {
    const VmState s = state();
    if (s == VmState::NotStarted) throw bad_request(kBeforeStart);
    if (s == VmState::Stopped) {
        std::lock_guard lock(state_mutex_);
        throw bad_request("The microVM has stopped (" + exit_->describe() + ").");
    }
}

void VmController::set_machine_config(unsigned vcpus, u64 memory_bytes) {
    std::lock_guard lock(command_mutex_);
    require_not_started();
    if (vcpus < 1 || vcpus > kMaxCpus)
        throw bad_request("vcpu_count must be from 1 to " + std::to_string(kMaxCpus));
    base_.cpus = vcpus;
    base_.memory = memory_bytes;
    configured_by_api_ = true;
}

void VmController::set_boot_source(BootSource source) {
    std::lock_guard lock(command_mutex_);
    require_not_started();
    boot_source_ = std::move(source);
    configured_by_api_ = true;
}

void VmController::put_drive(DriveEntry drive) {
    std::lock_guard lock(command_mutex_);
    require_not_started();
    auto same = std::find_if(drives_.begin(), drives_.end(),
                             [&](const DriveEntry& d) { return d.id == drive.id; });
    if (drive.is_root) {
        for (const DriveEntry& d : drives_)
            if (d.is_root && d.id != drive.id)
                throw bad_request("A root block device already exists (drive '" + d.id + "').");
    }
    if (same == drives_.end()) {
        const std::size_t devices = drives_.size() + nics_.size();
        if (devices >= mem::kVirtioSlots)
            throw bad_request("No free virtio-mmio slot for drive '" + drive.id +
                              "': the board has " + std::to_string(mem::kVirtioSlots) +
                              " for drives and NICs together.");
        drives_.push_back(std::move(drive));
    } else {
        *same = std::move(drive);
    }
    configured_by_api_ = true;
}

void VmController::put_network_interface(NicEntry nic) {
    std::lock_guard lock(command_mutex_);
    require_not_started();
    auto same =
        std::find_if(nics_.begin(), nics_.end(), [&](const NicEntry& n) { return n.id == nic.id; });
    if (nic.nic.mac) {
        for (const NicEntry& n : nics_)
            if (n.id != nic.id && n.nic.mac == nic.nic.mac)
                throw bad_request("The MAC address is already in use by network interface '" +
                                  n.id + "'.");
    }
    if (same == nics_.end()) {
        if (drives_.size() + nics_.size() >= mem::kVirtioSlots)
            throw bad_request("No free virtio-mmio slot for network interface '" + nic.id +
                              "': the board has " + std::to_string(mem::kVirtioSlots) +
                              " for drives and NICs together.");
        nics_.push_back(std::move(nic));
    } else {
        *same = std::move(nic);
    }
    configured_by_api_ = true;
}

// The VmConfig the machine gets: boot source, root drive first (it must be /dev/vda, the
// first virtio slot Linux probes), then the other drives and the NICs in the order they were
// first put.
VmConfig VmController::assemble() const {
    VmConfig c = base_;
    if (boot_source_) {
        c.kernel = boot_source_->kernel;
        c.initrd = boot_source_->initrd;
        if (boot_source_->boot_args) c.append = *boot_source_->boot_args;
    }
    c.disks.clear();
    for (const DriveEntry& d : drives_)
        if (d.is_root) {
            c.disks.push_back(d.disk);
            c.append += d.partuuid ? " root=PARTUUID=" + *d.partuuid : " root=/dev/vda";
            c.append += d.disk.read_only ? " ro" : " rw";
        }
    for (const DriveEntry& d : drives_)
        if (!d.is_root) c.disks.push_back(d.disk);
    for (const NicEntry& n : nics_) c.nics.push_back(n.nic);
    return c;
}

void VmController::launch(VmConfig config, bool start_paused) {
    std::unique_ptr<VirtMachine> vm;
    try {
        vm = std::make_unique<VirtMachine>(std::move(config));
    } catch (const std::bad_alloc&) {
        throw ControlError(ControlError::Kind::Internal,
                           "Cannot allocate the microVM's memory on the host.");
    } catch (const std::exception& e) {
        // BootError, ElfError, image and backend errors: all name the input at fault.
        throw bad_request(std::string("Cannot start the microVM: ") + e.what());
    }
    if (start_paused) vm->pause();
    vm_ = std::move(vm);
    started_at_ = std::chrono::steady_clock::now();
    {
        std::lock_guard lock(state_mutex_);
        state_ = start_paused ? VmState::Paused : VmState::Running;
    }
    run_thread_ = std::thread([this] {
        VmExit exit;
        try {
            exit = vm_->run();
        } catch (const std::exception&) {
            exit = VmExit{VmExit::Kind::Failure, 1};
        }
        {
            std::lock_guard lock(state_mutex_);
            exit_ = exit;
            state_ = VmState::Stopped;
        }
        state_cv_.notify_all();
    });
}

void VmController::start() {
    std::lock_guard lock(command_mutex_);
    require_not_started();
    if (!boot_source_ || boot_source_->kernel.empty())
        throw bad_request(
            "Cannot start the microVM without a kernel: PUT /boot-source with "
            "kernel_image_path first.");
    launch(assemble(), false);
}

void VmController::pause() {
    std::lock_guard lock(command_mutex_);
    require_started();
    if (state() == VmState::Paused) return;
    vm_->pause();
    std::lock_guard state_lock(state_mutex_);
    if (state_ == VmState::Running) state_ = VmState::Paused;
}

void VmController::resume() {
    std::lock_guard lock(command_mutex_);
    require_started();
    if (state() == VmState::Running) return;
    vm_->resume();
    std::lock_guard state_lock(state_mutex_);
    if (state_ == VmState::Paused) state_ = VmState::Running;
}

void VmController::create_snapshot(const std::filesystem::path& path) {
    std::lock_guard lock(command_mutex_);
    require_started();
    if (state() != VmState::Paused)
        throw bad_request(
            "Cannot create a snapshot of a running microVM: pause it first "
            "(PATCH /vm {\"state\": \"Paused\"}).");
    try {
        vm_->save_snapshot(path);
    } catch (const std::exception& e) {
        throw ControlError(ControlError::Kind::Internal,
                           std::string("Cannot create the snapshot: ") + e.what());
    }
}

void VmController::load_snapshot(const std::filesystem::path& path, bool resume) {
    std::lock_guard lock(command_mutex_);
    require_not_started();
    // As in Firecracker, a snapshot is loaded into a fresh VM: its shape comes from the file.
    if (configured_by_api_)
        throw bad_request(
            "Loading a microVM snapshot is not allowed after configuring boot-specific "
            "resources.");
    VmConfig c = assemble();
    c.restore_from = path;
    launch(std::move(c), !resume);
    restored_from_ = path;
    const VmConfig& actual = vm_->config();
    base_.cpus = actual.cpus;
    base_.memory = actual.memory;
}

// Firecracker sends Ctrl-Alt-Del through the i8042 keyboard controller on x86 and refuses the
// action on aarch64. The RISC-V virt board has no keyboard and no power button the host can
// press (QEMU's riscv virt has neither): its only power device is the SiFive test device,
// which the guest writes. So rvisor refuses it as Firecracker does on aarch64; a graceful
// shutdown is the guest's `poweroff`, a forced one is stopping the process.
void VmController::send_ctrl_alt_del() {
    std::lock_guard lock(command_mutex_);
    require_started();
    throw bad_request(
        "SendCtrlAltDel is not supported on riscv64: the virt board has no keyboard "
        "controller.");
}

void VmController::stop() {
    std::lock_guard lock(command_mutex_);
    const VmState s = state();
    if (s != VmState::Running && s != VmState::Paused) return;
    vm_->stop();
    if (s == VmState::Paused) vm_->resume();  // paused harts must run to see the stop
}

VmStats VmController::stats() const {
    std::lock_guard lock(command_mutex_);
    VmStats st;
    {
        std::lock_guard state_lock(state_mutex_);
        st.state = state_;
        st.exit = exit_;
    }
    st.vcpus = base_.cpus;
    st.memory_bytes = base_.memory;
    if (vm_) {
        const MachineStats ms = vm_->stats();
        st.instructions = ms.instructions;
        st.uptime = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - started_at_);
        st.memory_touched_bytes = ms.memory_touched_bytes;
        // A restored VM's devices come from the snapshot: ids the API never saw are named as
        // the constructor names a config's disks and NICs.
        const std::vector<std::string> drive_ids = drive_ids_in_boot_order();
        for (std::size_t i = 0; i < ms.disks.size(); ++i)
            st.drives.push_back(
                {i < drive_ids.size() ? drive_ids[i] : "disk" + std::to_string(i), ms.disks[i]});
        for (std::size_t i = 0; i < ms.nics.size(); ++i)
            st.nics.push_back(
                {i < nics_.size() ? nics_[i].id : "net" + std::to_string(i), ms.nics[i]});
    }
    return st;
}

std::vector<std::string> VmController::drive_ids_in_boot_order() const {
    std::vector<std::string> ids;
    for (const DriveEntry& d : drives_)
        if (d.is_root) ids.push_back(d.id);
    for (const DriveEntry& d : drives_)
        if (!d.is_root) ids.push_back(d.id);
    return ids;
}

ControllerConfig VmController::config() const {
    std::lock_guard lock(command_mutex_);
    ControllerConfig cc;
    cc.config = assemble();
    cc.drives = drives_;
    cc.nics = nics_;
    cc.boot_source = boot_source_;
    cc.restored_from = restored_from_;
    return cc;
}

VmExit VmController::wait() {
    std::unique_lock lock(state_mutex_);
    state_cv_.wait(lock, [this] { return exit_.has_value(); });
    return *exit_;
}

std::optional<VmExit> VmController::wait_for(std::chrono::milliseconds timeout) {
    std::unique_lock lock(state_mutex_);
    if (!state_cv_.wait_for(lock, timeout, [this] { return exit_.has_value(); }))
        return std::nullopt;
    return *exit_;
}

}  // namespace rvisor::machine
