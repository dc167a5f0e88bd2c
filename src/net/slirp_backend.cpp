#include "net/slirp_backend.hpp"

#include <arpa/inet.h>
#include <slirp/libslirp.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace rvisor::net {

namespace {

// QEMU's defaults for -netdev user (see the header).
constexpr const char* kNetwork = "10.0.2.0";
constexpr const char* kNetmask = "255.255.255.0";
constexpr const char* kHost = "10.0.2.2";
constexpr const char* kDns = "10.0.2.3";
constexpr const char* kDhcpStart = "10.0.2.15";

in_addr ipv4(const char* s) {
    in_addr a{};
    ::inet_pton(AF_INET, s, &a);
    return a;
}

i64 now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

void wake(int fd) {
    const u64 one = 1;
    [[maybe_unused]] const auto r = ::write(fd, &one, sizeof one);
}

// ---- hostfwd parsing ----

[[noreturn]] void bad(std::string_view spec, const std::string& what) {
    throw std::invalid_argument("hostfwd '" + std::string(spec) + "': " + what);
}

u16 parse_port(std::string_view spec, std::string_view s, const char* side) {
    unsigned v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v == 0 || v > 65535)
        bad(spec, std::string("bad ") + side + " port '" + std::string(s) + "' (1 to 65535)");
    return static_cast<u16>(v);
}

std::string parse_addr(std::string_view spec, std::string_view s, const char* side) {
    if (s.empty()) return {};
    const std::string a(s);
    in_addr out{};
    if (::inet_pton(AF_INET, a.c_str(), &out) != 1)
        bad(spec, std::string("bad ") + side + " address '" + a + "' (an IPv4 address)");
    return a;
}

// "[addr]:port" -> (addr, port)
void parse_side(std::string_view spec, std::string_view s, const char* side, std::string& addr,
                u16& port) {
    const auto colon = s.rfind(':');
    if (colon == std::string_view::npos)
        bad(spec, std::string("missing ':' in ") + side + " part '" + std::string(s) +
                      "' (expected [" + side + "addr]:" + side + "port)");
    addr = parse_addr(spec, s.substr(0, colon), side);
    port = parse_port(spec, s.substr(colon + 1), side);
}

}  // namespace

HostForward parse_hostfwd(std::string_view spec) {
    HostForward f;
    const auto colon = spec.find(':');
    const auto dash = spec.find('-');
    if (colon == std::string_view::npos || dash == std::string_view::npos || dash < colon)
        bad(spec, "expected [tcp|udp]:[hostaddr]:hostport-[guestaddr]:guestport");
    const std::string_view proto = spec.substr(0, colon);
    if (proto == "udp")
        f.proto = HostForward::Proto::Udp;
    else if (proto != "tcp" && !proto.empty())
        bad(spec, "unknown protocol '" + std::string(proto) + "' (tcp or udp)");
    parse_side(spec, spec.substr(colon + 1, dash - colon - 1), "host", f.host_addr, f.host_port);
    parse_side(spec, spec.substr(dash + 1), "guest", f.guest_addr, f.guest_port);
    return f;
}

std::string describe_host_side(const HostForward& f) {
    return std::string(f.proto == HostForward::Proto::Udp ? "udp " : "tcp ") +
           (f.host_addr.empty() ? "0.0.0.0" : f.host_addr) + ":" + std::to_string(f.host_port);
}

// ---- timers ----

struct SlirpBackend::Timer {
    SlirpTimerCb cb = nullptr;  // timer_new kind
    SlirpTimerId id{};          // timer_new_opaque kind (cb == nullptr)
    void* cb_opaque = nullptr;
    i64 expire_ms = -1;  // -1: not armed
};

void SlirpBackend::SlirpDeleter::operator()(Slirp* s) const {
    slirp_cleanup(s);
}

// The C callbacks; `opaque` is the SlirpBackend.
struct SlirpBackend::Callbacks {
    static SlirpBackend& self(void* opaque) { return *static_cast<SlirpBackend*>(opaque); }

