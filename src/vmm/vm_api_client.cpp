#include "vmm/vm_api_client.hpp"

#include "vmm/api_error.hpp"
#include "vmm/unix_http_client.hpp"

namespace rvisor::vmm {

using nlohmann::json;

json VmApiClient::call(const std::string& method, const std::string& path, const json* body,
                       int timeout_ms) const {
    UnixHttpClient client(socket_, timeout_ms);
    const std::string text = body ? body->dump() : "";
    httplib::Result r = method == "GET"     ? client.Get(path)
                        : method == "PATCH" ? client.Patch(path, text, "application/json")
                                            : client.Put(path, text, "application/json");
    if (!r)
        throw ApiError(502, "the VM process does not answer on " + socket_.string() + " (" +
                                httplib::to_string(r.error()) + ")");
    json answer = json::parse(r->body, nullptr, false);
    if (r->status >= 300) {
        std::string fault = r->body;
        if (answer.is_object() && answer.contains("fault_message") &&
            answer["fault_message"].is_string())
            fault = answer["fault_message"].get<std::string>();
        throw ApiError(r->status >= 500 ? 502 : 409,
                       "the VM refused " + method + " " + path + ": " + fault);
    }
    return answer.is_discarded() ? json(nullptr) : answer;
}

json VmApiClient::instance_info(int timeout_ms) const {
    return call("GET", "/", nullptr, timeout_ms);
}

void VmApiClient::set_state(const std::string& state) const {
    const json body = {{"state", state}};
    call("PATCH", "/vm", &body, 10000);
}

void VmApiClient::create_snapshot(const std::string& path) const {
    const json body = {{"snapshot_type", "Full"}, {"snapshot_path", path}};
    call("PUT", "/snapshot/create", &body, 120000);
}

void VmApiClient::load_snapshot(const std::string& path) const {
    const json body = {{"snapshot_path", path}, {"resume_vm", true}};
    call("PUT", "/snapshot/load", &body, 120000);
}

json VmApiClient::stats(int timeout_ms) const {
    return call("GET", "/stats", nullptr, timeout_ms);
}

}  // namespace rvisor::vmm
