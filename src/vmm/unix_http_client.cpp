#include "vmm/unix_http_client.hpp"

#include "vmm/unix_socket.hpp"

namespace rvisor::vmm {

UnixHttpClient::UnixHttpClient(std::filesystem::path socket_path, int timeout_ms)
    : httplib::ClientImpl("localhost", 80), path_(std::move(socket_path)), timeout_ms_(timeout_ms) {
    set_connection_timeout(timeout_ms / 1000, (timeout_ms % 1000) * 1000);
    set_read_timeout(timeout_ms / 1000, (timeout_ms % 1000) * 1000);
    set_write_timeout(timeout_ms / 1000, (timeout_ms % 1000) * 1000);
    set_keep_alive(false);
}

bool UnixHttpClient::create_and_connect_socket(Socket& socket, httplib::Error& error) {
    const int fd = connect_unix(path_, timeout_ms_);
    if (fd < 0) {
        error = httplib::Error::Connection;
        return false;
    }
    socket.sock = fd;
    return true;
}

}  // namespace rvisor::vmm
