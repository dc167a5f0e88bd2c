#include "devices/virtio/virtio_net.hpp"

#include <algorithm>
#include <cstring>

namespace rvisor::devices::virtio {

VirtioNet::VirtioNet(net::EthernetSwitch& sw, std::array<u8, 6> mac) : switch_(sw) {
    std::copy(mac.begin(), mac.end(), config_.begin());
    const u16 status = kNetSLinkUp;
    std::memcpy(config_.data() + 6, &status, 2);
    port_ = switch_.attach(*this);
}

VirtioNet::~VirtioNet() {
    switch_.detach(port_);  // no deliver() after this; then worker_ joins the I/O thread
}

NetStats VirtioNet::stats() const {
    constexpr auto r = std::memory_order_relaxed;
    return {rx_bytes_.load(r), rx_frames_.load(r), rx_dropped_.load(r),
            tx_bytes_.load(r), tx_frames_.load(r), tx_dropped_.load(r)};
}

void VirtioNet::read_config(u64 offset, std::span<u8> out) {
    // Constant: no lock needed. Bytes past its end read as 0.
    for (std::size_t i = 0; i < out.size(); ++i) {
        const u64 at = offset + i;
        out[i] = at < config_.size() ? config_[at] : 0;
    }
}

void VirtioNet::activate(VirtioHost& host, u64) {
    {
        std::lock_guard lock(rx_mu_);
        rx_host_ = &host;
        rx_broken_ = false;
    }
    worker_.activate(host);  // sends whatever the driver queued before DRIVER_OK
}

void VirtioNet::queue_notify(unsigned q) {
    // An rx kick needs nothing: buffers are taken when a frame arrives.
    if (q == kTxQueue) worker_.kick();
}

void VirtioNet::reset() {
    {
        // deliver() holds rx_mu_ while it writes guest RAM: none is under way after this.
        std::lock_guard lock(rx_mu_);
        rx_host_ = nullptr;
    }
    worker_.reset();
}

void VirtioNet::pause() {
    {
        std::lock_guard lock(rx_mu_);  // as in reset()
        rx_paused_ = true;
    }
    worker_.pause();
}

void VirtioNet::resume() {
    {
        std::lock_guard lock(rx_mu_);
        rx_paused_ = false;
    }
    worker_.resume();  // tx chains queued during the pause (or left by a cut batch)
}

void VirtioNet::deliver(std::span<const u8> frame) {
    std::lock_guard lock(rx_mu_);
    // A paused VM's RAM must not change (it may be being snapshotted): the frame is lost, as
    // on a wire to a stopped machine.
    if (!rx_host_ || rx_broken_ || rx_paused_) {
        ++rx_dropped_;
        return;
    }
    VirtioHost& host = *rx_host_;
    Virtqueue* vq = host.queue(kRxQueue);
    if (!vq) {
        ++rx_dropped_;
        return;
    }
    const Virtqueue::Pop r = vq->pop(rx_chain_);
    if (r != Virtqueue::Pop::Chain) {
        ++rx_dropped_;
        if (r == Virtqueue::Pop::Error) {
            rx_broken_ = true;
            host.needs_reset();
        }
        return;
    }
    bool in_ram = true;
    for (const Segment& s : rx_chain_.segments) in_ram = in_ram && s.in_ram();
    const u64 need = kNetHdrBytes + frame.size();
    u32 written = 0;
    // Section 5.1.6.3: receive buffers are device-writable only.
    if (in_ram && rx_chain_.readable_bytes == 0 && rx_chain_.writable_bytes >= need) {
        std::array<u8, kNetHdrBytes> hdr{};
        const u16 num_buffers = 1;
        std::memcpy(hdr.data() + 10, &num_buffers, 2);
        // Header then frame, across the writable buffers in order.
        u64 done = 0;
        for (const Segment& s : rx_chain_.segments) {
            u64 pos = 0;
            while (pos < s.len && done < need) {
                const bool in_hdr = done < kNetHdrBytes;
                const u8* src = in_hdr ? hdr.data() + done : frame.data() + (done - kNetHdrBytes);
                const u64 left = in_hdr ? kNetHdrBytes - done : need - done;
                const u64 n = std::min<u64>(s.len - pos, left);
                std::memcpy(s.host.data() + pos, src, n);
                pos += n;
                done += n;
            }
            if (done == need) break;
        }
        written = static_cast<u32>(need);
        rx_bytes_.fetch_add(frame.size(), std::memory_order_relaxed);
        rx_frames_.fetch_add(1, std::memory_order_relaxed);
    } else {
        ++rx_dropped_;
    }
    vq->push(rx_chain_, written);
    if (vq->needs_interrupt()) host.notify_used();
    if (!in_ram) {
        rx_broken_ = true;
        host.needs_reset();
    }
}

void VirtioNet::serve(VirtioHost& host) {
    if (Virtqueue* vq = host.queue(kTxQueue)) process_tx(host, *vq);
}

void VirtioNet::process_tx(VirtioHost& host, Virtqueue& vq) {
    for (;;) {
        while (!worker_.stop_requested()) {
            const Virtqueue::Pop r = vq.pop(tx_chain_);
            if (r == Virtqueue::Pop::Empty) break;
            if (r == Virtqueue::Pop::Error) {
                host.needs_reset();
                return;
            }
            const bool in_ram = gather_tx(tx_chain_);
            const bool sendable = in_ram && frame_.size() >= kNetHdrBytes + net::kEthHeaderBytes &&
                                  frame_.size() <= kNetHdrBytes + kMaxFrame;
            // Counted before the chain is returned, so a driver that saw it used sees it counted.
            if (sendable) {
                tx_bytes_.fetch_add(frame_.size() - kNetHdrBytes, std::memory_order_relaxed);
                tx_frames_.fetch_add(1, std::memory_order_relaxed);
            } else if (in_ram) {
                tx_dropped_.fetch_add(1, std::memory_order_relaxed);
            }
            vq.push(tx_chain_.head, 0);
            if (!in_ram) {
                if (vq.needs_interrupt()) host.notify_used();
                host.needs_reset();
                return;
            }
            if (sendable) switch_.send(port_, std::span<const u8>(frame_).subspan(kNetHdrBytes));
        }
        if (vq.needs_interrupt()) host.notify_used();
        if (worker_.stop_requested() || !vq.arm_notification()) return;
    }
}

bool VirtioNet::gather_tx(const Chain& chain) {
    frame_.clear();
    // Section 5.1.6.2: the header and packet are device-readable; writable descriptors (a
    // driver bug) are ignored. Copy at most one byte past the limit, to detect oversize.
    const u64 limit = u64{kNetHdrBytes} + kMaxFrame + 1;
    for (const Segment& s : chain.segments) {
        if (!s.in_ram()) return false;
        if (s.writable || frame_.size() >= limit) continue;
        const u64 n = std::min<u64>(s.len, limit - frame_.size());
        frame_.insert(frame_.end(), s.host.begin(),
                      s.host.begin() + static_cast<std::ptrdiff_t>(n));
    }
    return true;
}

}  // namespace rvisor::devices::virtio
