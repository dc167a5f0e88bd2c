// The VM's serial console on the host side: the terminal (raw mode, Ctrl-A escapes), a log
// file, or a Unix socket. Output comes from the UART on vCPU threads; input is read by a
// thread of the console's own and fed into the UART as fast as its FIFO takes it.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
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
    // Opens the backend; throws std::runtime_error naming the path when it cannot.
    explicit Console(const ConsoleConfig& config);
    ~Console();
    Console(const Console&) = delete;
    Console& operator=(const Console&) = delete;

    // Guest output, from any vCPU thread.
    void write(u8 c);
    // Host-side messages (status, errors) that must not be mixed into raw terminal state.
    void message(const std::string& line);

    // Starts feeding input into `uart`; `on_command` runs on the input thread for Ctrl-A X
    // (quit), Ctrl-A C (status) and Ctrl-A S (snapshot). Ctrl-A Ctrl-A sends one Ctrl-A to
    // the guest.
    void start_input(devices::Uart16550& uart, std::function<void(ConsoleCommand)> on_command);
    void stop_input();

  private:
    void input_loop();
    void feed_uart();
    void handle_byte(u8 c);

    ConsoleConfig config_;
    int out_fd_ = -1;
    int in_fd_ = -1;
    int listen_fd_ = -1;
    bool raw_terminal_ = false;
    std::mutex out_mutex_;
    // Socket console: output from before the first client connected (guarded by out_mutex_).
    static constexpr std::size_t kSocketBacklog = 64 * 1024;
    std::string backlog_;
    bool backlog_sent_ = false;
    devices::Uart16550* uart_ = nullptr;
    std::function<void(ConsoleCommand)> on_command_;
    std::deque<u8> pending_;
    bool escape_ = false;
    std::atomic<bool> stop_{false};
    std::thread input_thread_;
    struct TermiosState;
    std::unique_ptr<TermiosState> saved_termios_;
};

}  // namespace rvisor::machine
