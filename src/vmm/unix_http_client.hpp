// An HTTP client over a Unix socket: cpp-httplib 0.11's client with its connect step
// replaced (ClientImpl::create_and_connect_socket is its extension point), for the
// per-VM API sockets and for `rvisor` talking to rvisord.
#pragma once

#include <httplib.h>

#include <filesystem>

namespace rvisor::vmm {

class UnixHttpClient : public httplib::ClientImpl {
  public:
    // `timeout_ms` bounds the connect and each read/write.
    explicit UnixHttpClient(std::filesystem::path socket_path, int timeout_ms = 5000);

  protected:
    bool create_and_connect_socket(Socket& socket, httplib::Error& error) override;

  private:
    std::filesystem::path path_;
    int timeout_ms_;
};

}  // namespace rvisor::vmm
