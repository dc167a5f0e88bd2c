#include "machine/net_backend_factory.hpp"

#include <atomic>
#include <stdexcept>

#include "machine/nic_config.hpp"
#include "net/slirp_backend.hpp"
#include "net/switch_endpoint.hpp"
#include "net/switch_socket.hpp"
#include "net/tap_backend.hpp"

namespace rvisor::machine {

namespace {
std::atomic<SwitchStarter> switch_starter{nullptr};
}  // namespace

void set_switch_starter(SwitchStarter starter) { switch_starter = starter; }

std::unique_ptr<net::NetBackend> open_net_backend(net::EthernetSwitch& link, const NicConfig& nic) {
    switch (nic.kind) {
        case NicConfig::Kind::Switch:
            if (SwitchStarter start = switch_starter.load()) start(nic.name_or_ifname);
            return std::make_unique<net::SwitchEndpoint>(
                link, net::switch_socket_path(nic.name_or_ifname));
        case NicConfig::Kind::User: {
            net::SlirpOptions options;
            for (const std::string& f : nic.hostfwd) {
                try {
                    options.hostfwd.push_back(net::parse_hostfwd(f));
                } catch (const std::invalid_argument& e) {
                    throw std::runtime_error(std::string("net user: ") + e.what());
                }
            }
            return std::make_unique<net::SlirpBackend>(link, std::move(options));
        }
        case NicConfig::Kind::Tap:
            return std::make_unique<net::TapBackend>(link, nic.name_or_ifname);
    }
    throw std::logic_error("open_net_backend: unknown NIC kind");
}

}  // namespace rvisor::machine
