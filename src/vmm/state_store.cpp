#include "vmm/state_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <system_error>

namespace rvisor::vmm {

namespace fs = std::filesystem;
using nlohmann::json;

json to_json(const RuntimeRecord& r) {
    json j = {{"state", r.state},
              {"pid", r.pid},
              {"start_ticks", r.start_ticks},
              {"started_at_ms", r.started_at_ms},
              {"api", r.api},
              {"exit_reason", r.exit_reason},
              {"restored_from", r.restored_from},
              {"limits", r.limits}};
    j["exit_code"] = r.exit_code ? json(*r.exit_code) : json(nullptr);
    return j;
}

RuntimeRecord runtime_from_json(const json& j) {
    RuntimeRecord r;
    r.state = j.at("state").get<std::string>();
    r.pid = j.at("pid").get<i32>();
    r.start_ticks = j.at("start_ticks").get<u64>();
    r.started_at_ms = j.at("started_at_ms").get<i64>();
    r.api = j.at("api").get<bool>();
    r.exit_reason = j.at("exit_reason").get<std::string>();
    if (j.contains("restored_from")) r.restored_from = j.at("restored_from").get<std::string>();
    if (j.contains("limits")) r.limits = j.at("limits");
    if (j.contains("exit_code") && !j.at("exit_code").is_null())
        r.exit_code = j.at("exit_code").get<int>();
    return r;
}

namespace {

[[noreturn]] void fail(const std::string& what, const fs::path& p) {
    throw std::system_error(errno, std::generic_category(), what + " " + p.string());
}

// Makes a rename in `dir` durable.
void fsync_dir(const fs::path& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) fail("cannot open folder", dir);
    const int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0) fail("cannot fsync folder", dir);
}

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw std::runtime_error(p.string() + ": cannot read");
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

void write_file_atomically(const fs::path& file, std::string_view text) {
    const fs::path tmp = file.string() + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) fail("cannot create", tmp);
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const int saved = errno;
            ::close(fd);
            ::unlink(tmp.c_str());
            errno = saved;
            fail("cannot write", tmp);
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        const int saved = errno;
        ::unlink(tmp.c_str());
        errno = saved;
        fail("cannot fsync", tmp);
    }
    if (::rename(tmp.c_str(), file.c_str()) != 0) {
        const int saved = errno;
        ::unlink(tmp.c_str());
        errno = saved;
        fail("cannot rename onto", file);
    }
    fsync_dir(file.parent_path().empty() ? fs::path(".") : file.parent_path());
}

StateStore::StateStore(fs::path root) : root_(std::move(root)) {
    for (const fs::path& d : {root_, root_ / "vms"}) {
        if (::mkdir(d.c_str(), 0700) != 0 && errno != EEXIST) fail("cannot create", d);
        struct stat st {};
        if (::stat(d.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
            errno = ENOTDIR;
            fail("not a folder:", d);
        }
    }
}

fs::path StateStore::vm_dir(std::string_view name) const {
    return root_ / "vms" / name;
}

std::vector<StateStore::Loaded> StateStore::load_all(std::vector<std::string>& warnings) const {
    std::vector<Loaded> out;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(root_ / "vms", ec)) {
        const std::string name = entry.path().filename().string();
        if (!entry.is_directory() || !is_valid_vm_name(name)) continue;
        Loaded l;
        try {
            l.definition = parse_vm_definition(json::parse(read_file(entry.path() / "vm.json")),
                                               /*check_files=*/false);
            if (l.definition.name != name)
                throw std::runtime_error("its name is '" + l.definition.name + "'");
        } catch (const std::exception& e) {
            warnings.push_back(entry.path().string() + "/vm.json: skipped: " + e.what());
            continue;
        }
        const fs::path rt = entry.path() / "runtime.json";
        if (fs::exists(rt)) {
            try {
                l.runtime = runtime_from_json(json::parse(read_file(rt)));
            } catch (const std::exception& e) {
                warnings.push_back(rt.string() + ": ignored: " + e.what());
            }
        }
        out.push_back(std::move(l));
    }
    if (ec) warnings.push_back((root_ / "vms").string() + ": " + ec.message());
    return out;
}

void StateStore::save_definition(const VmDefinition& d) const {
    const fs::path dir = vm_dir(d.name);
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) fail("cannot create", dir);
    write_file_atomically(dir / "vm.json", to_json(d).dump(2) + "\n");
}

void StateStore::save_runtime(std::string_view name, const RuntimeRecord& r) const {
    write_file_atomically(vm_dir(name) / "runtime.json", to_json(r).dump(2) + "\n");
}

void StateStore::remove_vm(std::string_view name) const {
    // vm.json goes first: a crash half-way leaves a folder that load_all() skips.
    const fs::path dir = vm_dir(name);
    std::error_code ec;
    fs::remove(dir / "vm.json", ec);
    fs::remove_all(dir, ec);
    if (ec) throw std::system_error(ec, "cannot remove " + dir.string());
}

fs::path default_state_dir() {
    if (const char* x = std::getenv("XDG_STATE_HOME"); x && *x) return fs::path(x) / "rvisor";
    if (const char* h = std::getenv("HOME"); h && *h)
        return fs::path(h) / ".local" / "state" / "rvisor";
    return "/var/lib/rvisor";
}

}  // namespace rvisor::vmm
