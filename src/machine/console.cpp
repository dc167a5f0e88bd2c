#include "machine/console.hpp"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace rvisor::machine {

struct Console::TermiosState {
    termios saved;
};

namespace {
constexpr u8 kEscape = 0x01;  // Ctrl-A, as QEMU's -nographic console
static_assert((Console::kBufferBytes & (Console::kBufferBytes - 1)) == 0,
              "the ring index wraps with a mask");
static_assert(Console::kSocketBacklog <= Console::kBufferBytes);
constexpr std::size_t kRingMask = Console::kBufferBytes - 1;
// What the console thread takes out of the ring for one round of writes.
constexpr std::size_t kChunk = 16 * 1024;
// The console thread's poll periods: kPollMs when idle; kQuickPollMs right after input came
// or while the guest is taking queued input (the UART does not announce room in its FIFO).
// The 16550 raises its character timeout after 4 quiet character times, well under a
// millisecond at 115200 baud; the quick period stands in for that without keeping an idle
// console busy.
constexpr int kPollMs = 20;
constexpr int kQuickPollMs = 1;
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
    if (config.kind == ConsoleConfig::Kind::Socket) {
        // Until the first client comes, keep the boot log's tail for it.
        sink_ = Sink::Socket;
        limit_ = kSocketBacklog;
    } else {
        struct stat st {};
        if (::fstat(out_fd_, &st) == 0 && S_ISSOCK(st.st_mode))
            sink_ = Sink::Socket;
        else if (::fstat(out_fd_, &st) == 0 && S_ISREG(st.st_mode))
            sink_ = Sink::RegularFile;
        reader_attached_ = true;
    }
    // Not zero-filled: pages the guest never prints into stay untouched.
    ring_ = std::make_unique_for_overwrite<u8[]>(kBufferBytes);
    inflight_ = std::make_unique_for_overwrite<u8[]>(kChunk);
    wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd_ < 0)
        throw std::runtime_error(std::string("console: cannot create an eventfd: ") +
                                 std::strerror(errno));
    thread_ = std::thread([this] { console_loop(); });
}

Console::~Console() {
    stop_input();
    stop_ = true;
    wake();
    thread_.join();
    u64 dropped = 0;
    {
        std::lock_guard lock(out_mutex_);
        // What a stalled reader did not take by now is lost too.
        if (reader_attached_) dropped_ += size_ + (inflight_end_ - inflight_begin_);
        dropped = dropped_;
    }
    if (dropped > 0)
        message("rvisor: the console's reader did not keep up; " + std::to_string(dropped) +
                " bytes of guest output were dropped");
    if (raw_terminal_ && saved_termios_) tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios_->saved);
    if (config_.kind == ConsoleConfig::Kind::File && out_fd_ >= 0) ::close(out_fd_);
    if (config_.kind == ConsoleConfig::Kind::Socket) {
        if (in_fd_ >= 0) ::close(in_fd_);
        if (listen_fd_ >= 0) ::close(listen_fd_);
        ::unlink(config_.path.c_str());
    }
    ::close(wake_fd_);
}

void Console::write(u8 c) {
    bool signal = false;
    {
        std::lock_guard lock(out_mutex_);
        if (!accepting_) return;
        if (size_ >= limit_) {
            // Full: the oldest byte goes. The newest output (the prompt, a panic report) is
            // what a reader catching up needs, and the socket backlog keeps the tail too.
            head_ = (head_ + 1) & kRingMask;
            --size_;
            if (reader_attached_) ++dropped_;
        }
        ring_[(head_ + size_) & kRingMask] = c;
        ++size_;
        // Output into an idle console wakes its thread at once (echo latency); while the
        // thread has bytes in hand it comes back for more by itself.
        if (size_ == 1 && reader_attached_ && !inflight_pending_ && !wake_pending_) {
            wake_pending_ = true;
            signal = true;
        }
    }
    if (signal) wake();
}

void Console::wake() {
    const u64 one = 1;
    if (::write(wake_fd_, &one, sizeof one) < 0) {
        // The counter is far from its limit; nothing else can go wrong here.
    }
}

bool Console::flush(std::chrono::milliseconds timeout) {
    std::unique_lock lock(out_mutex_);
    if (drained_locked()) return true;
    if (!reader_attached_) return false;
    wake();
    drained_.wait_for(lock, timeout, [this] { return drained_locked() || !reader_attached_; });
    return drained_locked();
}

u64 Console::dropped_bytes() const {
    std::lock_guard lock(out_mutex_);
    return dropped_;
}

void Console::message(const std::string& line) {
    std::lock_guard lock(message_mutex_);
    const std::string text =
        (raw_terminal_ ? "\r\n" : "\n") + line + (raw_terminal_ ? "\r\n" : "\n");
    if (::write(STDERR_FILENO, text.data(), text.size()) < 0) {
        // Nothing more useful to do when stderr is gone.
    }
}

void Console::start_input(devices::Uart16550& uart,
                          std::function<void(ConsoleCommand)> on_command) {
    std::lock_guard lock(input_mutex_);
    if (config_.kind == ConsoleConfig::Kind::File) return;  // a log file has no input
    uart_ = &uart;
    on_command_ = std::move(on_command);
}

