#include "machine/nic_config.hpp"

#include <gtest/gtest.h>

namespace rvisor::machine {
namespace {

TEST(NicConfig, ParsesSwitch) {
    const NicConfig n = parse_nic_spec("switch:lan0");
    EXPECT_EQ(n.kind, NicConfig::Kind::Switch);
    EXPECT_EQ(n.name_or_ifname, "lan0");
    EXPECT_FALSE(n.mac.has_value());
}

TEST(NicConfig, ParsesUserWithForwardsAndMac) {
    const NicConfig n =
        parse_nic_spec("user,hostfwd=tcp:127.0.0.1:2222-:22,hostfwd=udp::5353-10.0.2.15:53,"
                       "mac=02:00:00:aa:bb:cc");
    EXPECT_EQ(n.kind, NicConfig::Kind::User);
    ASSERT_EQ(n.hostfwd.size(), 2u);
    EXPECT_EQ(n.hostfwd[0], "tcp:127.0.0.1:2222-:22");
    EXPECT_EQ(n.hostfwd[1], "udp::5353-10.0.2.15:53");
    ASSERT_TRUE(n.mac.has_value());
    EXPECT_EQ(format_mac(*n.mac), "02:00:00:aa:bb:cc");
    EXPECT_EQ(format_nic_spec(n), "user,hostfwd=tcp:127.0.0.1:2222-:22,hostfwd=udp::5353-10.0.2.15:"
                                  "53,mac=02:00:00:aa:bb:cc");
}

TEST(NicConfig, ParsesTap) {
    const NicConfig n = parse_nic_spec("tap,ifname=tap0");
    EXPECT_EQ(n.kind, NicConfig::Kind::Tap);
    EXPECT_EQ(n.name_or_ifname, "tap0");
}

TEST(NicConfig, RejectsBadSpecsNamingThePart) {
    auto message = [](const char* spec) {
        try {
            parse_nic_spec(spec);
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    EXPECT_NE(message("bridge").find("expected switch:NAME"), std::string::npos);
    EXPECT_NE(message("switch:").find("switch name"), std::string::npos);
    EXPECT_NE(message("switch:a/b").find("switch name"), std::string::npos);
    EXPECT_NE(message("tap").find("tap needs ifname"), std::string::npos);
    EXPECT_NE(message("tap,ifname=averyveryverylongname").find("ifname"), std::string::npos);
    EXPECT_NE(message("user,hostfwd=tcp:2222:22").find("hostfwd 'tcp:2222:22'"), std::string::npos);
    EXPECT_NE(message("user,hostfwd=tcp::0-:22").find("hostfwd"), std::string::npos);
    EXPECT_NE(message("user,ifname=x").find("unknown option 'ifname'"), std::string::npos);
    EXPECT_NE(message("switch:a,mac=01:00:00:00:00:01").find("not a unicast"), std::string::npos);
    EXPECT_NE(message("switch:a,mac=02:00:00:00:00").find("mac"), std::string::npos);
    EXPECT_NE(message("user,foo").find("'foo' is not KEY=VALUE"), std::string::npos);
}

TEST(NicConfig, DerivedMacIsStableLocalUnicastAndDistinct) {
    const auto a0 = derive_mac("web", 0);
    EXPECT_EQ(a0, derive_mac("web", 0));
    EXPECT_NE(a0, derive_mac("web", 1));
    EXPECT_NE(a0, derive_mac("db", 0));
    EXPECT_EQ(a0[0], 0x02);  // locally administered, unicast
    // Pinned: a change here changes every VM's address (and its DHCP lease).
    EXPECT_EQ(format_mac(a0), "02:72:09:61:79:fe");
}

TEST(NicConfig, ParseMac) {
    EXPECT_EQ(format_mac(*parse_mac("02:AB:cd:00:01:ff")), "02:ab:cd:00:01:ff");
    EXPECT_FALSE(parse_mac("02-ab-cd-00-01-ff"));
    EXPECT_FALSE(parse_mac("02:ab:cd:00:01:fg"));
    EXPECT_FALSE(parse_mac("ff:ff:ff:ff:ff:ff"));
}

}  // namespace
}  // namespace rvisor::machine
