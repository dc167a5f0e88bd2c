#include "api_run.hpp"

#include <cstdio>
#include <utility>

#include "api/vm_api_server.hpp"
#include "commands.hpp"
#include "machine/vm_controller.hpp"

namespace rvisor::cli {

int run_with_api(machine::VmConfig config, const std::filesystem::path& socket, bool start_now) {
    // --restore FILE: the API's snapshot load, done at once.
    const auto restore = std::exchange(config.restore_from, std::nullopt);
    machine::VmController controller(std::move(config));
    api::VmApiServer server(controller);  // destroyed first: it refers to the controller
    try {
        server.listen(socket);
        if (start_now && restore)
            controller.load_snapshot(*restore, true);
        else if (start_now)
            controller.start();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "rvisor run: %s\n", e.what());
        return kExitBadInput;
    }
    const machine::VmExit exit = controller.wait();
    if (exit.kind != machine::VmExit::Kind::Poweroff)
        std::fprintf(stderr, "\nrvisor: %s\n", exit.describe().c_str());
    return exit.exit_code();
}

}  // namespace rvisor::cli
