#include "vmm/manager.hpp"
#include "vmm/manager_vm.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>

#include "vmm/api_error.hpp"
#include "vmm/proc_stat.hpp"
#include "vmm/vm_api_client.hpp"
#include "vmm/vm_process.hpp"

namespace rvisor::vmm {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

i64 now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// The last non-empty line rvisor run printed (its one-line error on a failed start).
std::string last_log_line(const fs::path& log) {
    std::ifstream in(log);
    std::string line, last;
    while (std::getline(in, line)) {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
        if (!line.empty()) last = line;
    }
    return last.substr(0, 400);
}

std::string only_string_field(const json& body, const char* field,
                              std::initializer_list<const char*> allowed) {
    if (!body.is_object()) throw ApiError(400, "the request body must be a JSON object");
    for (const auto& [key, v] : body.items()) {
        bool ok = false;
        for (const char* a : allowed) ok = ok || key == a;
        if (!ok) throw ApiError(400, "unknown field '" + key + "'");
        if (!v.is_string()) throw ApiError(400, "field '" + key + "' must be a string");
    }
    if (!body.contains(field)) throw ApiError(400, std::string("field '") + field + "' is missing");
    return body[field].get<std::string>();
}

void check_absolute(const std::string& path, const char* field) {
    if (path.empty() || path.front() != '/' || path.find('\0') != std::string::npos)
        throw ApiError(400, std::string("field '") + field + "' must be an absolute path");
}

}  // namespace

bool is_active_state(const std::string& state) {
    return state == "running" || state == "paused";
}

RvisorFeatures probe_rvisor_features(const fs::path& rvisor) {
    RvisorFeatures f;
    const std::string cmd = "'" + rvisor.string() + "' run --help 2>&1";
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return f;
    std::string text;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) text.append(buf, n);
    ::pclose(p);
    f.api_sock = text.find("--api-sock") != std::string::npos;
    f.exit_status_file = text.find("--exit-status-file") != std::string::npos;
    return f;
}

Manager::Manager(StateStore& store, ResourceLimiter& limiter, ManagerConfig config)
    : store_(store),
      limiter_(limiter),
      config_(std::move(config)),
      wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    supervisor_ = std::thread([this] { supervise(); });
}

Manager::~Manager() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_supervisor();
    supervisor_.join();
    for (auto& [name, vm] : vms_) {
        vm->console->stop();
        if (vm->pidfd >= 0) ::close(vm->pidfd);
    }
    ::close(wake_fd_);
}

fs::path Manager::vm_file(const std::string& name, const char* file) const {
    return store_.vm_dir(name) / file;
}

void Manager::wake_supervisor() {
    const uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof one);
}

void Manager::save_runtime_locked(const Vm& vm) const {
    try {
        store_.save_runtime(vm.def.name, vm.rt);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "rvisord: %s\n", e.what());
    }
}

std::shared_ptr<Manager::Vm> Manager::find_locked(const std::string& name) const {
    check_vm_name(name);
    const auto it = vms_.find(name);
    if (it == vms_.end()) throw ApiError(404, "no VM named '" + name + "'");
    return it->second;
}

Usage Manager::usage_locked() const {
    Usage u;
    for (const auto& [name, vm] : vms_) {
        if (!is_active_state(vm->rt.state)) continue;
        u.memory_mib += vm->def.memory_mib;
        u.vcpus += vm->def.vcpus;
    }
    return u;
}

json Manager::view_locked(const Vm& vm) const {
    const bool active = is_active_state(vm.rt.state);
    json j = {{"name", vm.def.name}, {"state", vm.rt.state}, {"definition", to_json(vm.def)}};
    j["pid"] = active ? json(vm.rt.pid) : json(nullptr);
    j["started_at_ms"] = vm.rt.started_at_ms ? json(vm.rt.started_at_ms) : json(nullptr);
    j["uptime_ms"] = active ? json(now_ms() - vm.rt.started_at_ms) : json(nullptr);
    j["exit_reason"] = vm.rt.exit_reason.empty() ? json(nullptr) : json(vm.rt.exit_reason);
    j["exit_code"] = vm.rt.exit_code ? json(*vm.rt.exit_code) : json(nullptr);
    j["api_socket"] =
        active && vm.rt.api ? json(vm_file(vm.def.name, "api.sock").string()) : json(nullptr);
    j["limits"] = vm.rt.limits.is_null() ? json{{"mechanism", limiter_.mechanism()}} : vm.rt.limits;
    if (!vm.rt.restored_from.empty()) j["restored_from"] = vm.rt.restored_from;
    return j;
}

