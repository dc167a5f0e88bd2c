#include "api/vm_api_server.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <httplib.h>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <ctime>
#include <stdexcept>

#ifndef RVISOR_VERSION
#define RVISOR_VERSION "unknown"
#endif

namespace rvisor::api {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxBody = 1 << 20;  // Firecracker's default payload limit is 51200
constexpr std::size_t kWorkers = 4;

ApiResponse fault(int status, const std::string& message) {
    return {status, json{{"fault_message", message}}.dump()};
}

ApiResponse ok_json(const json& j) {
    return {200, j.dump()};
}

// Firecracker's answer to an unknown route: 400, path without its leading '/'.
ApiResponse invalid_route(std::string_view method, std::string_view path) {
    if (!path.empty() && path.front() == '/') path.remove_prefix(1);
    return fault(400, "Invalid request method and/or path: " + std::string(method) + " " +
                          std::string(path) + ".");
}

// "/drives/ID" -> "ID" (nullopt unless exactly one non-empty segment follows the prefix).
std::optional<std::string_view> resource_id(std::string_view path, std::string_view prefix) {
    if (path.substr(0, prefix.size()) != prefix) return std::nullopt;
    const std::string_view id = path.substr(prefix.size());
    if (id.empty() || id.find('/') != std::string_view::npos) return std::nullopt;
    return id;
}

// Is a server answering on the Unix socket at `path`?
bool socket_answers(const std::filesystem::path& path) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    const bool live = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return live;
}

std::string utc_timestamp() {
    const auto now = std::chrono::system_clock::now();
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() %
        1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03lldZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<long long>(ms));
    return buf;
}

}  // namespace

struct VmApiServer::Transport {
    httplib::Server server;
    std::thread thread;
    std::filesystem::path path;
    ino_t inode = 0;  // of the socket file we created, so we never remove someone else's
    std::atomic<bool> ended{false};  // the accept loop has returned
};

VmApiServer::VmApiServer(machine::VmController& controller)
    : controller_(controller), name_(controller.config().config.name) {}

VmApiServer::~VmApiServer() {
    if (!transport_) return;
    transport_->server.stop();
    if (transport_->thread.joinable()) transport_->thread.join();
    struct stat st {};
    if (::lstat(transport_->path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode) &&
        st.st_ino == transport_->inode)
        ::unlink(transport_->path.c_str());
}

void VmApiServer::listen(const std::filesystem::path& socket_path) {
    const std::string where = "--api-sock " + socket_path.string() + ": ";
    if (socket_path.string().size() >= sizeof(sockaddr_un{}.sun_path))
        throw std::runtime_error(where + "the path is too long for a Unix socket (at most " +
                                 std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) + " bytes)");
    struct stat st {};
    if (::lstat(socket_path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) throw std::runtime_error(where + "exists and is not a socket");
        if (socket_answers(socket_path))
            throw std::runtime_error(where + "another server is listening there");
        ::unlink(socket_path.c_str());  // stale: its server is gone
    }

    // Debian's libcpp-httplib sends without MSG_NOSIGNAL: a client that hangs up before its
    // answer would kill the VM with SIGPIPE. Broken pipes become EPIPE for the whole process.
    std::signal(SIGPIPE, SIG_IGN);

    auto t = std::make_unique<Transport>();
    t->path = socket_path;
    t->server.set_address_family(AF_UNIX);
    // A few workers: requests are short, and a VM host runs many of these processes.
    t->server.new_task_queue = [] { return new httplib::ThreadPool(kWorkers); };
    t->server.set_payload_max_length(kMaxBody);
    auto handler = [this](const httplib::Request& req, httplib::Response& res) {
        const ApiResponse r = handle(req.method, req.path, req.body);
        res.status = r.status;
        if (!r.body.empty()) res.set_content(r.body, "application/json");
    };
    t->server.Get(".*", handler);
    t->server.Put(".*", handler);
    t->server.Patch(".*", handler);
    t->server.Post(".*", handler);
    t->server.Delete(".*", handler);
    t->server.Options(".*", handler);
    // The socket file is created by bind(): a umask makes it 0600 from the start, so no other
    // user can ever connect (the API has no authentication of its own).
    const mode_t old_mask = ::umask(0177);
    const bool bound = t->server.bind_to_port(socket_path.string(), 80);
    ::umask(old_mask);
    if (!bound) throw std::runtime_error(where + "cannot bind: " + std::strerror(errno));
    if (::lstat(socket_path.c_str(), &st) == 0) t->inode = st.st_ino;
    t->thread = std::thread([tr = t.get()] {
        tr->server.listen_after_bind();
        tr->ended = true;
    });
    // httplib's stop() does nothing before the accept loop runs: wait for it, so that the
    // destructor can always stop the server (connections queue on the socket meanwhile).
    while (!t->server.is_running() && !t->ended)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (t->ended && !t->server.is_running()) {
        t->thread.join();
        ::unlink(socket_path.c_str());
        throw std::runtime_error(where + "the server did not start");
    }
    transport_ = std::move(t);
}

ApiResponse VmApiServer::handle(std::string_view method, std::string_view path,
                                std::string_view body) {
    ApiResponse r;
    try {
        r = route(method, path, body);
    } catch (const ApiError& e) {
        r = fault(e.status(), e.what());
    } catch (const machine::ControlError& e) {
        r = fault(e.kind() == machine::ControlError::Kind::BadRequest ? 400 : 500, e.what());
    } catch (const std::exception& e) {
        r = fault(500, std::string("Internal error: ") + e.what());
    }
    std::string message;
    if (r.status >= 400) message = json::parse(r.body).value("fault_message", "");
    log_request(method, path, r.status, message);
    return r;
}

