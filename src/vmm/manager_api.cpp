#include "vmm/manager_api.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "vmm/api_error.hpp"

namespace rvisor::vmm {

using nlohmann::json;

bool bearer_token_matches(const std::string& header, const std::string& token) {
    const std::string expected = "Bearer " + token;
    unsigned char diff = header.size() == expected.size() ? 0 : 1;
    for (std::size_t i = 0; i < expected.size(); ++i)
        diff |= static_cast<unsigned char>(expected[i] ^ (i < header.size() ? header[i] : 0));
    return diff == 0;
}

std::string read_token_file(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throw std::runtime_error(path + ": cannot read token file");
    if (!S_ISREG(st.st_mode)) throw std::runtime_error(path + ": token file is not a regular file");
    if ((st.st_mode & 077) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
        throw std::runtime_error(path + ": token file has mode " + mode +
                                 "; it must not be readable by group or others (chmod 600)");
    }
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    std::string token = s.str();
    while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back())))
        token.pop_back();
    if (token.empty()) throw std::runtime_error(path + ": token file is empty");
    if (token.find_first_of(" \t\r\n") != std::string::npos)
        throw std::runtime_error(path + ": the token must be one word");
    return token;
}

namespace {

void send_json(httplib::Response& res, int status, const json& body) {
    res.status = status;
    res.set_content(body.dump(2) + "\n", "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& message) {
    send_json(res, status, json{{"error", message}});
}

json parse_body(const httplib::Request& req) {
    if (req.body.empty()) throw ApiError(400, "the request needs a JSON body");
    try {
        return json::parse(req.body);
    } catch (const json::parse_error& e) {
        throw ApiError(400, std::string("malformed JSON: ") + e.what());
    }
}

// Runs `fn`, turning ApiError (and anything else) into {"error": ...}.
template <typename Fn>
httplib::Server::Handler handler(Fn fn) {
    return [fn](const httplib::Request& req, httplib::Response& res) {
        try {
            fn(req, res);
        } catch (const ApiError& e) {
            send_error(res, e.status(), e.what());
        } catch (const std::exception& e) {
            send_error(res, 500, e.what());
        }
    };
}

bool truthy(const std::string& v) {
    return v.empty() || v == "1" || v == "true" || v == "yes";
}

// GET /vms/NAME/console with "Connection: Upgrade" and "Upgrade: rvisor-console": a 101
// answer, then raw bytes both ways (the last 64 KiB of output first). Without the upgrade
// headers: the replay buffer as text.
void console_route(Manager& manager, const httplib::Request& req, httplib::Response& res) {
    const std::string name = req.matches[1];
    auto hub = manager.console(name);
    std::string connection = req.get_header_value("Connection");
    for (auto& c : connection) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const bool upgrade = connection.find("upgrade") != std::string::npos &&
                         req.get_header_value("Upgrade") == "rvisor-console";
    if (!upgrade) {
        res.set_content(hub->replay(), "application/octet-stream");
        return;
    }
    auto taken = HttpServer::take_connection();
    if (!taken) throw ApiError(500, "the connection cannot be upgraded");
    hub->attach(taken->fd,
                "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
                "Upgrade: rvisor-console\r\n\r\n",
                taken->buffered);
}

}  // namespace

void add_manager_routes(HttpServer& server, Manager& m, const std::optional<std::string>& token) {
    const std::string vm = "/vms/([^/]+)";
    if (token) {
        server.set_pre_routing_handler(
            [t = *token](const httplib::Request& req, httplib::Response& res) {
                if (bearer_token_matches(req.get_header_value("Authorization"), t))
                    return httplib::Server::HandlerResponse::Unhandled;
                res.set_header("WWW-Authenticate", "Bearer");
                send_error(res, 401, "missing or wrong bearer token (Authorization: Bearer TOKEN)");
                return httplib::Server::HandlerResponse::Handled;
            });
    }
    // Unrouted requests and httplib's own errors (400 for a bad request line, 413...).
    server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return;
        send_error(res, res.status,
                   res.status == 404
                       ? "no route for " + req.method + " " + req.path
                       : "bad request (HTTP status " + std::to_string(res.status) + ")");
    });

    server.Post("/vms", handler([&m](const auto& req, auto& res) {
                    send_json(res, 201, m.create(parse_body(req)));
                }));
    server.Get("/vms", handler([&m](const auto&, auto& res) { send_json(res, 200, m.list()); }));
    server.Post("/vms/restore", handler([&m](const auto& req, auto& res) {
                    bool created = false;
                    const json v = m.restore(std::nullopt, parse_body(req), created);
                    send_json(res, created ? 201 : 200, v);
                }));
    server.Get(vm, handler([&m](const auto& req, auto& res) {
                   send_json(res, 200, m.get(req.matches[1]));
               }));
    server.Delete(vm, handler([&m](const auto& req, auto& res) {
                      m.remove(req.matches[1],
                               req.has_param("force") && truthy(req.get_param_value("force")));
                      res.status = 204;
                  }));
    server.Post(vm + "/(start|stop|pause|resume)", handler([&m](const auto& req, auto& res) {
                    const std::string name = req.matches[1], action = req.matches[2];
                    json v;
                    if (action == "start")
                        v = m.start(name);
                    else if (action == "stop")
                        v = m.stop(name);
                    else if (action == "pause")
                        v = m.pause(name);
                    else
                        v = m.resume(name);
                    send_json(res, 200, v);
                }));
    server.Post(vm + "/snapshot", handler([&m](const auto& req, auto& res) {
                    send_json(res, 200, m.snapshot(req.matches[1], parse_body(req)));
                }));
    server.Post(vm + "/restore", handler([&m](const auto& req, auto& res) {
                    bool created = false;
                    const json v = m.restore(std::string(req.matches[1]), parse_body(req), created);
                    send_json(res, created ? 201 : 200, v);
                }));
    server.Get(vm + "/stats", handler([&m](const auto& req, auto& res) {
                   send_json(res, 200, m.stats(req.matches[1]));
               }));
    server.Get(vm + "/console",
               handler([&m](const auto& req, auto& res) { console_route(m, req, res); }));
    server.Get("/metrics", handler([&m](const auto&, auto& res) {
                   res.set_content(m.metrics(), "text/plain; version=0.0.4");
               }));
}

}  // namespace rvisor::vmm
