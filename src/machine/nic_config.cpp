#include "machine/nic_config.hpp"

#include <cstdio>

namespace rvisor::machine {

namespace {

bool valid_name(std::string_view s) {
    if (s.empty() || s.size() > 64) return false;
    for (char c : s) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                        c == '_' || c == '-' || c == '.';
        if (!ok) return false;
    }
    return true;
}

// QEMU's hostfwd syntax: [tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT. Only the shape
// is checked here; the net backend checks addresses when it binds.
bool plausible_hostfwd(std::string_view s) {
    const auto dash = s.find('-');
    if (dash == std::string_view::npos) return false;
    const auto host = s.substr(0, dash), guest = s.substr(dash + 1);
    if (host.rfind("tcp:", 0) != 0 && host.rfind("udp:", 0) != 0 && host.find(':') != 0)
        return false;
    auto port_ok = [](std::string_view part) {
        const auto colon = part.rfind(':');
        if (colon == std::string_view::npos) return false;
        const auto port = part.substr(colon + 1);
        if (port.empty() || port.size() > 5) return false;
        unsigned v = 0;
        for (char c : port) {
            if (c < '0' || c > '9') return false;
            v = v * 10 + static_cast<unsigned>(c - '0');
        }
        return v >= 1 && v <= 65535;
    };
    return port_ok(host) && port_ok(guest);
}

}  // namespace

std::optional<std::array<u8, 6>> parse_mac(std::string_view text) {
    if (text.size() != 17) return std::nullopt;
    std::array<u8, 6> mac{};
    for (unsigned i = 0; i < 6; ++i) {
        if (i > 0 && text[i * 3 - 1] != ':') return std::nullopt;
        unsigned v = 0;
        for (unsigned k = 0; k < 2; ++k) {
            const char c = text[i * 3 + k];
            unsigned d;
            if (c >= '0' && c <= '9')
                d = static_cast<unsigned>(c - '0');
            else if (c >= 'a' && c <= 'f')
                d = static_cast<unsigned>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                d = static_cast<unsigned>(c - 'A' + 10);
            else
                return std::nullopt;
            v = v * 16 + d;
        }
        mac[i] = static_cast<u8>(v);
    }
    if (mac[0] & 1) return std::nullopt;  // group (multicast) bit
    return mac;
}

std::string format_mac(const std::array<u8, 6>& m) {
    char buf[18];
    std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
                  m[5]);
    return buf;
}

std::array<u8, 6> derive_mac(std::string_view vm_name, unsigned index) {
    // FNV-1a over "name/index": cheap, stable across builds and hosts.
    u64 h = 0xcbf29ce484222325ULL;
    auto mix = [&h](u8 b) {
        h ^= b;
        h *= 0x100000001b3ULL;
    };
    for (char c : vm_name) mix(static_cast<u8>(c));
    mix('/');
    for (char c : std::to_string(index)) mix(static_cast<u8>(c));
    // 0x02: locally administered (IEEE 802 bit 1), unicast (bit 0 clear); 0x72 = 'r'.
    return {0x02, 0x72, static_cast<u8>(h >> 24), static_cast<u8>(h >> 16), static_cast<u8>(h >> 8),
            static_cast<u8>(h)};
}

NicConfig parse_nic_spec(std::string_view spec) {
    const std::string where = "net '" + std::string(spec) + "': ";
    NicConfig nic;
    std::size_t start = 0;
    bool first = true;
    bool have_ifname = false;
    for (;;) {
        const std::size_t comma = spec.find(',', start);
        const std::string_view part = spec.substr(start, comma - start);
        if (first) {
            first = false;
            if (part.rfind("switch:", 0) == 0) {
                nic.kind = NicConfig::Kind::Switch;
                nic.name_or_ifname = std::string(part.substr(7));
                if (!valid_name(nic.name_or_ifname))
                    throw std::invalid_argument(
                        where + "switch name must be 1 to 64 of A-Z a-z 0-9 _ - .");
            } else if (part == "user") {
                nic.kind = NicConfig::Kind::User;
            } else if (part == "tap") {
                nic.kind = NicConfig::Kind::Tap;
            } else {
                throw std::invalid_argument(where + "expected switch:NAME, user or tap,ifname=NAME");
            }
        } else {
            const std::size_t eq = part.find('=');
            if (eq == std::string_view::npos)
                throw std::invalid_argument(where + "'" + std::string(part) + "' is not KEY=VALUE");
            const std::string_view key = part.substr(0, eq), value = part.substr(eq + 1);
            if (key == "mac") {
                nic.mac = parse_mac(value);
                if (!nic.mac)
                    throw std::invalid_argument(where + "mac '" + std::string(value) +
                                                "' is not a unicast address like 02:00:00:00:00:01");
            } else if (key == "hostfwd" && nic.kind == NicConfig::Kind::User) {
                if (!plausible_hostfwd(value))
                    throw std::invalid_argument(where + "hostfwd '" + std::string(value) +
                                                "' is not [tcp|udp]:[HOSTADDR]:PORT-[GUESTADDR]:PORT");
                nic.hostfwd.emplace_back(value);
            } else if (key == "ifname" && nic.kind == NicConfig::Kind::Tap) {
                // IFNAMSIZ is 16 including the terminator.
                if (value.empty() || value.size() > 15 || !valid_name(value))
                    throw std::invalid_argument(where + "ifname must be 1 to 15 characters");
                nic.name_or_ifname = std::string(value);
                have_ifname = true;
            } else {
                const char* expected = nic.kind == NicConfig::Kind::User  ? "hostfwd, mac"
                                       : nic.kind == NicConfig::Kind::Tap ? "ifname, mac"
                                                                          : "mac";
                throw std::invalid_argument(where + "unknown option '" + std::string(key) +
                                            "' (expected " + expected + ")");
            }
        }
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    if (nic.kind == NicConfig::Kind::Tap && !have_ifname)
        throw std::invalid_argument(where + "tap needs ifname=NAME");
    return nic;
}

std::string format_nic_spec(const NicConfig& nic) {
    std::string s;
    switch (nic.kind) {
        case NicConfig::Kind::Switch: s = "switch:" + nic.name_or_ifname; break;
        case NicConfig::Kind::User:
            s = "user";
            for (const auto& f : nic.hostfwd) s += ",hostfwd=" + f;
            break;
        case NicConfig::Kind::Tap: s = "tap,ifname=" + nic.name_or_ifname; break;
    }
    if (nic.mac) s += ",mac=" + format_mac(*nic.mac);
    return s;
}

}  // namespace rvisor::machine
