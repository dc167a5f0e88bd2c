// The console's output path: guest bytes reach a reader that keeps up complete and in order,
// promptly; a stalled reader (pipe or socket) never blocks Console::write, the oldest output
// is dropped and counted; what is buffered is written out when the console goes away.
#include "machine/console.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace rvisor::machine {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class TempDir {
  public:
    TempDir() {
        std::string t = (fs::temp_directory_path() / "rvisor-console-XXXXXX").string();
        if (!::mkdtemp(t.data())) throw std::runtime_error("mkdtemp failed");
        path_ = t;
    }
    ~TempDir() { fs::remove_all(path_); }
    const fs::path& path() const { return path_; }

  private:
    fs::path path_;
};

// Deterministic guest output: numbered lines, so a gap or a reordering shows.
std::string guest_text(std::size_t bytes) {
    std::string s;
    s.reserve(bytes + 64);
    for (unsigned i = 0; s.size() < bytes; ++i)
        s += "line " + std::to_string(i) + " of the guest's console output\r\n";
    s.resize(bytes);
    return s;
}

void write_all(Console& c, std::string_view text) {
    for (char ch : text) c.write(static_cast<u8>(ch));
}

// Reads `fd` until EOF in a thread of its own, counting as it goes.
class Reader {
  public:
    explicit Reader(int fd) : fd_(fd), thread_([this] { run(); }) {}
    // A test that failed early: stop without waiting for EOF.
    ~Reader() {
        abandoned_ = true;
        if (thread_.joinable()) thread_.join();
    }
    // Waits for EOF and returns everything read.
    std::string finish() {
        thread_.join();
        return data_;
    }
    std::size_t count() const { return count_; }

  private:
    void run() {
        char buf[65536];
        while (!abandoned_) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0) continue;
            const ssize_t got = ::read(fd_, buf, sizeof buf);
            if (got == 0) return;  // every writer closed
            if (got < 0) {
                if (errno == EAGAIN || errno == EINTR) continue;
                return;
            }
            data_.append(buf, static_cast<std::size_t>(got));
            count_ += static_cast<std::size_t>(got);
        }
    }

    int fd_;
    std::string data_;
    std::atomic<std::size_t> count_{0};
    std::atomic<bool> abandoned_{false};
    std::thread thread_;
};

// A FIFO as the console's log file: a pipe with the read end in the test's hands. The read
// end is opened first (non-blocking), so the console's open does not wait for a reader.
struct Fifo {
    TempDir dir;
    fs::path path = dir.path() / "console.fifo";
    int read_fd = -1;
    Fifo() {
        if (::mkfifo(path.c_str(), 0600) != 0) throw std::runtime_error("mkfifo failed");
        read_fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (read_fd < 0) throw std::runtime_error("cannot open the FIFO");
    }
    ~Fifo() { ::close(read_fd); }
    ConsoleConfig config() const { return {ConsoleConfig::Kind::File, path}; }
};

TEST(ConsoleTest, EveryByteArrivesInOrderThroughAPipe) {
    Fifo fifo;
    const std::string text = guest_text(1 << 20);
    const std::string last_words = "reboot: Power down";  // no newline: only the exit flushes
    std::string received;
    u64 dropped = 0;
    {
        auto console = std::make_unique<Console>(fifo.config());
        Reader reader(fifo.read_fd);
        // A reader that keeps up: the guest never gets more than half a buffer ahead of it.
        for (std::size_t i = 0; i < text.size(); ++i) {
            while (i - reader.count() > Console::kBufferBytes / 2) std::this_thread::yield();
            console->write(static_cast<u8>(text[i]));
        }
        write_all(*console, last_words);
        dropped = console->dropped_bytes();
        console.reset();  // closes the write end after flushing: the reader sees EOF
        received = reader.finish();
    }
    EXPECT_EQ(dropped, 0u);
    ASSERT_EQ(received.size(), text.size() + last_words.size());
    EXPECT_TRUE(received == text + last_words) << "output reordered or changed";
}

TEST(ConsoleTest, OutputWithoutNewlineArrivesWithinMilliseconds) {
    Fifo fifo;
    auto console = std::make_unique<Console>(fifo.config());
    Reader reader(fifo.read_fd);
    // Interactive echo: one byte at a time, no newline. The median delay is what a typist
    // sees; a timer-driven flush of 10 ms or more fails this.
    std::vector<double> delays_ms;
    for (int i = 0; i < 21; ++i) {
        const auto t0 = Clock::now();
        console->write('x');
        while (reader.count() < static_cast<std::size_t>(i + 1)) {
            ASSERT_LT(Clock::now() - t0, 2s) << "echo byte " << i << " never arrived";
            std::this_thread::sleep_for(50us);
        }
        delays_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        std::this_thread::sleep_for(2ms);
    }
    console.reset();  // EOF for the reader
    std::nth_element(delays_ms.begin(), delays_ms.begin() + 10, delays_ms.end());
    EXPECT_LT(delays_ms[10], 5.0);
}

