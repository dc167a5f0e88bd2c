// Opens the host side of a NIC: the backend named by its NicConfig, joined to the NIC's link.
#pragma once

#include <memory>

#include "machine/vm_config.hpp"
#include "net/ethernet_switch.hpp"
#include "net/net_backend.hpp"

namespace rvisor::machine {

// Throws std::runtime_error with one line naming the NIC and the reason (a switch nobody
// serves, a tap without permission, a forward whose port is taken).
std::unique_ptr<net::NetBackend> open_net_backend(net::EthernetSwitch& link, const NicConfig& nic);

// How a switch NIC finds its switch when no process serves it yet: the program installs a
// starter (rvisor's starts `rvisor switch NAME` as a daemon) that returns once one answers,
// or throws. Without a starter, a switch nobody serves is an error.
using SwitchStarter = void (*)(const std::string& name);
void set_switch_starter(SwitchStarter starter);

}  // namespace rvisor::machine