std::vector<std::string> Manager::recover() {
    std::vector<std::string> log;
    auto loaded = store_.load_all(log);
    std::lock_guard lock(mutex_);
    for (auto& l : loaded) {
        auto vm = std::make_shared<Vm>();
        vm->def = std::move(l.definition);
        vm->rt = std::move(l.runtime);
        const std::string& name = vm->def.name;
        if (is_active_state(vm->rt.state) && vm->rt.pid > 0) {
            const auto st = read_proc_stat(vm->rt.pid);
            const int pidfd = st && st->start_ticks == vm->rt.start_ticks && st->state != 'Z'
                                  ? open_pidfd(vm->rt.pid)
                                  : -1;
            if (pidfd >= 0) {
                vm->pidfd = pidfd;
                vm->child = false;
                vm->alive->store(true);
                std::string note =
                    "re-attached to VM '" + name + "' (pid " + std::to_string(vm->rt.pid) + ")";
                if (vm->rt.api) {
                    try {
                        const json info = VmApiClient(vm_file(name, "api.sock")).instance_info();
                        if (info.is_object() && info.value("state", "") == "Paused")
                            vm->rt.state = "paused";
                        else if (info.is_object() && info.value("state", "") == "Running")
                            vm->rt.state = "running";
                    } catch (const ApiError& e) {
                        note += "; its API does not answer: " + std::string(e.what());
                    }
                }
                auto alive = vm->alive;
                vm->console->start(vm_file(name, "console.sock"),
                                   [alive] { return alive->load(); });
                save_runtime_locked(*vm);
                log.push_back(note);
                vms_[name] = vm;
                continue;
            }
            // The process ended while no daemon watched it: its exit-status file tells how.
            const auto outcome =
                classify_exit(read_exit_status_file(vm_file(name, "exit-status")), false);
            vm->rt.state = outcome.state;
            vm->rt.exit_reason = outcome.reason;
            vm->rt.exit_code = outcome.exit_code;
            vm->rt.pid = 0;
            save_runtime_locked(*vm);
            log.push_back("VM '" + name + "' ended while rvisord was away: " + outcome.reason);
        }
        vms_[name] = vm;
    }
    wake_supervisor();
    return log;
}

json Manager::create(const json& body) {
    VmDefinition def = parse_vm_definition(body);
    std::lock_guard lock(mutex_);
    if (vms_.count(def.name)) throw ApiError(409, "a VM named '" + def.name + "' already exists");
    if (auto problem = check_fits_at_all(config_.budget, {def.memory_mib, def.vcpus}))
        throw ApiError(422, *problem);
    try {
        store_.save_definition(def);
        auto vm = std::make_shared<Vm>();
        vm->def = def;
        store_.save_runtime(def.name, vm->rt);
        vms_[def.name] = vm;
        return view_locked(*vm);
    } catch (const std::system_error& e) {
        std::error_code ec;
        fs::remove_all(store_.vm_dir(def.name), ec);
        throw ApiError(500, e.what());
    }
}

json Manager::list() const {
    std::lock_guard lock(mutex_);
    json out = json::array();
    for (const auto& [name, vm] : vms_) out.push_back(view_locked(*vm));
    return out;
}

json Manager::get(const std::string& name) const {
    std::lock_guard lock(mutex_);
    return view_locked(*find_locked(name));
}

