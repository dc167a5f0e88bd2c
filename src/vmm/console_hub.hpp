// A VM's serial console on the daemon's side: one connection to the VM process's console
// socket (`rvisor run --console socket:PATH`), the last 64 KiB of its output for replay,
// and any number of attached clients (GET /vms/NAME/console upgraded to a raw stream).
// Output goes to every client; every client's input goes to the VM.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace rvisor::vmm {

inline constexpr std::size_t kConsoleReplayBytes = 64 * 1024;

// The last `capacity` bytes written.
class ByteRing {
  public:
    explicit ByteRing(std::size_t capacity) : capacity_(capacity) {}
    void append(std::string_view bytes);
    std::string contents() const;
    std::size_t capacity() const { return capacity_; }

  private:
    std::size_t capacity_;
    std::string data_;  // trimmed lazily to `capacity_` (amortized O(1) per byte)
};

class ConsoleHub {
  public:
    ConsoleHub();
    ~ConsoleHub();
    ConsoleHub(const ConsoleHub&) = delete;
    ConsoleHub& operator=(const ConsoleHub&) = delete;

    // Connects to the VM's console socket, retrying until it appears or `alive` says the
    // process is gone, then relays until the VM closes it. Runs on a thread of its own.
    void start(std::filesystem::path socket, std::function<bool()> alive);
    // Stops relaying and closes every client (the ring stays for replay).
    void stop();
    bool connected() const { return connected_; }

    // Attaches a client socket (taken over): writes `preamble` and the replay, then relays.
    // When the VM is not connected the client gets the replay and is closed.
    void attach(int fd, std::string_view preamble, std::string_view pending_input);
    std::string replay() const;

  private:
    void run(std::filesystem::path socket, std::function<bool()> alive);
    void close_clients_locked();
    void wake();

    mutable std::mutex mutex_;
    ByteRing ring_{kConsoleReplayBytes};
    std::vector<int> clients_;
    int vm_fd_ = -1;
    int wake_fd_ = -1;  // eventfd: a client came or stop() was called
    std::atomic<bool> connected_{false};
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace rvisor::vmm