ApiResponse VmApiServer::route(std::string_view method, std::string_view path,
                               std::string_view body) {
    auto& vm = controller_;
    if (method == "GET") {
        if (path == "/") return instance_info();
        if (path == "/version") return ok_json({{"firecracker_version", RVISOR_VERSION}});
        if (path == "/machine-config") return ok_json(machine_config_json(vm.config().config));
        if (path == "/vm/config") {
            std::lock_guard lock(mutex_);
            return ok_json(full_config_json(vm.config(), logger_, metrics_path_));
        }
        if (path == "/stats") return ok_json(stats_json(vm.stats()));
        return invalid_route(method, path);
    }
    if (method == "PUT") {
        if (path == "/machine-config") {
            const MachineConfigUpdate u = parse_machine_config(body, false);
            vm.set_machine_config(*u.vcpu_count, *u.mem_size_mib << 20);
            return {};
        }
        if (path == "/boot-source") {
            vm.set_boot_source(parse_boot_source(body));
            return {};
        }
        if (auto id = resource_id(path, "/drives/")) {
            vm.put_drive(parse_drive(*id, body));
            return {};
        }
        if (auto id = resource_id(path, "/network-interfaces/")) {
            vm.put_network_interface(parse_network_interface(*id, body));
            return {};
        }
        if (path == "/actions") {
            switch (parse_action(body)) {
                case Action::InstanceStart: vm.start(); break;
                case Action::SendCtrlAltDel: vm.send_ctrl_alt_del(); break;
                case Action::FlushMetrics: flush_metrics(); break;
            }
            return {};
        }
        if (path == "/snapshot/create") {
            vm.create_snapshot(parse_snapshot_create(body).snapshot_path);
            return {};
        }
        if (path == "/snapshot/load") {
            const SnapshotLoad l = parse_snapshot_load(body);
            vm.load_snapshot(l.snapshot_path, l.resume_vm);
            return {};
        }
        if (path == "/metrics") {
            const auto p = parse_metrics(body);
            std::lock_guard lock(mutex_);
            if (metrics_path_) throw ApiError("Reinitialization of metrics not allowed.");
            metrics_file_.open(p, std::ios::app);
            if (!metrics_file_) throw ApiError("metrics_path: cannot open '" + p.string() + "'.");
            metrics_path_ = p;
            return {};
        }
        if (path == "/logger") {
            LoggerConfig l = parse_logger(body);
            std::lock_guard lock(mutex_);
            std::ofstream file;
            if (l.log_path) {
                file.open(*l.log_path, std::ios::app);
                if (!file) throw ApiError("log_path: cannot open '" + l.log_path->string() + "'.");
            }
            log_file_ = std::move(file);
            logger_ = std::move(l);
            return {};
        }
        return invalid_route(method, path);
    }
    if (method == "PATCH") {
        if (path == "/vm") {
            if (parse_vm_state_paused(body))
                vm.pause();
            else
                vm.resume();
            return {};
        }
        if (path == "/machine-config") {
            const MachineConfigUpdate u = parse_machine_config(body, true);
            const machine::VmConfig current = vm.config().config;
            const unsigned cpus = u.vcpu_count.value_or(current.cpus);
            const u64 mib = u.mem_size_mib.value_or(current.memory >> 20);
            if (mib < 32 + 2ULL * cpus)
                throw ApiError("mem_size_mib " + std::to_string(mib) + " is too small for " +
                               std::to_string(cpus) + " vCPUs (at least " +
                               std::to_string(32 + 2 * cpus) + ").");
            vm.set_machine_config(cpus, mib << 20);
            return {};
        }
        if (resource_id(path, "/drives/") || resource_id(path, "/network-interfaces/")) {
            // Post-boot updates (new backing file, rate limiters): rvisor has neither.
            throw ApiError(
                "Updating a drive or network interface after boot is not supported "
                "by rvisor.");
        }
        return invalid_route(method, path);
    }
    return invalid_route(method, path);
}

ApiResponse VmApiServer::instance_info() {
    return ok_json({{"id", name_},
                    {"state", machine::to_string(controller_.state())},
                    {"vmm_version", RVISOR_VERSION},
                    {"app_name", "rvisor"}});
}

// FlushMetrics: one JSON line with the VM's counters (rvisor has no periodic flush).
void VmApiServer::flush_metrics() {
    json line = stats_json(controller_.stats());
    line["utc_timestamp"] = utc_timestamp();
    std::lock_guard lock(mutex_);
    if (!metrics_path_)
        throw ApiError(
            "FlushMetrics: the metrics system is not initialized (PUT /metrics "
            "first).");
    metrics_file_ << line.dump() << '\n';
    metrics_file_.flush();
    if (!metrics_file_)
        throw ApiError("FlushMetrics: cannot write '" + metrics_path_->string() + "'.", 500);
}

// The logger records every API request: at Info, each request and its status; at Warning
// and Error, only refused requests.
void VmApiServer::log_request(std::string_view method, std::string_view path, int status,
                              std::string_view fault_message) {
    std::lock_guard lock(mutex_);
    if (!logger_ || !logger_->log_path || !log_file_) return;
    const LogLevel level = status >= 500   ? LogLevel::Error
                           : status >= 400 ? LogLevel::Warning
                                           : LogLevel::Info;
    if (logger_->level == LogLevel::Off || level > logger_->level) return;
    log_file_ << utc_timestamp() << " [" << name_ << "]";
    if (logger_->show_level) log_file_ << " [" << to_string(level) << "]";
    if (logger_->show_log_origin) log_file_ << " [api/vm_api_server.cpp]";
    log_file_ << ' ' << method << ' ' << path << ' ' << status;
    if (!fault_message.empty()) log_file_ << ": " << fault_message;
    log_file_ << '\n';
    log_file_.flush();
}

}  // namespace rvisor::api