void Manager::start_locked(Vm& vm, const std::string& snapshot) {
    const std::string& name = vm.def.name;
    if (is_active_state(vm.rt.state))
        throw ApiError(409, "VM '" + name + "' is already " + vm.rt.state);
    if (auto problem =
            check_budget(config_.budget, usage_locked(), {vm.def.memory_mib, vm.def.vcpus}, name))
        throw ApiError(409, *problem);
    if (!snapshot.empty() && !config_.features.api_sock)
        throw ApiError(501, "this rvisor cannot restore snapshots (no `rvisor run --api-sock`)");

    const fs::path dir = store_.vm_dir(name);
    try {
        write_file_atomically(dir / "run.json", run_config_json(vm.def).dump(2) + "\n");
    } catch (const std::system_error& e) {
        throw ApiError(500, e.what());
    }
    for (const char* stale : {"api.sock", "console.sock", "exit-status"})
        ::unlink((dir / stale).c_str());

    SpawnSpec spec;
    spec.program = config_.rvisor;
    // Relative paths: the VM runs in its folder, and sun_path holds only 108 bytes.
    // A restore starts the process with its API only (Firecracker's flow) and then loads the
    // snapshot through PUT /snapshot/load: the machine's shape comes from the snapshot.
    spec.args = {"run", "--console", "socket:console.sock"};
    if (snapshot.empty())
        spec.args.insert(spec.args.end(), {"--config", "run.json"});
    else
        spec.args.insert(spec.args.end(), {"--name", name});
    if (config_.features.api_sock) spec.args.insert(spec.args.end(), {"--api-sock", "api.sock"});
    if (config_.features.exit_status_file)
        spec.args.insert(spec.args.end(), {"--exit-status-file", "exit-status"});
    spec.cwd = dir;
    spec.log_file = dir / "vm.log";
    PreparedLimits limits = limiter_.prepare(vm.def);
    spec.cgroup_procs_fd = limits.cgroup_procs_fd;
    spec.nice = limits.nice;
    Spawned spawned;
    try {
        spawned = spawn_vm_process(spec);
    } catch (const std::runtime_error& e) {
        if (limits.cgroup_procs_fd >= 0) ::close(limits.cgroup_procs_fd);
        limiter_.release(name);
        throw ApiError(500, "VM '" + name + "': " + e.what());
    }
    if (limits.cgroup_procs_fd >= 0) ::close(limits.cgroup_procs_fd);

    const auto st = read_proc_stat(spawned.pid);
    vm.rt = RuntimeRecord{};
    vm.rt.state = "running";
    vm.rt.pid = spawned.pid;
    vm.rt.start_ticks = st ? st->start_ticks : 0;
    vm.rt.started_at_ms = now_ms();
    vm.rt.api = config_.features.api_sock;
    vm.rt.restored_from = snapshot;
    vm.rt.limits = limits.report;
    vm.pidfd = spawned.pidfd;
    vm.child = true;
    vm.stop_requested = false;
    vm.alive = std::make_shared<std::atomic<bool>>(true);
    save_runtime_locked(vm);
    auto alive = vm.alive;
    vm.console->start(dir / "console.sock", [alive] { return alive->load(); });
    wake_supervisor();
}

// Until the VM process has its console (and API) sockets up or has ended: a start that
// fails at once (bad kernel, locked disk) is reported to the caller.
void Manager::wait_started(const std::shared_ptr<Vm>& vm, std::unique_lock<std::mutex>& lock) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    const fs::path api = vm_file(vm->def.name, "api.sock");
    while (std::chrono::steady_clock::now() < deadline && vm->alive->load()) {
        const bool api_up = !vm->rt.api || fs::exists(api);
        if (vm->console->connected() && api_up) break;
        changed_.wait_for(lock, std::chrono::milliseconds(20));
    }
    if (vm->rt.state == "failed" || vm->rt.state == "crashed")
        throw ApiError(422, "VM '" + vm->def.name + "' did not start: " + vm->rt.exit_reason);
}