void Console::stop_input() {
    bool first = false;
    {
        std::lock_guard lock(input_mutex_);
        uart_ = nullptr;
        pending_.clear();
        first = !final_flush_done_;
        final_flush_done_ = true;
    }
    // After the VM's run() no output follows: one wait for a slow reader is enough.
    if (first) flush(kExitFlushTimeout);
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

bool Console::feed_uart() {
    bool fed = false;
    while (!pending_.empty() && uart_->rx_has_space()) {
        const u8 c = pending_.front();
        pending_.pop_front();
        uart_->push_rx({&c, 1});
        fed = true;
    }
    return fed;
}

void Console::accept_client() {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return;
    in_fd_ = out_fd_ = fd;
    std::lock_guard lock(out_mutex_);
    // The first client gets the backlog (still in the ring); later ones what comes next.
    accepting_ = true;
    reader_attached_ = true;
    limit_ = kBufferBytes;
}

void Console::close_client() {
    ::close(in_fd_);
    in_fd_ = out_fd_ = -1;
    // Nobody to tell: output is discarded until the next client.
    drop_reader();
}

void Console::drop_reader() {
    inflight_begin_ = inflight_end_ = 0;
    std::lock_guard lock(out_mutex_);
    accepting_ = false;
    reader_attached_ = false;
    size_ = 0;
    inflight_pending_ = false;
    drained_.notify_all();
}

bool Console::read_input(bool& input_open) {
    u8 buf[256];
    const ssize_t got = ::read(in_fd_, buf, sizeof buf);
    if (got > 0) {
        std::lock_guard lock(input_mutex_);
        if (!uart_) return false;  // stop_input() came first
        for (ssize_t i = 0; i < got; ++i) handle_byte(buf[i]);
        return true;
    }
    if (got < 0 && (errno == EAGAIN || errno == EINTR)) return false;
    // EOF (or a broken connection): the guest keeps running without input.
    input_open = false;
    if (config_.kind == ConsoleConfig::Kind::Socket) close_client();
    return false;
}

void Console::write_out() {
    for (;;) {
        if (inflight_begin_ == inflight_end_) {
            std::lock_guard lock(out_mutex_);
            const std::size_t n = std::min(size_, kChunk);
            if (n == 0 || !reader_attached_) {
                inflight_begin_ = inflight_end_ = 0;
                inflight_pending_ = false;
                drained_.notify_all();
                return;
            }
            const std::size_t first = std::min(n, kBufferBytes - head_);
            std::memcpy(inflight_.get(), ring_.get() + head_, first);
            std::memcpy(inflight_.get() + first, ring_.get(), n - first);
            head_ = (head_ + n) & kRingMask;
            size_ -= n;
            inflight_begin_ = 0;
            inflight_end_ = n;
            inflight_pending_ = true;
        }
        const u8* data = inflight_.get() + inflight_begin_;
        const std::size_t want = inflight_end_ - inflight_begin_;
        ssize_t w = -1;
        switch (sink_) {
            case Sink::Socket: w = ::send(out_fd_, data, want, MSG_DONTWAIT | MSG_NOSIGNAL); break;
            case Sink::RegularFile: w = ::write(out_fd_, data, want); break;
            case Sink::Stream: {
                // A terminal or pipe shared with other processes: not ours to make
                // non-blocking. POLLOUT on a pipe means a free page, so a write of at most
                // PIPE_BUF bytes then does not block (pipe(7)).
                pollfd p{out_fd_, POLLOUT, 0};
                if (::poll(&p, 1, 0) <= 0) return;
                w = ::write(out_fd_, data, std::min<std::size_t>(want, PIPE_BUF));
                break;
            }
        }
        if (w > 0) {
            inflight_begin_ += static_cast<std::size_t>(w);
            continue;
        }
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
        // The reader is gone (a closed socket or pipe, a full disk): the guest goes on.
        if (config_.kind == ConsoleConfig::Kind::Socket) {
            close_client();
            return;
        }
        drop_reader();
        return;
    }
}

void Console::console_loop() {
    bool input_open = true;
    int timeout_ms = kPollMs;
    while (!stop_) {
        bool want_input = false;
        {
            std::lock_guard lock(input_mutex_);
            want_input = uart_ != nullptr;
        }
        bool output_pending = false;
        {
            std::lock_guard lock(out_mutex_);
            output_pending = reader_attached_ && !drained_locked();
        }
        pollfd fds[3] = {
            {wake_fd_, POLLIN, 0}, {-1, POLLIN, 0}, {output_pending ? out_fd_ : -1, POLLOUT, 0}};
        const bool listening = config_.kind == ConsoleConfig::Kind::Socket && in_fd_ < 0;
        if (listening)
            fds[1].fd = listen_fd_;
        else if (want_input && input_open)
            fds[1].fd = in_fd_;
        const int n = ::poll(fds, 3, timeout_ms);
        if (n < 0) continue;  // EINTR
        if (fds[0].revents & POLLIN) {
            {
                std::lock_guard lock(out_mutex_);
                wake_pending_ = false;
            }
            u64 count;
            if (::read(wake_fd_, &count, sizeof count) < 0) {
                // Already consumed: nothing to do.
            }
        }
        bool got_input = false;
        if (listening && (fds[1].revents & POLLIN)) {
            accept_client();
            input_open = true;
        } else if (fds[1].fd >= 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            got_input = read_input(input_open);
        }
        if (out_fd_ >= 0) write_out();
        timeout_ms = kPollMs;
        std::lock_guard lock(input_mutex_);
        if (uart_) {
            const bool fed = feed_uart();
            // Input quiet with bytes below the FIFO trigger level: the 16550 character
            // timeout.
            if (!got_input) uart_->rx_idle();
            // A guest taking input gets the rest soon; one not reading it does not keep the
            // thread busy.
            if (got_input || (fed && !pending_.empty())) timeout_ms = kQuickPollMs;
        }
    }
}

}  // namespace rvisor::machine
