// The tap backend: where tap devices can be created (root, or CAP_NET_ADMIN), one frame each
// way between a fake NIC and the host's side of a fresh tap; elsewhere the one-line error.
#include "net/tap_backend.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>

#include "fake_nic.hpp"

namespace rvisor::net {
namespace {

using namespace std::chrono_literals;
using testing::be16;
using testing::FakeNic;
using testing::Frame;
using testing::Mac;

constexpr Mac kGuest{0x52, 0x54, 0x00, 0x00, 0x00, 0x0a};
constexpr Mac kHost{0x52, 0x54, 0x00, 0x00, 0x00, 0x0b};
constexpr Mac kBroadcast{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
constexpr u16 kToHost = 0x88b5;   // IEEE 802 local experimental EtherTypes: nothing else
constexpr u16 kToGuest = 0x88b6;  // on the interface uses them

Frame frame(const Mac& dst, const Mac& src, u16 type, u8 tag) {
    Frame f(60, tag);
    std::copy(dst.begin(), dst.end(), f.begin());
    std::copy(src.begin(), src.end(), f.begin() + 6);
    f[12] = static_cast<u8>(type >> 8);
    f[13] = static_cast<u8>(type);
    return f;
}

// Whether this process can create tap devices at all (checked independently of TapBackend):
// 0, or the errno of the failed step (`opening` tells which).
int probe_tun(bool& opening) {
    opening = true;
    const int fd = ::open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) return errno;
    opening = false;
    ifreq ifr{};
    std::strcpy(ifr.ifr_name, "rvprobe%d");
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    const int r = ::ioctl(fd, TUNSETIFF, &ifr) == 0 ? 0 : errno;
    ::close(fd);
    return r;
}

TEST(TapBackend, RejectsBadNames) {
    EthernetSwitch sw;
    EXPECT_THROW(TapBackend(sw, ""), std::invalid_argument);
    try {
        TapBackend tap(sw, "a-name-far-too-long");
        ADD_FAILURE();
    } catch (const std::invalid_argument& e) {
        EXPECT_EQ(
            std::string(e.what()),
            "tap ifname=a-name-far-too-long: bad interface name (1 to 15 characters, no '/')");
    }
    EXPECT_EQ(sw.port_count(), 0u);
}

TEST(TapBackend, OneFrameEachWayOrAClearError) {
    const std::string name = "rvt" + std::to_string(::getpid() % 100000);
    bool opening = false;
    const int probe = probe_tun(opening);
    EthernetSwitch sw;
    FakeNic nic(sw);
    if (probe != 0) {
        // No tap for us here: the error must say so on one line, with what to do.
        try {
            TapBackend tap(sw, name);
            FAIL() << "tap created although the probe failed: " << std::strerror(probe);
        } catch (const std::runtime_error& e) {
            const std::string msg = e.what();
            EXPECT_TRUE(msg.starts_with("tap ifname=" + name + ": ")) << msg;
            const std::string reason = std::strerror(probe);
            if (opening) {
                EXPECT_NE(msg.find(": /dev/net/tun: " + reason + " ("), std::string::npos) << msg;
            } else if (probe == EPERM) {
                EXPECT_EQ(msg, "tap ifname=" + name + ": " + reason +
                                   " (create it first: ip tuntap add " + name +
                                   " mode tap user $USER)");
            } else {
                EXPECT_NE(msg.find(reason), std::string::npos) << msg;
            }
            EXPECT_EQ(msg.find('\n'), std::string::npos);
        }
        EXPECT_EQ(sw.port_count(), 1u);
        return;
    }

    TapBackend tap(sw, name);  // non-persistent: the interface goes away with the backend
    EXPECT_EQ(tap.ifname(), name);
    EXPECT_EQ(tap.describe(), "tap " + name);
    EXPECT_EQ(sw.port_count(), 2u);
    // Bring the host side up and listen on it with a packet socket.
    const unsigned index = ::if_nametoindex(name.c_str());
    ASSERT_NE(index, 0u);
    const int ctl = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ifreq ifr{};
    std::strcpy(ifr.ifr_name, name.c_str());
    ASSERT_EQ(::ioctl(ctl, SIOCGIFFLAGS, &ifr), 0);
    ifr.ifr_flags |= IFF_UP;
    ASSERT_EQ(::ioctl(ctl, SIOCSIFFLAGS, &ifr), 0) << std::strerror(errno);
    ::close(ctl);
    const int pkt = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
    ASSERT_GE(pkt, 0) << std::strerror(errno);
    sockaddr_ll ll{};
    ll.sll_family = AF_PACKET;
    ll.sll_protocol = htons(ETH_P_ALL);
    ll.sll_ifindex = static_cast<int>(index);
    ASSERT_EQ(::bind(pkt, reinterpret_cast<sockaddr*>(&ll), sizeof ll), 0);
    timeval tv{0, 200'000};
    ::setsockopt(pkt, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);

    // Guest -> host: the frame appears on the interface, byte for byte.
    const Frame out = frame(kBroadcast, kGuest, kToHost, 0x5a);
    nic.send(out);
    bool seen = false;
    std::vector<u8> buf(2048);
    for (int i = 0; i < 25 && !seen; ++i) {  // skip the kernel's own IPv6 chatter
        const ssize_t n = ::recv(pkt, buf.data(), buf.size(), 0);
        if (n == static_cast<ssize_t>(out.size()) &&
            std::equal(out.begin(), out.end(), buf.begin()))
            seen = true;
    }
    EXPECT_TRUE(seen);
    EXPECT_EQ(tap.tx_frames(), 1u);

    // Host -> guest: a frame sent out of the interface reaches the NIC.
    const Frame in = frame(kGuest, kHost, kToGuest, 0xa5);
    sockaddr_ll to = ll;
    to.sll_halen = 6;
    std::copy(kGuest.begin(), kGuest.end(), to.sll_addr);
    ASSERT_EQ(::sendto(pkt, in.data(), in.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to),
              static_cast<ssize_t>(in.size()))
        << std::strerror(errno);
    const auto got = nic.wait_for([](const Frame& f) { return be16(f, 12) == kToGuest; });
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, in);
    EXPECT_GE(tap.rx_frames(), 1u);
    ::close(pkt);
}

}  // namespace
}  // namespace rvisor::net