    static ssize_t send_packet(const void* buf, size_t len, void* opaque) {
        SlirpBackend& b = self(opaque);
        b.count_rx();
        b.switch_.send(b.port_, std::span<const u8>(static_cast<const u8*>(buf), len));
        return static_cast<ssize_t>(len);
    }
    static void guest_error(const char*, void*) {}  // a hostile guest is not our log's problem
    static int64_t clock_get_ns(void*) { return now_ns(); }
    static void* timer_new(SlirpTimerCb cb, void* cb_opaque, void* opaque) {
        auto t = std::make_unique<Timer>();
        t->cb = cb;
        t->cb_opaque = cb_opaque;
        return self(opaque).timers_.emplace_back(std::move(t)).get();
    }
    static void* timer_new_opaque(SlirpTimerId id, void* cb_opaque, void* opaque) {
        auto t = std::make_unique<Timer>();
        t->id = id;
        t->cb_opaque = cb_opaque;
        return self(opaque).timers_.emplace_back(std::move(t)).get();
    }
    static void timer_free(void* timer, void* opaque) {
        std::erase_if(self(opaque).timers_, [timer](const auto& t) { return t.get() == timer; });
    }
    static void timer_mod(void* timer, int64_t expire_ms, void*) {
        static_cast<Timer*>(timer)->expire_ms = expire_ms;
    }
    // We rebuild the poll set on every iteration from slirp_pollfds_fill.
    static void register_poll_fd(int, void*) {}
    static void unregister_poll_fd(int, void*) {}
    static void notify(void* opaque) { wake(self(opaque).wake_fd_); }

    static int add_poll(int fd, int events, void* opaque) {
        short ev = 0;
        if (events & SLIRP_POLL_IN) ev |= POLLIN;
        if (events & SLIRP_POLL_OUT) ev |= POLLOUT;
        if (events & SLIRP_POLL_PRI) ev |= POLLPRI;
        auto& fds = self(opaque).pollfds_;
        fds.push_back(pollfd{fd, ev, 0});
        return static_cast<int>(fds.size() - 1);
    }
    static int get_revents(int idx, void* opaque) {
        const auto& fds = self(opaque).pollfds_;
        if (idx < 0 || static_cast<std::size_t>(idx) >= fds.size()) return 0;
        const short re = fds[static_cast<std::size_t>(idx)].revents;
        int out = 0;
        if (re & POLLIN) out |= SLIRP_POLL_IN;
        if (re & POLLOUT) out |= SLIRP_POLL_OUT;
        if (re & POLLPRI) out |= SLIRP_POLL_PRI;
        if (re & POLLERR) out |= SLIRP_POLL_ERR;
        if (re & POLLHUP) out |= SLIRP_POLL_HUP;
        return out;
    }
};

SlirpBackend::SlirpBackend(EthernetSwitch& sw, SlirpOptions options)
    : switch_(sw), options_(std::move(options)) {
    static const SlirpCb callbacks = [] {
        SlirpCb cb{};
        cb.send_packet = &Callbacks::send_packet;
        cb.guest_error = &Callbacks::guest_error;
        cb.clock_get_ns = &Callbacks::clock_get_ns;
        cb.timer_new = &Callbacks::timer_new;
        cb.timer_free = &Callbacks::timer_free;
        cb.timer_mod = &Callbacks::timer_mod;
        cb.register_poll_fd = &Callbacks::register_poll_fd;
        cb.unregister_poll_fd = &Callbacks::unregister_poll_fd;
        cb.notify = &Callbacks::notify;
        cb.timer_new_opaque = &Callbacks::timer_new_opaque;
        return cb;
    }();

    wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd_ < 0)
        throw std::runtime_error(std::string("user network: eventfd: ") + std::strerror(errno));

    SlirpConfig cfg{};
    cfg.version = 4;
    cfg.restricted = 0;
    cfg.in_enabled = true;
    cfg.vnetwork = ipv4(kNetwork);
    cfg.vnetmask = ipv4(kNetmask);
    cfg.vhost = ipv4(kHost);
    cfg.in6_enabled = false;
    cfg.vdhcp_start = ipv4(kDhcpStart);
    cfg.vnameserver = ipv4(kDns);
    cfg.if_mtu = 0;  // libslirp's default, 1500
    cfg.if_mru = 0;
    cfg.disable_host_loopback = false;
    cfg.enable_emu = false;
    slirp_.reset(slirp_new(&cfg, &callbacks, this));
    if (!slirp_) {
        ::close(wake_fd_);
        throw std::runtime_error("user network: libslirp failed to start");
    }
    for (const HostForward& f : options_.hostfwd) {
        const in_addr host = f.host_addr.empty() ? in_addr{INADDR_ANY} : ipv4(f.host_addr.c_str());
        const in_addr guest = ipv4(f.guest_addr.empty() ? kDhcpStart : f.guest_addr.c_str());
        if ((guest.s_addr & cfg.vnetmask.s_addr) != cfg.vnetwork.s_addr) {
            slirp_.reset();
            ::close(wake_fd_);
            throw std::runtime_error("user network: cannot forward " + describe_host_side(f) +
                                     ": guest address " + f.guest_addr + " is not in " + kNetwork +
                                     "/24");
        }
        errno = 0;
        if (slirp_add_hostfwd(slirp_.get(), f.proto == HostForward::Proto::Udp, host, f.host_port,
                              guest, f.guest_port) < 0) {
            const int err = errno;
            slirp_.reset();
            ::close(wake_fd_);
            throw std::runtime_error("user network: cannot forward " + describe_host_side(f) +
                                     ": " + (err ? std::strerror(err) : "cannot bind"));
        }
    }
    port_ = switch_.attach(*this);
    thread_ = std::jthread([this](std::stop_token st) { thread_main(st); });
}