void Manager::load_snapshot_locked(const std::shared_ptr<Vm>& vm, const std::string& path,
                                   std::unique_lock<std::mutex>& lock) {
    const fs::path api = vm_file(vm->def.name, "api.sock");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (vm->alive->load() && !fs::exists(api) && std::chrono::steady_clock::now() < deadline)
        changed_.wait_for(lock, std::chrono::milliseconds(10));
    try {
        if (!vm->alive->load())
            throw ApiError(
                422, vm->rt.exit_reason.empty() ? "the VM process ended" : vm->rt.exit_reason);
        VmApiClient(api).load_snapshot(path);
    } catch (const ApiError& e) {
        if (vm->alive->load()) {
            vm->stop_requested = true;
            signal_pidfd(vm->pidfd, SIGKILL);
            wait_inactive(*vm, lock, 5000);
        }
        throw ApiError(422, "VM '" + vm->def.name + "': cannot restore " + path + ": " + e.what());
    }
}

json Manager::start(const std::string& name) {
    std::unique_lock lock(mutex_);
    auto vm = find_locked(name);
    if (vm->busy) throw ApiError(409, "VM '" + name + "' is busy with another operation");
    start_locked(*vm, "");
    wait_started(vm, lock);
    return view_locked(*vm);
}

bool Manager::wait_inactive(Vm& vm, std::unique_lock<std::mutex>& lock, int timeout_ms) {
    return changed_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                             [&] { return !is_active_state(vm.rt.state); });
}

json Manager::stop(const std::string& name) {
    std::unique_lock lock(mutex_);
    auto vm = find_locked(name);
    if (!is_active_state(vm->rt.state))
        throw ApiError(409, "VM '" + name + "' is not running (it is " + vm->rt.state + ")");
    vm->stop_requested = true;
    signal_pidfd(vm->pidfd, SIGTERM);
    if (!wait_inactive(*vm, lock, 5000)) {
        signal_pidfd(vm->pidfd, SIGKILL);
        wait_inactive(*vm, lock, 5000);
    }
    return view_locked(*vm);
}

json Manager::pause(const std::string& name) {
    return transition_via_api(name, "running", "paused", "Paused");
}

json Manager::resume(const std::string& name) {
    return transition_via_api(name, "paused", "running", "Resumed");
}

json Manager::transition_via_api(const std::string& name, const std::string& from,
                                 const std::string& to, const char* api_state) {
    std::unique_lock lock(mutex_);
    auto vm = find_locked(name);
    // "not running" / "not paused": the state the operation needs, as an adjective.
    if (vm->rt.state != from)
        throw ApiError(409, "VM '" + name + "' is not " + from + " (it is " + vm->rt.state + ")");
    // A paused VM always has the API (paused is only reached through it): for resume this
    // never fires.
    if (!vm->rt.api)
        throw ApiError(501, "VM '" + name + "' has no per-VM API (rvisor run lacks --api-sock)");
    if (vm->busy) throw ApiError(409, "VM '" + name + "' is busy with another operation");
    vm->busy = true;
    lock.unlock();
    try {
        VmApiClient(vm_file(name, "api.sock")).set_state(api_state);
    } catch (...) {
        lock.lock();
        vm->busy = false;
        throw;
    }
    lock.lock();
    vm->busy = false;
    // The process may have ended meanwhile; its end is recorded and wins.
    if (vm->rt.state == from) {
        vm->rt.state = to;
        save_runtime_locked(*vm);
    }
    return view_locked(*vm);
}

json Manager::snapshot(const std::string& name, const json& body) {
    const std::string path = only_string_field(body, "path", {"path"});
    check_absolute(path, "path");
    const fs::path parent = fs::path(path).parent_path();
    if (!fs::is_directory(parent))
        throw ApiError(400, "field 'path': folder " + parent.string() + " does not exist");
    std::unique_lock lock(mutex_);
    auto vm = find_locked(name);
    if (!is_active_state(vm->rt.state))
        throw ApiError(409, "VM '" + name + "' is not running (it is " + vm->rt.state + ")");
    if (!vm->rt.api)
        throw ApiError(501, "VM '" + name + "' has no per-VM API (rvisor run lacks --api-sock)");
    if (vm->busy) throw ApiError(409, "VM '" + name + "' is busy with another operation");
    vm->busy = true;
    const bool was_running = vm->rt.state == "running";
    const VmDefinition def = vm->def;
    lock.unlock();
    const VmApiClient api(vm_file(name, "api.sock"));
    try {
        // Firecracker's order: a snapshot is taken of a paused VM.
        if (was_running) api.set_state("Paused");
        api.create_snapshot(path);
        // The definition travels with the snapshot, so it can be restored as a new VM.
        write_file_atomically(path + ".vm.json", to_json(def).dump(2) + "\n");
        if (was_running) api.set_state("Resumed");
    } catch (const std::exception& e) {
        if (was_running) {
            try {
                api.set_state("Resumed");
            } catch (const std::exception&) {
            }
        }
        lock.lock();
        vm->busy = false;
        if (const auto* a = dynamic_cast<const ApiError*>(&e)) throw *a;
        throw ApiError(500, e.what());
    }
    lock.lock();
    vm->busy = false;
    return {{"snapshot", path}, {"definition_file", path + ".vm.json"}, {"vm", view_locked(*vm)}};
}

