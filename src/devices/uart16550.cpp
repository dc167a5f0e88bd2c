#include "devices/uart16550.hpp"

namespace rvisor::devices {

namespace {

// Register offsets (PC16550D datasheet, table II). Offsets 0 and 1 are the divisor latch when
// LCR.DLAB is set.
enum Reg : unsigned {
    kRbrThrDll = 0,
    kIerDlm = 1,
    kIirFcr = 2,
    kLcr = 3,
    kMcr = 4,
    kLsr = 5,
    kMsr = 6,
    kScr = 7,
    kRegCount = 8,
};

// IER bits.
constexpr u8 kIerRda = 0x01;   // ERBFI: received data available (and character timeout)
constexpr u8 kIerThre = 0x02;  // ETBEI: transmitter holding register empty
constexpr u8 kIerRls = 0x04;   // ELSI: receiver line status
constexpr u8 kIerMsi = 0x08;   // EDSSI: modem status
constexpr u8 kIerMask = 0x0f;  // bits 7:4 are always 0 (Linux's probe checks this)

// IIR interrupt identification, highest priority first (datasheet table IV).
constexpr u8 kIirNone = 0x01;
constexpr u8 kIirRls = 0x06;
constexpr u8 kIirRda = 0x04;
constexpr u8 kIirTimeout = 0x0c;
constexpr u8 kIirThre = 0x02;
constexpr u8 kIirMsi = 0x00;
constexpr u8 kIirFifoEnabled = 0xc0;  // bits 7:6 = 11 identify a 16550A with working FIFOs

// FCR bits.
constexpr u8 kFcrEnable = 0x01;
constexpr u8 kFcrClearRx = 0x02;

// MCR bits.
constexpr u8 kMcrDtr = 0x01;
constexpr u8 kMcrRts = 0x02;
constexpr u8 kMcrOut1 = 0x04;
constexpr u8 kMcrOut2 = 0x08;
constexpr u8 kMcrMask = 0x1f;  // bits 7:5 are always 0

// LSR bits.
constexpr u8 kLsrDr = 0x01;
constexpr u8 kLsrOe = 0x02;
constexpr u8 kLsrThre = 0x20;
constexpr u8 kLsrTemt = 0x40;

// MSR bits.
constexpr u8 kMsrDcts = 0x01;
constexpr u8 kMsrDdsr = 0x02;
constexpr u8 kMsrTeri = 0x04;
constexpr u8 kMsrDdcd = 0x08;
constexpr u8 kMsrCts = 0x10;
constexpr u8 kMsrDsr = 0x20;
constexpr u8 kMsrRi = 0x40;
constexpr u8 kMsrDcd = 0x80;

// FCR bits 7:6 select how many bytes raise "received data available".
constexpr u8 kTriggerLevels[4] = {1, 4, 8, 14};

// Divisor after reset. The datasheet leaves it undefined; QEMU uses 12 (9600 baud from a
// 1.8432 MHz clock), and matching it keeps firmware that reads it back unsurprised.
constexpr u8 kResetDll = 0x0c;

}  // namespace

Uart16550::Uart16550(TxSink tx, IrqLine irq) : tx_(std::move(tx)), irq_(irq) {
    std::lock_guard lock(mu_);
    reset_locked();
}

void Uart16550::set_irq_line(IrqLine irq) {
    std::lock_guard lock(mu_);
    irq_ = irq;
    update_irq();
}

void Uart16550::reset() {
    std::lock_guard lock(mu_);
    reset_locked();
}

void Uart16550::reset_locked() {
    // Datasheet table VIII ("UART reset configuration"): IER, IIR (=01), FCR, LCR, MCR and the
    // LSR error bits clear; LSR reads 0x60 (transmitter empty). The divisor and SCR are not
    // reset on hardware; a VM reset is a power cycle, so they get their power-on values too.
    rx_head_ = 0;
    rx_count_ = 0;
    fifo_enabled_ = false;
    rx_trigger_ = 1;
    ier_ = 0;
    lcr_ = 0;
    mcr_ = 0;
    scr_ = 0;
    dll_ = kResetDll;
    dlm_ = 0;
    msr_delta_ = 0;
    overrun_ = false;
    thre_pending_ = false;
    timeout_pending_ = false;
    update_irq();
}

bool Uart16550::read(u64 offset, unsigned, u64& value) {
    if (offset >= kRegCount) return false;
    std::lock_guard lock(mu_);
    value = read_reg(static_cast<unsigned>(offset));
    update_irq();
    return true;
}

bool Uart16550::write(u64 offset, unsigned, u64 value) {
    if (offset >= kRegCount) return false;
    u8 tx = 0;
    bool transmit = false;
    {
        std::lock_guard lock(mu_);
        transmit = write_reg(static_cast<unsigned>(offset), static_cast<u8>(value), tx);
        update_irq();
    }
    // Outside the lock: the sink may block on host output or feed input back in.
    if (transmit && tx_) tx_(tx);
    return true;
}

u8 Uart16550::read_reg(unsigned reg) {
    switch (reg) {
        case kRbrThrDll: {
            if (dlab()) return dll_;
            // Datasheet: reading RBR clears the character timeout interrupt (and restarts the
            // timer, i.e. the host must report idleness again).
            timeout_pending_ = false;
            if (rx_count_ == 0) return 0;
            const u8 b = rx_[rx_head_];
            rx_head_ = (rx_head_ + 1) % kFifoSize;
            --rx_count_;
            return b;
        }
        case kIerDlm: return dlab() ? dlm_ : ier_;
        case kIirFcr: {
            // IIR is visible whatever DLAB says. Datasheet table IV: reading IIR clears the THRE
            // interrupt if it is the source being reported; other sources clear only by
            // servicing them (reading RBR, LSR or MSR).
            const u8 id = interrupt_id();
            if (id == kIirThre) thre_pending_ = false;
            return id | (fifo_enabled_ ? kIirFifoEnabled : 0);
        }
        case kLcr: return lcr_;
        case kMcr: return mcr_;
        case kLsr: {
            // THRE and TEMT are always set: transmission is instantaneous. Reading LSR clears
            // the overrun error (and with it the receiver line status interrupt).
            u8 lsr = kLsrThre | kLsrTemt;
            if (rx_count_ > 0) lsr |= kLsrDr;
            if (overrun_) lsr |= kLsrOe;
            overrun_ = false;
            return lsr;
        }
        case kMsr: {
            // Reading MSR clears the delta bits and so the modem status interrupt.
            const u8 msr = modem_status() | msr_delta_;
            msr_delta_ = 0;
            return msr;
        }
        case kScr: return scr_;
        default: return 0;
    }
}

bool Uart16550::write_reg(unsigned reg, u8 v, u8& tx) {
    switch (reg) {
        case kRbrThrDll:
            if (dlab()) {
                dll_ = v;
                return false;
            }
            // Writing THR clears the THRE interrupt (datasheet table IV). The byte leaves at once,
            // so THR is empty again immediately, and THR becoming empty raises the THRE
            // interrupt again: the net effect is that it stays pending. Linux's 8250 driver
            // sends at most a FIFO's worth per THRE interrupt and relies on the next one coming.
            thre_pending_ = true;
            if (loopback()) {
                // Loopback: the transmitter output is wired to the receiver input.
                receive(v);
                return false;
            }
            tx = v;
            return true;
        case kIerDlm:
            if (dlab()) {
                dlm_ = v;
            } else {
                // Enabling ETBEI while THR is empty raises the THRE interrupt even if an earlier
                // one was already cleared by an IIR read. Real 16550s do this, and Linux's
                // 8250 driver checks it at startup (UART_BUG_THRE) and kicks transmission this
                // way. THR is always empty here.
                if (!(ier_ & kIerThre) && (v & kIerThre)) thre_pending_ = true;
                ier_ = v & kIerMask;
            }
            return false;
        case kIirFcr: {
            const bool enable = v & kFcrEnable;
            // Datasheet: switching between FIFO and 16450 mode clears the FIFOs.
            if (enable != fifo_enabled_) clear_rx();
            fifo_enabled_ = enable;
            // Datasheet: the other FCR bits are only programmed while FCR0 is (being set) 1.
            if (!enable) return false;
            if (v & kFcrClearRx) clear_rx();
            // FCR bit 2 (clear TX FIFO) has nothing to clear: transmission is instantaneous.
            rx_trigger_ = kTriggerLevels[v >> 6];
            return false;
        }
        case kLcr: lcr_ = v; return false;
        case kMcr: {
            // In loopback the modem inputs follow the outputs (datasheet, MCR bit 4): CTS=RTS,
            // DSR=DTR, RI=OUT1, DCD=OUT2. A change of an input sets its delta bit in MSR.
            const u8 before = modem_status();
            mcr_ = v & kMcrMask;
            const u8 after = modem_status();
            const u8 changed = before ^ after;
            if (changed & kMsrCts) msr_delta_ |= kMsrDcts;
            if (changed & kMsrDsr) msr_delta_ |= kMsrDdsr;
            if (changed & kMsrDcd) msr_delta_ |= kMsrDdcd;
            if ((before & kMsrRi) && !(after & kMsrRi)) msr_delta_ |= kMsrTeri;  // trailing edge
            return false;
        }
        case kScr: scr_ = v; return false;
        default:
            // LSR and MSR are read-only (datasheet: writes are for factory test only).
            return false;
    }
}

void Uart16550::receive(u8 byte) {
    if (rx_count_ < rx_capacity()) {
        rx_[(rx_head_ + rx_count_) % kFifoSize] = byte;
        ++rx_count_;
        return;
    }
    // Overrun. FIFO mode: the FIFO keeps its contents and the new character is lost. 16450
    // mode: the new character overwrites the unread one in RBR (datasheet, LSR bit 1).
    overrun_ = true;
    if (!fifo_enabled_) rx_[rx_head_] = byte;
}

void Uart16550::clear_rx() {
    rx_head_ = 0;
    rx_count_ = 0;
    timeout_pending_ = false;
}

u8 Uart16550::modem_status() const {
    if (!loopback()) {
        // No real modem: report carrier, data set ready and clear to send, so drivers that
        // honour flow control (and Linux's CLOCAL-less ttys) see a connected line.
        return kMsrDcd | kMsrDsr | kMsrCts;
    }
    u8 s = 0;
    if (mcr_ & kMcrRts) s |= kMsrCts;
    if (mcr_ & kMcrDtr) s |= kMsrDsr;
    if (mcr_ & kMcrOut1) s |= kMsrRi;
    if (mcr_ & kMcrOut2) s |= kMsrDcd;
    return s;
}

u8 Uart16550::interrupt_id() const {
    // Datasheet table IV priority: line status > data available / timeout > THRE > modem status.
    if ((ier_ & kIerRls) && overrun_) return kIirRls;
    if ((ier_ & kIerRda) && rx_count_ > 0) {
        // In 16450 mode one byte is "data available". In FIFO mode it takes the trigger level;
        // fewer bytes interrupt only as a character timeout, which the host reports via
        // rx_idle().
        if (!fifo_enabled_ || rx_count_ >= rx_trigger_) return kIirRda;
        if (timeout_pending_) return kIirTimeout;
    }
    if ((ier_ & kIerThre) && thre_pending_) return kIirThre;
    if ((ier_ & kIerMsi) && msr_delta_) return kIirMsi;
    return kIirNone;
}

void Uart16550::update_irq() {
    // Level-triggered: called after every state change, under the lock so concurrent updates
    // cannot reach the sink out of order.
    irq_.set(interrupt_id() != kIirNone);
}

void Uart16550::push_rx(std::span<const u8> bytes) {
    std::lock_guard lock(mu_);
    if (loopback()) return;
    for (u8 b : bytes) receive(b);
    update_irq();
}

void Uart16550::rx_idle() {
    std::lock_guard lock(mu_);
    if (fifo_enabled_ && rx_count_ > 0) timeout_pending_ = true;
    update_irq();
}

bool Uart16550::rx_has_space() const {
    std::lock_guard lock(mu_);
    return !loopback() && rx_count_ < rx_capacity();
}

}  // namespace rvisor::devices

