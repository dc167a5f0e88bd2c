// `rvisor run --api-sock PATH`: the VM under the per-VM HTTP API (api/vm_api_server.hpp).
#pragma once

#include <filesystem>

#include "machine/vm_config.hpp"

namespace rvisor::cli {

// Serves the API on `socket` for the VM described by `config`. With `start_now` the VM boots
// at once (a complete config); otherwise it waits for the API's InstanceStart (Firecracker's
// flow). Returns the process exit code: the VM's, once the guest stops; 2 when the socket or
// the configuration is refused.
int run_with_api(machine::VmConfig config, const std::filesystem::path& socket, bool start_now);

}  // namespace rvisor::cli
