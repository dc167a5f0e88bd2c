// The manager API's HTTP server: cpp-httplib parses requests, routes them and writes the
// responses, but the connections are ours. cpp-httplib 0.11 (Debian 12) listens only on TCP
// and cannot hand a connection over after an HTTP Upgrade, so this class accepts on any
// listening socket (Unix or TCP) itself and drives httplib's request processing
// (Server::process_request) over a Stream of its own; a handler may take the connection
// out of httplib's hands (take_connection()) to speak a raw protocol after "101".
#pragma once

#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace rvisor::vmm {

struct TakenConnection {
    int fd = -1;           // owned by the taker now
    std::string buffered;  // bytes the client sent after the request head
};

class HttpServer : public httplib::Server {
  public:
    HttpServer();
    ~HttpServer() override;

    // Accepts on `listen_fd` (taken over) on a thread of its own. `peer_check` runs on each
    // new connection; false closes it unanswered.
    void serve(int listen_fd, std::function<bool(int fd)> peer_check = {});
    // Stops accepting, shuts every open connection down and waits for their threads.
    void shutdown();

    // From a handler: takes the connection of the request being handled. Whatever the
    // handler then puts in the Response is discarded; the caller writes the raw answer.
    static std::optional<TakenConnection> take_connection();

  private:
    class ConnectionStream;
    void accept_loop(int listen_fd, std::function<bool(int)> peer_check);
    void serve_connection(int fd);

    std::mutex mutex_;
    std::condition_variable idle_;
    std::vector<int> listen_fds_;
    std::vector<std::thread> acceptors_;
    std::vector<int> open_fds_;
    std::atomic<bool> stopping_{false};
    static thread_local ConnectionStream* current_stream_;
};

}  // namespace rvisor::vmm
