// The manager's HTTP transport: httplib routing over our own Unix-socket connections, the
// Unix-socket client, empty bodies without Content-Length, and taking a connection over.
#include "vmm/http_server.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "vmm/unix_http_client.hpp"
#include "vmm/unix_socket.hpp"

namespace rvisor::vmm {
namespace {

namespace fs = std::filesystem;

class HttpServerTest : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/rvisor-vmm-http-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        // A path longer than sun_path's 108 bytes (a deep state directory) goes through
        // /proc/self/fd.
        fs::create_directory(dir_ / std::string(100, 'x'));
        sock_ = dir_ / std::string(100, 'x') / "api.sock";
        server_.Get("/hello", [](const httplib::Request&, httplib::Response& res) {
            res.set_content("hi", "text/plain");
        });
        server_.Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
            res.set_content("[" + req.body + "]", "text/plain");
        });
        server_.Get("/raw", [](const httplib::Request&, httplib::Response& res) {
            auto taken = HttpServer::take_connection();
            ASSERT_TRUE(taken);
            const std::string answer = "RAW " + taken->buffered;
            ASSERT_EQ(::send(taken->fd, answer.data(), answer.size(), MSG_NOSIGNAL),
                      static_cast<ssize_t>(answer.size()));
            ::close(taken->fd);
            res.set_content("never sent", "text/plain");
        });
        server_.serve(listen_unix(sock_));
    }
    void TearDown() override {
        server_.shutdown();
        fs::remove_all(dir_);
    }
    std::string raw_exchange(const std::string& request) {
        const int fd = connect_unix(sock_, 2000);
        EXPECT_GE(fd, 0);
        EXPECT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL),
                  static_cast<ssize_t>(request.size()));
        std::string out;
        char buf[4096];
        for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) out.append(buf, n);
        ::close(fd);
        return out;
    }
    fs::path dir_, sock_;
    HttpServer server_;
};

TEST_F(HttpServerTest, RoutesThroughTheUnixClient) {
    UnixHttpClient client(sock_, 2000);
    auto r = client.Get("/hello");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "hi");
    r = client.Post("/echo", "body", "text/plain");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "[body]");
    r = client.Get("/nowhere");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 404);
    EXPECT_EQ(fs::status(sock_).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);
}

TEST_F(HttpServerTest, ARequestWithoutContentLengthHasAnEmptyBody) {
    const std::string out =
        raw_exchange("POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(out.rfind("HTTP/1.1 200", 0), 0u) << out;
    EXPECT_NE(out.find("\r\n\r\n[]"), std::string::npos) << out;
}

TEST_F(HttpServerTest, AHandlerTakesTheConnectionWithTheBytesAfterTheHead) {
    const std::string out = raw_exchange("GET /raw HTTP/1.1\r\nHost: x\r\n\r\nearly input");
    EXPECT_EQ(out, "RAW early input");
}

TEST(UnixHttpClient, ReportsAMissingServer) {
    UnixHttpClient client("/nonexistent/rvisord.sock", 500);
    const auto r = client.Get("/");
    EXPECT_FALSE(r);
    EXPECT_EQ(r.error(), httplib::Error::Connection);
}

}  // namespace
}  // namespace rvisor::vmm