json Manager::restore(const std::optional<std::string>& url_name, const json& body, bool& created) {
    if (!body.is_object()) throw ApiError(400, "the request body must be a JSON object");
    const std::string path = only_string_field(body, "path", {"path", "name"});
    check_absolute(path, "path");
    std::optional<std::string> name = url_name;
    if (body.contains("name")) {
        const std::string n = body["name"].get<std::string>();
        if (name && *name != n)
            throw ApiError(400,
                           "field 'name' ('" + n + "') differs from the URL's VM '" + *name + "'");
        name = n;
    }
    if (name) check_vm_name(*name);
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
        throw ApiError(400, "field 'path': snapshot " + path + " does not exist");
    if (!config_.features.api_sock)
        throw ApiError(501, "this rvisor cannot restore snapshots (no `rvisor run --api-sock`)");
    const std::string def_file = path + ".vm.json";
    json def_json;
    {
        std::ifstream in(def_file);
        if (!in)
            throw ApiError(422, "no VM definition next to the snapshot (" + def_file +
                                    "; rvisord writes it with every snapshot)");
        def_json = json::parse(in, nullptr, false);
    }
    if (def_json.is_discarded()) throw ApiError(422, def_file + ": not valid JSON");
    VmDefinition def = parse_vm_definition(def_json);
    if (name) def.name = *name;

    std::unique_lock lock(mutex_);
    auto it = vms_.find(def.name);
    if (it != vms_.end()) {
        auto vm = it->second;
        if (is_active_state(vm->rt.state))
            throw ApiError(409, "VM '" + def.name + "' is " + vm->rt.state + "; stop it first");
        if (vm->def.vcpus != def.vcpus || vm->def.memory_mib != def.memory_mib)
            throw ApiError(409, "the snapshot is of a VM with " + std::to_string(def.vcpus) +
                                    " vCPUs and " + std::to_string(def.memory_mib) + " MiB, VM '" +
                                    def.name + "' has " + std::to_string(vm->def.vcpus) + " and " +
                                    std::to_string(vm->def.memory_mib));
        const RuntimeRecord before = vm->rt;
        start_locked(*vm, path);
        try {
            load_snapshot_locked(vm, path, lock);
            wait_started(vm, lock);
        } catch (const ApiError&) {
            // The restore failed and its process has ended: the VM is as it was.
            vm->rt = before;
            save_runtime_locked(*vm);
            throw;
        }
        created = false;
        return view_locked(*vm);
    }
    if (auto problem = check_fits_at_all(config_.budget, {def.memory_mib, def.vcpus}))
        throw ApiError(422, *problem);
    auto vm = std::make_shared<Vm>();
    vm->def = def;
    try {
        store_.save_definition(def);
        vms_[def.name] = vm;
        start_locked(*vm, path);
        load_snapshot_locked(vm, path, lock);
        wait_started(vm, lock);
    } catch (const std::exception& e) {
        // No state change: the new VM goes again (its process, if any, has ended).
        if (vm->alive->load() && vm->pidfd >= 0) {
            vm->stop_requested = true;
            signal_pidfd(vm->pidfd, SIGKILL);
            wait_inactive(*vm, lock, 5000);
        }
        vms_.erase(def.name);
        lock.unlock();
        vm->console->stop();
        std::error_code ec;
        fs::remove_all(store_.vm_dir(def.name), ec);
        if (const auto* a = dynamic_cast<const ApiError*>(&e)) throw *a;
        throw ApiError(500, e.what());
    }
    created = true;
    return view_locked(*vm);
}