namespace rvisor::devices {

void Uart16550::save(mem::StateWriter& w) const {
    std::lock_guard lock(mu_);
    w.begin("uart16550", 1);
    w.put_array<u8>(rx_);
    w.put<u32>(rx_head_);
    w.put<u32>(rx_count_);
    w.put<bool>(fifo_enabled_);
    for (u8 v : {rx_trigger_, ier_, lcr_, mcr_, scr_, dll_, dlm_, msr_delta_}) w.put<u8>(v);
    w.put<bool>(overrun_);
    w.put<bool>(thre_pending_);
    w.put<bool>(timeout_pending_);
}

void Uart16550::load(mem::StateReader& r) {
    r.begin("uart16550", 1);
    std::lock_guard lock(mu_);
    r.get_array<u8>(rx_, "UART FIFO size");
    rx_head_ = r.get<u32>();
    rx_count_ = r.get<u32>();
    if (rx_head_ >= kFifoSize || rx_count_ > kFifoSize) r.fail("UART FIFO position out of range");
    fifo_enabled_ = r.get<bool>();
    for (u8* v : {&rx_trigger_, &ier_, &lcr_, &mcr_, &scr_, &dll_, &dlm_, &msr_delta_})
        *v = r.get<u8>();
    overrun_ = r.get<bool>();
    thre_pending_ = r.get<bool>();
    timeout_pending_ = r.get<bool>();
    update_irq();
}

}  // namespace rvisor::devices