SlirpBackend::~SlirpBackend() {
    switch_.detach(port_);  // no deliver() after this
    thread_.request_stop();
    wake(wake_fd_);
    thread_.join();
    slirp_.reset();  // its timer_free callbacks need timers_, still alive here
    ::close(wake_fd_);
}

std::string SlirpBackend::describe() const {
    std::string s = "user network 10.0.2.0/24 (gateway 10.0.2.2, dns 10.0.2.3, guest 10.0.2.15)";
    for (const HostForward& f : options_.hostfwd)
        s += ", hostfwd " + describe_host_side(f) + "->" +
             (f.guest_addr.empty() ? kDhcpStart : f.guest_addr) + ":" +
             std::to_string(f.guest_port);
    return s;
}

void SlirpBackend::deliver(std::span<const u8> frame) {
    // Called with the switch locked: queue and wake the slirp thread, nothing more.
    {
        std::lock_guard lock(mu_);
        if (queue_.size() >= kMaxQueued || frame.size() > kMaxFrame) {
            count_drop();
            return;
        }
        queue_.emplace_back(frame.begin(), frame.end());
    }
    wake(wake_fd_);
}

int SlirpBackend::poll_timeout_ms(int slirp_ms) const {
    i64 t = slirp_ms;
    const i64 now_ms = now_ns() / 1'000'000;
    for (const auto& timer : timers_)
        if (timer->expire_ms >= 0) t = std::min(t, std::max<i64>(0, timer->expire_ms - now_ms));
    return static_cast<int>(t);
}

void SlirpBackend::fire_timers() {
    const i64 now_ms = now_ns() / 1'000'000;
    // A callback may free or re-arm timers: collect the due ones first, fire them by identity.
    std::vector<Timer*> due;
    for (const auto& t : timers_)
        if (t->expire_ms >= 0 && t->expire_ms <= now_ms) due.push_back(t.get());
    for (Timer* t : due) {
        const bool alive = std::any_of(timers_.begin(), timers_.end(),
                                       [t](const auto& p) { return p.get() == t; });
        if (!alive) continue;
        t->expire_ms = -1;
        if (t->cb)
            t->cb(t->cb_opaque);
        else
            slirp_handle_timer(slirp_.get(), t->id, t->cb_opaque);
    }
}

void SlirpBackend::thread_main(std::stop_token stop) {
    std::deque<std::vector<u8>> frames;
    while (!stop.stop_requested()) {
        {
            std::lock_guard lock(mu_);
            frames.swap(queue_);
        }
        for (const auto& f : frames) {
            count_tx();
            slirp_input(slirp_.get(), f.data(), static_cast<int>(f.size()));
        }
        frames.clear();

        pollfds_.clear();
        pollfds_.push_back(pollfd{wake_fd_, POLLIN, 0});
        u32 timeout = 1000;  // slirp only lowers it; also bounds how stale a stop can get
        slirp_pollfds_fill(slirp_.get(), &timeout, &Callbacks::add_poll, this);
        const int r = ::poll(pollfds_.data(), pollfds_.size(),
                             poll_timeout_ms(static_cast<int>(std::min<u32>(timeout, 1000))));
        if (r > 0 && (pollfds_[0].revents & POLLIN)) {
            u64 v;
            [[maybe_unused]] const auto n = ::read(wake_fd_, &v, sizeof v);
        }
        fire_timers();
        slirp_pollfds_poll(slirp_.get(), r < 0 ? 1 : 0, &Callbacks::get_revents, this);
    }
}

}  // namespace rvisor::net