void Manager::remove(const std::string& name, bool force) {
    std::unique_lock lock(mutex_);
    auto vm = find_locked(name);
    if (is_active_state(vm->rt.state)) {
        if (!force)
            throw ApiError(409, "VM '" + name + "' is " + vm->rt.state +
                                    "; stop it first or DELETE /vms/" + name + "?force=true");
        vm->stop_requested = true;
        signal_pidfd(vm->pidfd, SIGKILL);
        if (!wait_inactive(*vm, lock, 5000))
            throw ApiError(500, "VM '" + name + "' did not end after SIGKILL");
    }
    if (vm->busy) throw ApiError(409, "VM '" + name + "' is busy with another operation");
    try {
        store_.remove_vm(name);
    } catch (const std::system_error& e) {
        throw ApiError(500, e.what());
    }
    vms_.erase(name);
    lock.unlock();
    vm->console->stop();
}

std::shared_ptr<ConsoleHub> Manager::console(const std::string& name) const {
    std::lock_guard lock(mutex_);
    return find_locked(name)->console;
}

json Manager::stats(const std::string& name) const {
    std::unique_lock lock(mutex_);
    auto vm = find_locked(name);
    json out = view_locked(*vm);
    const bool active = is_active_state(vm->rt.state);
    const pid_t pid = vm->rt.pid;
    const bool api = vm->rt.api;
    lock.unlock();
    if (!active) return out;
    if (const auto st = read_proc_stat(pid)) {
        const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
        out["cpu_seconds"] = static_cast<double>(st->utime_ticks + st->stime_ticks) / tick;
        out["rss_bytes"] = st->rss_pages * static_cast<u64>(::sysconf(_SC_PAGESIZE));
    }
    if (api) {
        try {
            out["vm"] = VmApiClient(vm_file(name, "api.sock")).stats();
        } catch (const ApiError& e) {
            out["vm_error"] = e.what();
        }
    }
    return out;
}

void Manager::on_process_end(const std::string& name) {
    std::lock_guard lock(mutex_);
    const auto it = vms_.find(name);
    if (it == vms_.end() || it->second->pidfd < 0) return;
    Vm& vm = *it->second;
    std::optional<ProcessEnd> end = vm.child ? reap_pidfd(vm.pidfd) : std::nullopt;
    if (!end) end = read_exit_status_file(vm_file(name, "exit-status"));
    ExitOutcome outcome = classify_exit(*end, vm.stop_requested);
    if (outcome.state == "failed") {
        const std::string line = last_log_line(vm_file(name, "vm.log"));
        if (!line.empty()) outcome.reason += ": " + line;
    }
    vm.rt.state = outcome.state;
    vm.rt.exit_reason = outcome.reason;
    vm.rt.exit_code = outcome.exit_code;
    vm.rt.pid = 0;
    ::close(vm.pidfd);
    vm.pidfd = -1;
    vm.alive->store(false);
    vm.stop_requested = false;
    save_runtime_locked(vm);
    limiter_.release(name);
    changed_.notify_all();
}

void Manager::supervise() {
    std::vector<pollfd> fds;
    std::vector<std::string> names;
    for (;;) {
        fds.assign(1, pollfd{wake_fd_, POLLIN, 0});
        names.assign(1, "");
        {
            std::lock_guard lock(mutex_);
            if (stopping_) return;
            for (const auto& [name, vm] : vms_) {
                if (vm->pidfd < 0) continue;
                fds.push_back({vm->pidfd, POLLIN, 0});
                names.push_back(name);
            }
        }
        if (::poll(fds.data(), fds.size(), 1000) <= 0) continue;
        if (fds[0].revents) {
            uint64_t v;
            (void)!::read(wake_fd_, &v, sizeof v);
        }
        for (std::size_t i = 1; i < fds.size(); ++i)
            if (fds[i].revents) on_process_end(names[i]);
    }
}

}  // namespace rvisor::vmm
