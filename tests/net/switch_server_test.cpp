// The multi-process switch: socket paths and names, a SwitchServer with SwitchEndpoints (each
// behind its own local switch, as a VM's NIC would be), the datagram protocol, client expiry,
// one server per path.
#include "net/switch_server.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <thread>

#include "fake_nic.hpp"
#include "net/switch_endpoint.hpp"
#include "net/switch_socket.hpp"

namespace rvisor::net {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::eventually;
using testing::FakeNic;
using testing::Frame;
using testing::Mac;

constexpr Mac kA{0x52, 0x54, 0x00, 0x00, 0x00, 0x0a};
constexpr Mac kB{0x52, 0x54, 0x00, 0x00, 0x00, 0x0b};
constexpr Mac kBroadcast{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

Frame frame(const Mac& dst, const Mac& src, u8 tag, std::size_t len = 60) {
    Frame f(len, tag);
    std::copy(dst.begin(), dst.end(), f.begin());
    std::copy(src.begin(), src.end(), f.begin() + 6);
    f[12] = 0x88;
    f[13] = 0xb5;  // IEEE 802 local experimental EtherType
    return f;
}

auto tagged(u8 tag) {
    return [tag](const Frame& f) { return f.size() == 60 && f[14] == tag; };
}

// A private directory for this test's sockets.
class TempDir {
  public:
    TempDir() {
        std::string t = (fs::temp_directory_path() / "rvisor-net-test-XXXXXX").string();
        path_ = ::mkdtemp(t.data());
    }
    ~TempDir() { fs::remove_all(path_); }
    const fs::path& path() const { return path_; }

  private:
    fs::path path_;
};

// Runs a server on its own thread.
struct RunningServer {
    explicit RunningServer(const fs::path& p, SwitchServerOptions o = {})
        : server(p, o), thread([this](std::stop_token st) { server.run(st); }) {}
    SwitchServer server;
    std::jthread thread;
};

// A raw protocol client: an autobound datagram socket talking to the server.
struct RawClient {
    explicit RawClient(const fs::path& server) {
        fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        const sa_family_t family = AF_UNIX;
        ::bind(fd, reinterpret_cast<const sockaddr*>(&family), sizeof family);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::strcpy(a.sun_path, server.c_str());
        connected = ::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0;
        timeval tv{1, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    ~RawClient() { ::close(fd); }
    ssize_t send(std::span<const u8> d) { return ::send(fd, d.data(), d.size(), 0); }
    ssize_t recv(std::vector<u8>& buf) {
        buf.resize(65536);
        const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
        buf.resize(n < 0 ? 0 : static_cast<std::size_t>(n));
        return n;
    }
    int fd;
    bool connected;
};

TEST(SwitchName, Validation) {
    for (const char* good : {"lan0", "a", "A_b.c-1", "x.y"})
        EXPECT_NO_THROW(validate_switch_name(good)) << good;
    EXPECT_NO_THROW(validate_switch_name(std::string(64, 'n')));
    for (const std::string& bad : {std::string(), std::string(65, 'n'), std::string("a/b"),
                                   std::string("lan 0"), std::string("l\xc3\xa4n")}) {
        try {
            validate_switch_name(bad);
            ADD_FAILURE() << bad << " accepted";
        } catch (const std::invalid_argument& e) {
            EXPECT_EQ(std::string(e.what()),
                      "switch name '" + bad + "' is invalid (1 to 64 of A-Z a-z 0-9 _ . -)");
        }
    }
}

TEST(SwitchSocketPath, DirectoryChoiceAndMode) {
    TempDir tmp;
    const std::string old_run = std::getenv("RVISOR_RUN_DIR") ? std::getenv("RVISOR_RUN_DIR") : "";
    const std::string old_xdg =
        std::getenv("XDG_RUNTIME_DIR") ? std::getenv("XDG_RUNTIME_DIR") : "";
    ::setenv("RVISOR_RUN_DIR", (tmp.path() / "run").c_str(), 1);
    EXPECT_EQ(switch_socket_path("lan0"), tmp.path() / "run" / "switch-lan0.sock");
    ::unsetenv("RVISOR_RUN_DIR");
    ::setenv("XDG_RUNTIME_DIR", tmp.path().c_str(), 1);
    EXPECT_EQ(switch_socket_path("lan1"), tmp.path() / "rvisor" / "switch-lan1.sock");
    struct stat st {};
    ASSERT_EQ(::stat((tmp.path() / "rvisor").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    ::unsetenv("XDG_RUNTIME_DIR");
    EXPECT_EQ(switch_socket_path("lan2"),
              fs::path("/tmp/rvisor-" + std::to_string(::getuid())) / "switch-lan2.sock");
    EXPECT_THROW(switch_socket_path("bad/name"), std::invalid_argument);
    if (!old_run.empty()) ::setenv("RVISOR_RUN_DIR", old_run.c_str(), 1);
    if (!old_xdg.empty()) ::setenv("XDG_RUNTIME_DIR", old_xdg.c_str(), 1);
}

TEST(SwitchServer, TwoEndpointsExchangeBroadcastAndUnicast) {
    TempDir tmp;
    const fs::path path = tmp.path() / "switch-lan0.sock";
    RunningServer rs(path);
    EthernetSwitch lan_a, lan_b;
    FakeNic nic_a(lan_a), nic_b(lan_b);
    SwitchEndpoint ep_a(lan_a, path), ep_b(lan_b, path);
    EXPECT_EQ(ep_a.describe(), "switch lan0 at " + path.string());
    ASSERT_TRUE(eventually([&] { return rs.server.clients() == 2; }));

    nic_a.send(frame(kBroadcast, kA, 1));
    const auto got = nic_b.wait_for(tagged(1));
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, frame(kBroadcast, kA, 1));
    nic_b.send(frame(kA, kB, 2));  // A was learned from the broadcast: unicast
    ASSERT_TRUE(nic_a.wait_for(tagged(2)));
    nic_a.send(frame(kB, kA, 3));
    ASSERT_TRUE(nic_b.wait_for(tagged(3)));
    // Nothing hairpins back to its sender.
    EXPECT_FALSE(nic_a.wait_for(tagged(1), 50ms));
    EXPECT_FALSE(nic_b.wait_for(tagged(2), 1ms));
    EXPECT_EQ(ep_a.tx_frames(), 2u);
    EXPECT_EQ(ep_a.rx_frames(), 1u);
    EXPECT_EQ(ep_b.rx_frames(), 2u);
}

TEST(SwitchServer, BurstLargerThanTheSocketQueueArrivesWhole) {
    TempDir tmp;
    const fs::path path = tmp.path() / "switch-lan0.sock";
    RunningServer rs(path);
    EthernetSwitch lan_a, lan_b;
    FakeNic nic_a(lan_a), nic_b(lan_b);
    SwitchEndpoint ep_a(lan_a, path), ep_b(lan_b, path);
    ASSERT_TRUE(eventually([&] { return rs.server.clients() == 2; }));
    // 200 frames at once: far more than net.unix.max_dgram_qlen; the endpoint queues them.
    for (int i = 0; i < 200; ++i) nic_a.send(frame(kBroadcast, kA, static_cast<u8>(i)));
    EXPECT_TRUE(eventually([&] { return nic_b.count() == 200; })) << nic_b.count();
    EXPECT_EQ(ep_a.dropped_frames(), 0u);
    EXPECT_EQ(ep_a.tx_frames(), 200u);
}

TEST(SwitchServer, ClientThatDisappearsIsDetached) {
    TempDir tmp;
    const fs::path path = tmp.path() / "switch-lan0.sock";
    RunningServer rs(path);
    EthernetSwitch lan_a, lan_b;
    FakeNic nic_a(lan_a), nic_b(lan_b);
    SwitchEndpoint ep_a(lan_a, path);
    {
        SwitchEndpoint ep_b(lan_b, path);
        ASSERT_TRUE(eventually([&] { return rs.server.clients() == 2; }));
    }
    // The next frame toward B's address is refused (its socket is closed): B is detached.
    nic_a.send(frame(kBroadcast, kA, 1));
    EXPECT_TRUE(eventually([&] { return rs.server.clients() == 1; }));
}

TEST(SwitchServer, SilentClientExpires) {
    TempDir tmp;
    const fs::path path = tmp.path() / "switch-lan0.sock";
    RunningServer rs(path, {.client_timeout = 100ms});
    RawClient c(path);
    ASSERT_TRUE(c.connected);
    EXPECT_EQ(c.send({}), 0);
    ASSERT_TRUE(eventually([&] { return rs.server.clients() == 1; }));
    EXPECT_TRUE(eventually([&] { return rs.server.clients() == 0; }, 2s));
}

TEST(SwitchServer, HelloIsAnsweredAndRuntsAreDropped) {
    TempDir tmp;
    const fs::path path = tmp.path() / "switch-lan0.sock";
    RunningServer rs(path);
    RawClient c(path), d(path);
    std::vector<u8> buf;
    EXPECT_EQ(c.send({}), 0);
    EXPECT_EQ(c.recv(buf), 0);  // the zero-length answer
    EXPECT_EQ(d.send({}), 0);
    EXPECT_EQ(d.recv(buf), 0);
    const Frame f = frame(kBroadcast, kA, 7);
    EXPECT_EQ(c.send(std::span<const u8>(f).first(13)), 13);
    ASSERT_TRUE(eventually([&] { return rs.server.frames_dropped() == 1; }));
    EXPECT_EQ(c.send(std::span<const u8>(f).first(14)), 14);  // a bare header is a frame
    EXPECT_EQ(d.recv(buf), 14);
    EXPECT_TRUE(std::equal(buf.begin(), buf.end(), f.begin()));
}

TEST(SwitchServer, OneServerPerPath) {
    TempDir tmp;
    const fs::path path = tmp.path() / "switch-lan0.sock";
    {
        SwitchServer first(path);
        EXPECT_TRUE(switch_server_answers(path));
        try {
            SwitchServer second(path);
            ADD_FAILURE() << "second server accepted";
        } catch (const std::runtime_error& e) {
            EXPECT_EQ(std::string(e.what()),
                      "switch at " + path.string() + ": already served by another process");
        }
        EXPECT_TRUE(switch_server_answers(path));  // the first one is untouched
    }
    EXPECT_FALSE(fs::exists(path));
    EXPECT_FALSE(switch_server_answers(path));
    // A socket file left by a dead server is replaced.
    {
        const int s = ::socket(AF_UNIX, SOCK_DGRAM, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::strcpy(a.sun_path, path.c_str());
        ASSERT_EQ(::bind(s, reinterpret_cast<const sockaddr*>(&a), sizeof a), 0);
        ::close(s);
    }
    ASSERT_TRUE(fs::exists(path));
    EXPECT_FALSE(switch_server_answers(path));
    SwitchServer third(path);
    EXPECT_TRUE(switch_server_answers(path));
}

TEST(SwitchServer, IdleExit) {
    TempDir tmp;
    const fs::path path = tmp.path() / "switch-lan0.sock";
    SwitchServer server(path, {.idle_exit = 50ms});
    std::stop_source never;
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_TRUE(server.run(never.get_token()));
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
    // A stop request returns false.
    SwitchServer forever(tmp.path() / "switch-b.sock");
    std::stop_source stop;
    std::jthread stopper([&] {
        std::this_thread::sleep_for(20ms);
        stop.request_stop();
    });
    EXPECT_FALSE(forever.run(stop.get_token()));
}

TEST(SwitchEndpoint, ReconnectsToARestartedServer) {
    TempDir tmp;
    const fs::path path = tmp.path() / "switch-lan0.sock";
    EthernetSwitch lan_a, lan_b;
    FakeNic nic_a(lan_a), nic_b(lan_b);
    auto rs = std::make_unique<RunningServer>(path);
    SwitchEndpoint ep_a(lan_a, path, 20ms), ep_b(lan_b, path, 20ms);
    ASSERT_TRUE(eventually([&] { return rs->server.clients() == 2; }));
    rs.reset();
    rs = std::make_unique<RunningServer>(path);
    // Unanswered keepalives for 3 periods: both connect to the new socket and say HELLO.
    ASSERT_TRUE(eventually([&] { return rs->server.clients() == 2; }));
    nic_a.send(frame(kBroadcast, kA, 9));
    EXPECT_TRUE(nic_b.wait_for(tagged(9)));
}

TEST(SwitchEndpoint, NoServerIsOneLine) {
    TempDir tmp;
    const fs::path path = tmp.path() / "switch-lan0.sock";
    EthernetSwitch lan;
    try {
        SwitchEndpoint ep(lan, path);
        ADD_FAILURE() << "connected to nothing";
    } catch (const std::runtime_error& e) {
        EXPECT_EQ(std::string(e.what()), "switch lan0: no switch at " + path.string() +
                                             " (No such file or directory; start one with: "
                                             "rvisor switch lan0)");
    }
    EXPECT_EQ(lan.port_count(), 0u);
}

}  // namespace
}  // namespace rvisor::net