TEST(ConsoleTest, StalledPipeReaderDoesNotBlockAndOldestOutputIsDropped) {
    Fifo fifo;
    const std::size_t pipe_size = static_cast<std::size_t>(::fcntl(fifo.read_fd, F_GETPIPE_SZ));
    auto console = std::make_unique<Console>(fifo.config());
    // Fill the pipe and the buffer while nobody reads.
    const std::string fill = guest_text(pipe_size + Console::kBufferBytes + 64 * 1024);
    write_all(*console, fill);
    EXPECT_FALSE(console->flush(100ms)) << "a stalled reader cannot have taken everything";
    // Now 1 MiB more: write() must not wait for the reader.
    const std::string more = guest_text(1 << 20);
    const auto t0 = Clock::now();
    write_all(*console, more);
    const auto took = Clock::now() - t0;
    EXPECT_LT(took, 500ms) << "1 MiB of writes took "
                           << std::chrono::duration<double, std::milli>(took).count() << " ms";
    const u64 dropped_while_stalled = console->dropped_bytes();
    // At most the pipe, the ring and one chunk in the console thread's hands are kept.
    const std::size_t total = fill.size() + more.size();
    EXPECT_GE(dropped_while_stalled, total - pipe_size - Console::kBufferBytes - 64 * 1024);

    // The reader comes back: every byte is either delivered or counted, and the newest
    // output (a whole buffer of it) is what survived.
    Reader reader(fifo.read_fd);
    const std::string tail = "END\n";
    write_all(*console, tail);
    ASSERT_TRUE(console->flush(5s));
    const u64 dropped = console->dropped_bytes();
    console.reset();
    const std::string received = reader.finish();
    EXPECT_EQ(received.size() + dropped, total + tail.size());
    const std::string sent = fill + more + tail;
    ASSERT_GE(received.size(), Console::kBufferBytes);
    EXPECT_TRUE(received.compare(received.size() - Console::kBufferBytes, Console::kBufferBytes,
                                 sent, sent.size() - Console::kBufferBytes) == 0)
        << "the last " << Console::kBufferBytes << " bytes are not the newest output";
}

int connect_to(const fs::path& path) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        throw std::runtime_error("cannot connect to the console socket");
    return fd;
}

// Reads until `want` bytes came or 5 s passed.
std::string recv_some(int fd, std::size_t want) {
    std::string out;
    const auto deadline = Clock::now() + 5s;
    char buf[4096];
    while (out.size() < want && Clock::now() < deadline) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0) continue;
        const ssize_t got = ::recv(fd, buf, std::min(sizeof buf, want - out.size()), 0);
        if (got <= 0) break;
        out.append(buf, static_cast<std::size_t>(got));
    }
    return out;
}

TEST(ConsoleTest, SocketClientGetsTheBootLogTail) {
    TempDir dir;
    const fs::path path = dir.path() / "console.sock";
    Console console({ConsoleConfig::Kind::Socket, path});
    // Before anyone connects, only the last kSocketBacklog bytes are kept, and trimming that
    // backlog is no reader's fault.
    const std::string boot = guest_text(Console::kSocketBacklog + 1000);
    write_all(console, boot);
    const int fd = connect_to(path);
    const std::string got = recv_some(fd, Console::kSocketBacklog);
    EXPECT_TRUE(got == boot.substr(1000)) << "backlog differs: " << got.size() << " bytes";
    EXPECT_EQ(console.dropped_bytes(), 0u);
    ::close(fd);
}

TEST(ConsoleTest, StalledSocketClientDoesNotBlockWritesOrExit) {
    TempDir dir;
    const fs::path path = dir.path() / "console.sock";
    auto console = std::make_unique<Console>(ConsoleConfig{ConsoleConfig::Kind::Socket, path});
    const int fd = connect_to(path);
    console->write('!');
    ASSERT_EQ(recv_some(fd, 1), "!");  // connected and flowing; from now on nobody reads
    const std::string text = guest_text(4 << 20);
    const auto t0 = Clock::now();
    write_all(*console, text);
    const auto took = Clock::now() - t0;
    EXPECT_LT(took, 1000ms) << "4 MiB of writes took "
                            << std::chrono::duration<double, std::milli>(took).count() << " ms";
    EXPECT_GE(console->dropped_bytes(), 2u << 20);
    // Going away waits for the stalled client at most kExitFlushTimeout.
    const auto t1 = Clock::now();
    console.reset();
    EXPECT_LT(Clock::now() - t1, Console::kExitFlushTimeout + 1s);
    ::close(fd);
}

TEST(ConsoleTest, LogFileGetsEverythingOnDestruction) {
    TempDir dir;
    const fs::path path = dir.path() / "console.log";
    const std::string text = guest_text(200 * 1024) + "Kernel panic - not syncing: end";
    {
        Console console({ConsoleConfig::Kind::File, path});
        write_all(console, text);
    }
    std::ifstream in(path, std::ios::binary);
    const std::string got((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(got.size(), text.size());
    EXPECT_TRUE(got == text);
}

}  // namespace
}  // namespace rvisor::machine
