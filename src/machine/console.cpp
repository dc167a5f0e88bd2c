#include "machine/console.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace rvisor::machine {

struct Console::TermiosState {
    termios saved;
};

namespace {
constexpr u8 kEscape = 0x01;  // Ctrl-A, as QEMU's -nographic console
}  // namespace

Console::Console(const ConsoleConfig& config) : config_(config) {
    switch (config.kind) {
        case ConsoleConfig::Kind::Stdio:
            out_fd_ = STDOUT_FILENO;
            in_fd_ = STDIN_FILENO;
            if (isatty(STDIN_FILENO)) {
                // Raw mode: every key goes to the guest (Ctrl-C included); output is not
                // post-processed, the guest's serial driver already sends CR LF.
                auto state = std::make_unique<TermiosState>();
                if (tcgetattr(STDIN_FILENO, &state->saved) == 0) {
                    termios raw = state->saved;
                    cfmakeraw(&raw);
                    raw.c_oflag |= OPOST;  // keep "\n" -> "\r\n" for our own messages
                    if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0) {
                        saved_termios_ = std::move(state);
                        raw_terminal_ = true;
                    }
                }
            }
            break;
        case ConsoleConfig::Kind::File:
            out_fd_ = ::open(config.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            if (out_fd_ < 0)
                throw std::runtime_error(config.path.string() +
                                         ": cannot open console log: " + std::strerror(errno));
            break;
        case ConsoleConfig::Kind::Socket: {
            listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
            sockaddr_un addr{};
            addr.sun_family = AF_UNIX;
            const std::string p = config.path.string();
            if (p.size() >= sizeof addr.sun_path)
                throw std::runtime_error(p + ": console socket path is too long");
            std::memcpy(addr.sun_path, p.c_str(), p.size() + 1);
            ::unlink(p.c_str());
            if (listen_fd_ < 0 ||
                ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
                ::listen(listen_fd_, 1) != 0)
                throw std::runtime_error(
                    p + ": cannot listen for the console: " + std::strerror(errno));
            break;
        }
    }
}

Console::~Console() {
    stop_input();
    if (raw_terminal_ && saved_termios_) tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios_->saved);
    if (config_.kind == ConsoleConfig::Kind::File && out_fd_ >= 0) ::close(out_fd_);
    if (config_.kind == ConsoleConfig::Kind::Socket) {
        if (in_fd_ >= 0) ::close(in_fd_);
        if (listen_fd_ >= 0) ::close(listen_fd_);
        ::unlink(config_.path.c_str());
    }
}

void Console::write(u8 c) {
    std::lock_guard lock(out_mutex_);
    if (out_fd_ < 0) {
        // A socket console keeps what the guest printed before anyone connected (the boot
        // log), up to kSocketBacklog bytes, and hands it to the first client.
        if (config_.kind == ConsoleConfig::Kind::Socket && !backlog_sent_) {
            if (backlog_.size() >= kSocketBacklog) backlog_.erase(0, backlog_.size() / 2);
            backlog_.push_back(static_cast<char>(c));
        }
        return;
    }
    // A console that cannot take output (closed socket) must not stop the guest.
    if (::write(out_fd_, &c, 1) < 0 && config_.kind == ConsoleConfig::Kind::Socket) {
        ::close(out_fd_);
        out_fd_ = in_fd_ = -1;
    }
}

void Console::message(const std::string& line) {
    std::lock_guard lock(out_mutex_);
    const std::string text =
        (raw_terminal_ ? "\r\n" : "\n") + line + (raw_terminal_ ? "\r\n" : "\n");
    if (::write(STDERR_FILENO, text.data(), text.size()) < 0) {
        // Nothing more useful to do when stderr is gone.
    }
}

void Console::start_input(devices::Uart16550& uart,
                          std::function<void(ConsoleCommand)> on_command) {
    uart_ = &uart;
    on_command_ = std::move(on_command);
    if (config_.kind == ConsoleConfig::Kind::File) return;  // a log file has no input
    input_thread_ = std::thread([this] { input_loop(); });
}

void Console::stop_input() {
    stop_ = true;
    if (input_thread_.joinable()) input_thread_.join();
}

void Console::handle_byte(u8 c) {
    // Escapes only on an interactive terminal; piped input goes to the guest untouched.
    if (!raw_terminal_) {
        pending_.push_back(c);
        return;
    }
    if (escape_) {
        escape_ = false;
        if (c == 'x' || c == 'X')
            on_command_(ConsoleCommand::Quit);
        else if (c == 'c' || c == 'C')
            on_command_(ConsoleCommand::Status);
        else if (c == 's' || c == 'S')
            on_command_(ConsoleCommand::Snapshot);
        else if (c == kEscape)
            pending_.push_back(kEscape);
        return;
    }
    if (c == kEscape) {
        escape_ = true;
        return;
    }
    pending_.push_back(c);
}

void Console::feed_uart() {
    while (!pending_.empty() && uart_->rx_has_space()) {
        const u8 c = pending_.front();
        pending_.pop_front();
        uart_->push_rx({&c, 1});
    }
}

void Console::input_loop() {
    bool input_open = true;
    while (!stop_) {
        if (config_.kind == ConsoleConfig::Kind::Socket && in_fd_ < 0) {
            pollfd pl{listen_fd_, POLLIN, 0};
            if (::poll(&pl, 1, 20) > 0) {
                const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
                if (fd >= 0) {
                    std::lock_guard lock(out_mutex_);
                    in_fd_ = out_fd_ = fd;
                    input_open = true;
                    if (!backlog_sent_) {
                        backlog_sent_ = true;
                        for (std::size_t done = 0; done < backlog_.size();) {
                            const ssize_t w =
                                ::write(fd, backlog_.data() + done, backlog_.size() - done);
                            if (w <= 0) break;
                            done += static_cast<std::size_t>(w);
                        }
                        backlog_.clear();
                        backlog_.shrink_to_fit();
                    }
                }
            }
            continue;
        }
        pollfd p{input_open ? in_fd_ : -1, POLLIN, 0};
        const int n = ::poll(&p, 1, 20);
        if (n > 0 && (p.revents & (POLLIN | POLLHUP))) {
            u8 buf[256];
            const ssize_t got = ::read(in_fd_, buf, sizeof buf);
            if (got > 0) {
                for (ssize_t i = 0; i < got; ++i) handle_byte(buf[i]);
            } else if (got == 0) {
                input_open = false;  // EOF: the guest keeps running without input
                if (config_.kind == ConsoleConfig::Kind::Socket) {
                    std::lock_guard lock(out_mutex_);
                    ::close(in_fd_);
                    in_fd_ = out_fd_ = -1;
                }
            }
        }
        feed_uart();
        // Quiet input with bytes below the FIFO trigger level: the 16550 character timeout.
        if (n == 0) uart_->rx_idle();
    }
}

}  // namespace rvisor::machine
