// Network interface specs as users write them, shared by the CLI (`--net`), the JSON config
// and the API, and the MAC address a NIC gets when none is given.
//
//   switch:NAME[,mac=XX:XX:XX:XX:XX:XX]         the virtual switch NAME (shared by processes)
//   user[,hostfwd=tcp:HOSTADDR:PORT-:PORT]...[,mac=...]   NAT through libslirp
//   tap,ifname=IFNAME[,mac=...]                 a host TAP interface
#pragma once

#include <array>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "machine/vm_config.hpp"

namespace rvisor::machine {

// Throws std::invalid_argument with one line naming the bad part.
NicConfig parse_nic_spec(std::string_view spec);
// The spec back in the syntax above (for `GET` answers and messages).
std::string format_nic_spec(const NicConfig& nic);

// "52:54:..." style text to bytes; nullopt unless six hex pairs joined by ':' forming a
// unicast address (a multicast MAC cannot be a NIC's own address).
std::optional<std::array<u8, 6>> parse_mac(std::string_view text);
std::string format_mac(const std::array<u8, 6>& mac);

// A stable, locally administered unicast MAC from the VM's name and the NIC's index: the same
// VM gets the same address on every boot (DHCP leases and ARP caches stay valid), and VMs with
// different names almost surely get different ones.
std::array<u8, 6> derive_mac(std::string_view vm_name, unsigned index);

}  // namespace rvisor::machine
