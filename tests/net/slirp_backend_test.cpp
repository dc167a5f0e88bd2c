// User-mode networking: hostfwd parsing, and libslirp answering a guest built by hand (ARP,
// DHCP, a forwarded TCP connection) through the switch.
#include "net/slirp_backend.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include <gtest/gtest.h>

#include "fake_nic.hpp"

namespace rvisor::net {
namespace {

using testing::be16;
using testing::eventually;
using testing::FakeNic;
using testing::Frame;
using testing::Mac;
using testing::put16;

constexpr Mac kGuestMac{0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
// libslirp answers for its virtual hosts with 52:55 followed by the IPv4 address.
constexpr Mac kGatewayMac{0x52, 0x55, 10, 0, 2, 2};
constexpr std::array<u8, 4> kGuestIp{10, 0, 2, 15};
constexpr std::array<u8, 4> kGatewayIp{10, 0, 2, 2};
constexpr std::array<u8, 4> kDnsIp{10, 0, 2, 3};

// ---- parse_hostfwd ----

TEST(ParseHostfwd, QemuExamples) {
    HostForward f = parse_hostfwd("tcp:127.0.0.1:2222-:22");
    EXPECT_EQ(f.proto, HostForward::Proto::Tcp);
    EXPECT_EQ(f.host_addr, "127.0.0.1");
    EXPECT_EQ(f.host_port, 2222);
    EXPECT_EQ(f.guest_addr, "");
    EXPECT_EQ(f.guest_port, 22);

    f = parse_hostfwd("udp::5353-10.0.2.15:53");
    EXPECT_EQ(f.proto, HostForward::Proto::Udp);
    EXPECT_EQ(f.host_addr, "");
    EXPECT_EQ(f.host_port, 5353);
    EXPECT_EQ(f.guest_addr, "10.0.2.15");
    EXPECT_EQ(f.guest_port, 53);

    f = parse_hostfwd("tcp::8080-:80");
    EXPECT_EQ(f.proto, HostForward::Proto::Tcp);
    EXPECT_EQ(f.host_port, 8080);
    EXPECT_EQ(f.guest_port, 80);

    f = parse_hostfwd(":0.0.0.0:65535-10.0.2.20:1");  // no protocol: tcp
    EXPECT_EQ(f.proto, HostForward::Proto::Tcp);
    EXPECT_EQ(f.host_addr, "0.0.0.0");
    EXPECT_EQ(f.host_port, 65535);
    EXPECT_EQ(f.guest_addr, "10.0.2.20");
    EXPECT_EQ(f.guest_port, 1);
    EXPECT_EQ(describe_host_side(parse_hostfwd("udp::53-:53")), "udp 0.0.0.0:53");
}

void expect_bad(const char* spec, const std::string& message) {
    try {
        parse_hostfwd(spec);
        ADD_FAILURE() << spec << " was accepted";
    } catch (const std::invalid_argument& e) {
        EXPECT_EQ(e.what(), "hostfwd '" + std::string(spec) + "': " + message);
    }
}

TEST(ParseHostfwd, RejectsBadPartsNamingThem) {
    expect_bad("sctp::1-:2", "unknown protocol 'sctp' (tcp or udp)");
    expect_bad("tcp::0-:22", "bad host port '0' (1 to 65535)");
    expect_bad("tcp::2222-:65536", "bad guest port '65536' (1 to 65535)");
    expect_bad("tcp::22x-:22", "bad host port '22x' (1 to 65535)");
    expect_bad("tcp::2222-:", "bad guest port '' (1 to 65535)");
    expect_bad("tcp:1.2.3:2222-:22", "bad host address '1.2.3' (an IPv4 address)");
    expect_bad("tcp::2222-guest:22", "bad guest address 'guest' (an IPv4 address)");
    expect_bad("tcp::2222-22", "missing ':' in guest part '22' (expected [guestaddr]:guestport)");
    expect_bad("tcp:2222:22", "expected [tcp|udp]:[hostaddr]:hostport-[guestaddr]:guestport");
    expect_bad("", "expected [tcp|udp]:[hostaddr]:hostport-[guestaddr]:guestport");
}

// ---- frames built by hand ----

Frame eth(const Mac& dst, const Mac& src, u16 type, std::size_t payload) {
    Frame f(14 + payload, 0);
    std::copy(dst.begin(), dst.end(), f.begin());
    std::copy(src.begin(), src.end(), f.begin() + 6);
    put16(f, 12, type);
    return f;
}

// RFC 826 request from the guest (10.0.2.15) for `target`.
Frame arp_request(const std::array<u8, 4>& target) {
    Frame f = eth({0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, kGuestMac, 0x0806, 28);
    put16(f, 14, 1);       // htype: Ethernet
    put16(f, 16, 0x0800);  // ptype: IPv4
    f[18] = 6;
    f[19] = 4;
    put16(f, 20, 1);  // request
    std::copy(kGuestMac.begin(), kGuestMac.end(), f.begin() + 22);
    std::copy(kGuestIp.begin(), kGuestIp.end(), f.begin() + 28);
    std::copy(target.begin(), target.end(), f.begin() + 38);
    return f;
}

u16 ip_checksum(const u8* p, std::size_t n) {
    u32 sum = 0;
    for (std::size_t i = 0; i + 1 < n; i += 2) sum += static_cast<u32>(p[i] << 8 | p[i + 1]);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<u16>(~sum);
}

// RFC 2131 DHCPDISCOVER, broadcast from 0.0.0.0:68 to 255.255.255.255:67, UDP checksum 0
// (none). The BOOTP message is the full 548 bytes (236 fixed + 312 options).
Frame dhcp_discover(u32 xid) {
    constexpr std::size_t kBootp = 548, kUdp = 8 + kBootp, kIp = 20 + kUdp;
    Frame f = eth({0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, kGuestMac, 0x0800, kIp);
    u8* ip = f.data() + 14;
    ip[0] = 0x45;
    put16(f, 16, static_cast<u16>(kIp));
    ip[8] = 64;  // TTL
    ip[9] = 17;  // UDP
    std::fill(ip + 16, ip + 20, 0xff);
    put16(f, 24, ip_checksum(ip, 20));
    put16(f, 34, 68);
    put16(f, 36, 67);
    put16(f, 38, static_cast<u16>(kUdp));
    u8* b = f.data() + 42;
    b[0] = 1;  // BOOTREQUEST
    b[1] = 1;  // Ethernet
    b[2] = 6;
    for (int i = 0; i < 4; ++i) b[4 + i] = static_cast<u8>(xid >> (24 - 8 * i));
    std::copy(kGuestMac.begin(), kGuestMac.end(), b + 28);  // chaddr
    const u8 opts[] = {99, 130, 83, 99, 53, 1, 1, 255};     // magic cookie, DISCOVER, end
    std::copy(std::begin(opts), std::end(opts), b + 236);
    return f;
}

bool is_ipv4(const Frame& f, u8 proto) {
    return f.size() >= 34 && be16(f, 12) == 0x0800 && (f[14] >> 4) == 4 && f[23] == proto;
}

// The value of DHCP option `code` in a BOOTP reply that starts at `b`, or empty.
std::vector<u8> dhcp_option(const Frame& f, std::size_t b, u8 code) {
    for (std::size_t i = b + 240; i + 1 < f.size() && f[i] != 255;) {
        if (f[i] == 0) {
            ++i;
            continue;
        }
        const std::size_t len = f[i + 1];
        if (f[i] == code && i + 2 + len <= f.size())
            return {f.begin() + static_cast<long>(i + 2),
                    f.begin() + static_cast<long>(i + 2 + len)};
        i += 2 + len;
    }
    return {};
}

TEST(SlirpBackend, AnswersArpForTheGateway) {
    EthernetSwitch sw;
    FakeNic guest(sw);
    SlirpBackend slirp(sw);
    EXPECT_EQ(sw.port_count(), 2u);
    guest.send(arp_request(kGatewayIp));
    const auto reply = guest.wait_for([](const Frame& f) { return be16(f, 12) == 0x0806; });
    ASSERT_TRUE(reply);
    const Frame& r = *reply;
    ASSERT_GE(r.size(), 42u);
    EXPECT_TRUE(std::equal(kGuestMac.begin(), kGuestMac.end(), r.begin()));  // to the asker
    EXPECT_TRUE(std::equal(kGatewayMac.begin(), kGatewayMac.end(), r.begin() + 6));
    EXPECT_EQ(be16(r, 14), 1);
    EXPECT_EQ(be16(r, 16), 0x0800);
    EXPECT_EQ(r[18], 6);
    EXPECT_EQ(r[19], 4);
    EXPECT_EQ(be16(r, 20), 2);                                                        // reply
    EXPECT_TRUE(std::equal(kGatewayMac.begin(), kGatewayMac.end(), r.begin() + 22));  // sha
    EXPECT_TRUE(std::equal(kGatewayIp.begin(), kGatewayIp.end(), r.begin() + 28));    // spa
    EXPECT_TRUE(std::equal(kGuestMac.begin(), kGuestMac.end(), r.begin() + 32));      // tha
    EXPECT_TRUE(std::equal(kGuestIp.begin(), kGuestIp.end(), r.begin() + 38));        // tpa
    EXPECT_EQ(slirp.tx_frames(), 1u);
    EXPECT_GE(slirp.rx_frames(), 1u);
}

TEST(SlirpBackend, DhcpDiscoverGetsAnOffer) {
    EthernetSwitch sw;
    FakeNic guest(sw);
    SlirpBackend slirp(sw);
    constexpr u32 kXid = 0x5eed1234;
    guest.send(dhcp_discover(kXid));
    const auto offer = guest.wait_for([](const Frame& f) {
        return is_ipv4(f, 17) && f.size() >= 42 + 240 && be16(f, 34) == 67 && be16(f, 36) == 68;
    });
    ASSERT_TRUE(offer);
    const Frame& o = *offer;
    const std::size_t b = 42;
    EXPECT_EQ(o[b], 2);  // BOOTREPLY
    EXPECT_EQ(o[b + 4] << 24 | o[b + 5] << 16 | o[b + 6] << 8 | o[b + 7], static_cast<int>(kXid));
    EXPECT_TRUE(std::equal(kGuestIp.begin(), kGuestIp.end(), o.begin() + b + 16));  // yiaddr
    EXPECT_TRUE(std::equal(kGuestMac.begin(), kGuestMac.end(), o.begin() + b + 28));
    EXPECT_EQ(dhcp_option(o, b, 53), std::vector<u8>{2});  // DHCPOFFER
    EXPECT_EQ(dhcp_option(o, b, 1), (std::vector<u8>{255, 255, 255, 0}));
    EXPECT_EQ(dhcp_option(o, b, 3), std::vector<u8>(kGatewayIp.begin(), kGatewayIp.end()));
    EXPECT_EQ(dhcp_option(o, b, 6), std::vector<u8>(kDnsIp.begin(), kDnsIp.end()));
    EXPECT_EQ(dhcp_option(o, b, 54), std::vector<u8>(kGatewayIp.begin(), kGatewayIp.end()));
}

// A free TCP port on 127.0.0.1 (free a moment ago; good enough for a test).
u16 free_port() {
    const int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(s);
    return ntohs(a.sin_port);
}

TEST(SlirpBackend, HostForwardSendsSynToTheGuest) {
    const u16 port = free_port();
    EthernetSwitch sw;
    FakeNic guest(sw);
    SlirpBackend slirp(sw, {{parse_hostfwd("tcp:127.0.0.1:" + std::to_string(port) + "-:22")}});
    EXPECT_NE(
        slirp.describe().find("hostfwd tcp 127.0.0.1:" + std::to_string(port) + "->10.0.2.15:22"),
        std::string::npos);
    // Let slirp learn the guest's MAC (it does from an ARP request), or it would ARP first.
    guest.send(arp_request(kGatewayIp));
    ASSERT_TRUE(guest.wait_for([](const Frame& f) { return be16(f, 12) == 0x0806; }));

    const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    const int r = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
    EXPECT_TRUE(r == 0 || errno == EINPROGRESS) << std::strerror(errno);
    const auto syn = guest.wait_for([](const Frame& f) { return is_ipv4(f, 6); });
    ::close(s);
    ASSERT_TRUE(syn);
    const Frame& f = *syn;
    const std::size_t tcp = 14 + (f[14] & 0xf) * 4u;
    ASSERT_GE(f.size(), tcp + 20);
    EXPECT_TRUE(std::equal(kGuestMac.begin(), kGuestMac.end(), f.begin()));
    EXPECT_TRUE(std::equal(kGatewayIp.begin(), kGatewayIp.end(), f.begin() + 26));  // from host
    EXPECT_TRUE(std::equal(kGuestIp.begin(), kGuestIp.end(), f.begin() + 30));
    EXPECT_EQ(be16(f, tcp + 2), 22);      // destination port
    EXPECT_EQ(f[tcp + 13] & 0x12, 0x02);  // SYN, no ACK
}

TEST(SlirpBackend, HostForwardOnABusyPortFailsWithOneLine) {
    const int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ASSERT_EQ(::listen(s, 1), 0);
    socklen_t len = sizeof a;
    ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
    const std::string port = std::to_string(ntohs(a.sin_port));

    EthernetSwitch sw;
    try {
        SlirpBackend slirp(sw, {{parse_hostfwd("tcp:127.0.0.1:" + port + "-:22")}});
        ADD_FAILURE() << "a forward from a port in use was accepted";
    } catch (const std::runtime_error& e) {
        EXPECT_EQ(std::string(e.what()), "user network: cannot forward tcp 127.0.0.1:" + port +
                                             ": Address already in use");
    }
    EXPECT_EQ(sw.port_count(), 0u);  // nothing left attached
    ::close(s);
    try {
        SlirpBackend slirp(sw, {{parse_hostfwd("tcp:127.0.0.1:" + port + "-10.0.3.15:22")}});
        ADD_FAILURE() << "a forward to outside the guest network was accepted";
    } catch (const std::runtime_error& e) {
        EXPECT_EQ(std::string(e.what()), "user network: cannot forward tcp 127.0.0.1:" + port +
                                             ": guest address 10.0.3.15 is not in 10.0.2.0/24");
    }
    EXPECT_EQ(sw.port_count(), 0u);
}

TEST(SlirpBackend, DetachesOnDestructionAndCountsQueuedFrames) {
    EthernetSwitch sw;
    FakeNic guest(sw);
    {
        SlirpBackend slirp(sw);
        EXPECT_EQ(sw.port_count(), 2u);
        for (int i = 0; i < 3; ++i) guest.send(arp_request(kDnsIp));
        EXPECT_TRUE(eventually([&] { return slirp.tx_frames() == 3; }));
        EXPECT_EQ(slirp.dropped_frames(), 0u);
    }
    EXPECT_EQ(sw.port_count(), 1u);
}

}  // namespace
}  // namespace rvisor::net
