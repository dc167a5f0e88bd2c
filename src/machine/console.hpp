// The VM's serial console on the host side: the terminal (raw mode, Ctrl-A escapes), a log
// file, or a Unix socket. Guest output comes from the UART on vCPU threads (with the UART's
// lock held) and only goes into a bounded ring buffer there: no system call per byte, and a
// reader that stops reading never blocks a vCPU. A thread of the console's own writes the
// ring out and reads input, feeding it into the UART as fast as its FIFO takes it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/types.hpp"
#include "devices/uart16550.hpp"
#include "machine/vm_config.hpp"

namespace rvisor::machine {

enum class ConsoleCommand { Quit, Status, Snapshot };

class Console {
  public:
    // Output the reader has not taken yet, at most. Bursts up to this size wait for a slow
    // reader; beyond it the oldest bytes are dropped (the newest output, a prompt or a panic
    // report, is what the user needs) and counted in dropped_bytes().
    static constexpr std::size_t kBufferBytes = 256 * 1024;
    // Socket console: output from before the first client connected is kept for it, the
    // last kSocketBacklog bytes of it (rvisord replays the boot log from there).
    static constexpr std::size_t kSocketBacklog = 64 * 1024;
    // How long stop_input() and the destructor wait for a slow reader to take what is left.
    static constexpr std::chrono::milliseconds kExitFlushTimeout{2000};

    // Opens the backend and starts the console thread; throws std::runtime_error naming the
    // path when it cannot.
    explicit Console(const ConsoleConfig& config);
    // Delivers buffered output (bounded by kExitFlushTimeout), then stops the thread.
    ~Console();
    Console(const Console&) = delete;
    Console& operator=(const Console&) = delete;

    // Guest output, from any vCPU thread: never blocks on the reader.
    void write(u8 c);
    // Host-side messages (status, errors) that must not be mixed into raw terminal state.
    void message(const std::string& line);

    // Starts feeding input into `uart`; `on_command` runs on the console thread for Ctrl-A X
    // (quit), Ctrl-A C (status) and Ctrl-A S (snapshot). Ctrl-A Ctrl-A sends one Ctrl-A to
    // the guest.
    void start_input(devices::Uart16550& uart, std::function<void(ConsoleCommand)> on_command);
    // The VM is done with the console: stops touching the UART, then waits (up to
    // kExitFlushTimeout) until the buffered output has reached the reader, so the guest's
    // last words (power-off message, panic report) come out before the VM's exit message.
    void stop_input();

    // Waits until everything buffered was written to the reader or `timeout` passed; true
    // when nothing is left. Output with nowhere to go (socket console without a client)
    // stays buffered and does not count as written.
    bool flush(std::chrono::milliseconds timeout);
    // Bytes of output dropped because an attached reader did not keep up (a socket console
    // trimming its boot log for a client yet to come is not counted).
    u64 dropped_bytes() const;

  private:
    enum class Sink { Socket, RegularFile, Stream };  // how the console thread writes out_fd_

    void console_loop();
    bool read_input(bool& input_open);
    void accept_client();
    void close_client();
    // The reader is gone: output is discarded from now on (and waiters for a drain released).
    void drop_reader();
    void write_out();
    void wake();
    bool drained_locked() const { return size_ == 0 && !inflight_pending_; }
    bool feed_uart();  // true when it moved input into the FIFO
    void handle_byte(u8 c);

    ConsoleConfig config_;
    int out_fd_ = -1;  // console thread only (the socket client comes and goes)
    int in_fd_ = -1;   // console thread only
    int listen_fd_ = -1;
    int wake_fd_ = -1;  // eventfd: output arrived in an empty buffer, or stop
    Sink sink_ = Sink::Stream;
    bool raw_terminal_ = false;

    // The ring and what write() needs to know about the reader, guarded by out_mutex_.
    mutable std::mutex out_mutex_;
    std::condition_variable drained_;
    std::unique_ptr<u8[]> ring_;
    std::size_t head_ = 0;
    std::size_t size_ = 0;
    std::size_t limit_ = kBufferBytes;  // kSocketBacklog while waiting for the first client
    bool accepting_ = true;             // false: output has nowhere to go and is discarded
    bool reader_attached_ = false;      // drops are counted
    bool wake_pending_ = false;
    bool inflight_pending_ = false;  // the console thread holds bytes not written yet
    u64 dropped_ = 0;

    // Bytes taken from the ring and not yet written (console thread only).
    std::unique_ptr<u8[]> inflight_;
    std::size_t inflight_begin_ = 0;
    std::size_t inflight_end_ = 0;

    std::mutex message_mutex_;  // one message at a time on stderr; never held by write()

    // Input, guarded by input_mutex_ (stop_input() takes it to fence off the UART).
    std::mutex input_mutex_;
    devices::Uart16550* uart_ = nullptr;
    std::function<void(ConsoleCommand)> on_command_;
    std::deque<u8> pending_;
    bool escape_ = false;
    bool final_flush_done_ = false;

    std::atomic<bool> stop_{false};
    std::thread thread_;
    struct TermiosState;
    std::unique_ptr<TermiosState> saved_termios_;
};

}  // namespace rvisor::machine
