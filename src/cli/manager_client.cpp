#include "manager_client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "vmm/state_store.hpp"
#include "vmm/unix_http_client.hpp"
#include "vmm/unix_socket.hpp"

namespace rvisor::cli {

using nlohmann::json;

std::filesystem::path manager_socket(const std::string& option) {
    if (!option.empty()) return option;
    if (const char* s = std::getenv("RVISOR_SOCKET"); s && *s) return s;
    return vmm::default_state_dir() / "rvisord.sock";
}

int exit_code_for_status(int status) {
    return status == 400 || status == 404 || status == 422 ? 2 : 1;
}

namespace {

std::string error_text(int status, const std::string& body) {
    const json j = json::parse(body, nullptr, false);
    if (j.is_object() && j.contains("error") && j["error"].is_string())
        return j["error"].get<std::string>();
    return "rvisord answered HTTP " + std::to_string(status);
}

}  // namespace

ManagerReply manager_request(const std::filesystem::path& socket, const std::string& method,
                             const std::string& path, const json* body) {
    // Snapshots of large guests and stops that wait for the process take a while.
    vmm::UnixHttpClient client(socket, 180000);
    const std::string text = body ? body->dump() : "";
    httplib::Result r = method == "GET"      ? client.Get(path)
                        : method == "DELETE" ? client.Delete(path)
                                             : client.Post(path, text, "application/json");
    if (!r)
        throw ClientError(1, "cannot reach rvisord at " + socket.string() + " (" +
                                 httplib::to_string(r.error()) +
                                 "); is it running? (--socket or $RVISOR_SOCKET)");
    if (r->status >= 400)
        throw ClientError(exit_code_for_status(r->status), error_text(r->status, r->body));
    ManagerReply reply;
    reply.status = r->status;
    reply.text = r->body;
    reply.body = json::parse(r->body, nullptr, false);
    if (reply.body.is_discarded()) reply.body = nullptr;
    return reply;
}

namespace {

bool write_all(int fd, const char* p, std::size_t n) {
    while (n) {
        const ssize_t w = ::write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        p += w;
        n -= static_cast<std::size_t>(w);
    }
    return true;
}

class RawTerminal {
  public:
    RawTerminal() {
        if (!::isatty(STDIN_FILENO) || ::tcgetattr(STDIN_FILENO, &saved_) != 0) return;
        termios raw = saved_;
        ::cfmakeraw(&raw);
        active_ = ::tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
    }
    ~RawTerminal() {
        if (active_) ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
    }
    bool active() const { return active_; }

  private:
    termios saved_{};
    bool active_ = false;
};

constexpr char kDetach = 0x1d;  // Ctrl-]

}  // namespace

int attach_console(const std::filesystem::path& socket, const std::string& name) {
    const int fd = vmm::connect_unix(socket, 5000);
    if (fd < 0)
        throw ClientError(
            1, "cannot reach rvisord at " + socket.string() + ": " + std::strerror(errno));
    const std::string request = "GET /vms/" + name +
                                "/console HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\n"
                                "Upgrade: rvisor-console\r\n\r\n";
    write_all(fd, request.data(), request.size());
    // The answer's head: "101 Switching Protocols", or an error with a JSON body.
    std::string head;
    char c;
    while (head.find("\r\n\r\n") == std::string::npos && head.size() < 65536) {
        const ssize_t n = ::read(fd, &c, 1);
        if (n <= 0) break;
        head += c;
    }
    const int status = head.size() > 12 ? std::atoi(head.c_str() + 9) : 0;
    if (status != 101) {
        std::string body;
        char buf[4096];
        for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;)
            body.append(buf, static_cast<std::size_t>(n));
        ::close(fd);
        throw ClientError(status ? exit_code_for_status(status) : 1,
                          status ? error_text(status, body) : "rvisord closed the connection");
    }
    int exit_code = 0;
    {
        RawTerminal terminal;
        if (terminal.active()) {
            const std::string note = "rvisor: console of '" + name + "'; Ctrl-] detaches\r\n";
            write_all(STDERR_FILENO, note.data(), note.size());
        }
        bool input_open = true;
        char buf[4096];
        for (;;) {
            pollfd fds[2] = {{fd, POLLIN, 0}, {input_open ? STDIN_FILENO : -1, POLLIN, 0}};
            // Input closed (a script): show what is still coming, then leave when quiet.
            const int ready = ::poll(fds, 2, input_open ? -1 : 300);
            if (ready < 0 && errno == EINTR) continue;
            if (ready <= 0) break;
            if (fds[0].revents) {
                const ssize_t n = ::read(fd, buf, sizeof buf);
                if (n <= 0) {
                    if (terminal.active())
                        write_all(STDERR_FILENO, "\r\nrvisor: console closed\r\n", 26);
                    break;
                }
                write_all(STDOUT_FILENO, buf, static_cast<std::size_t>(n));
            }
            if (fds[1].revents) {
                const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
                if (n <= 0) {
                    input_open = false;
                    continue;
                }
                const char* end = static_cast<const char*>(
                    std::memchr(buf, kDetach, static_cast<std::size_t>(n)));
                const std::size_t len =
                    end ? static_cast<std::size_t>(end - buf) : static_cast<std::size_t>(n);
                if (len && !write_all(fd, buf, len)) break;
                if (end) {
                    if (terminal.active()) write_all(STDERR_FILENO, "\r\nrvisor: detached\r\n", 20);
                    break;
                }
            }
        }
    }
    ::close(fd);
    return exit_code;
}

}  // namespace rvisor::cli
