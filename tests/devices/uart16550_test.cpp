#include "devices/uart16550.hpp"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <initializer_list>
#include <thread>
#include <utility>
#include <vector>

#include "mem/address_map.hpp"
#include "mem/bus.hpp"
#include "mem/guest_ram.hpp"

namespace rvisor::devices {
namespace {

// Register offsets.
constexpr unsigned RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4,
                   LSR = 5, MSR = 6, SCR = 7;
constexpr unsigned kIrq = 10;

class FakeSink : public InterruptSink {
  public:
    void set_irq_level(unsigned irq, bool level) override { calls.emplace_back(irq, level); }
    bool level() const { return !calls.empty() && calls.back().second; }
    std::vector<std::pair<unsigned, bool>> calls;
};

class UartTest : public ::testing::Test {
  protected:
    u8 rd(unsigned reg) {
        u64 v = 0xdead'beef;
        EXPECT_TRUE(uart.read(reg, 1, v));
        EXPECT_LE(v, 0xffu) << "register " << reg << " returned more than a byte";
        return static_cast<u8>(v);
    }
    void wr(unsigned reg, u8 v) { ASSERT_TRUE(uart.write(reg, 1, v)); }
    void push(std::initializer_list<u8> bytes) {
        uart.push_rx(std::span<const u8>(bytes.begin(), bytes.size()));
    }

    FakeSink sink;
    std::vector<u8> tx;
    Uart16550 uart{[this](u8 b) { tx.push_back(b); }, IrqLine{&sink, kIrq}};
};

TEST_F(UartTest, PowerOnValues) {
    EXPECT_EQ(rd(IER), 0x00);
    EXPECT_EQ(rd(IIR), 0x01);
    EXPECT_EQ(rd(LCR), 0x00);
    EXPECT_EQ(rd(MCR), 0x00);
    EXPECT_EQ(rd(LSR), 0x60);
    EXPECT_EQ(rd(MSR), 0xb0);
    EXPECT_EQ(rd(SCR), 0x00);
    EXPECT_EQ(rd(RBR), 0x00);
    wr(LCR, 0x80);
    EXPECT_EQ(rd(DLL), 0x0c);
    EXPECT_EQ(rd(DLM), 0x00);
    EXPECT_FALSE(sink.level());
    EXPECT_TRUE(uart.rx_has_space());
    EXPECT_EQ(uart.name(), "uart");
    EXPECT_EQ(uart.min_access_size(), 1u);
    EXPECT_EQ(uart.max_access_size(), 4u);
}

TEST_F(UartTest, ResetRestoresPowerOnValues) {
    wr(LCR, 0x80);
    wr(DLL, 0x01);
    wr(DLM, 0x02);
    wr(LCR, 0x1b);
    wr(FCR, 0xc1);
    wr(IER, 0x0f);
    wr(MCR, 0x0b);
    wr(SCR, 0x5a);
    push({1, 2, 3});
    ASSERT_TRUE(sink.level());

    uart.reset();
    EXPECT_FALSE(sink.level());
    EXPECT_EQ(rd(IER), 0x00);
    EXPECT_EQ(rd(IIR), 0x01);
    EXPECT_EQ(rd(LCR), 0x00);
    EXPECT_EQ(rd(MCR), 0x00);
    EXPECT_EQ(rd(LSR), 0x60);
    EXPECT_EQ(rd(MSR), 0xb0);
    EXPECT_EQ(rd(SCR), 0x00);
    wr(LCR, 0x80);
    EXPECT_EQ(rd(DLL), 0x0c);
    EXPECT_EQ(rd(DLM), 0x00);
    EXPECT_TRUE(tx.empty());
}

TEST_F(UartTest, ThrWritesGoToTheSinkAndTransmitterStaysEmpty) {
    wr(THR, 'H');
    wr(THR, 'i');
    EXPECT_EQ(tx, (std::vector<u8>{'H', 'i'}));
    EXPECT_EQ(rd(LSR), 0x60);  // THRE | TEMT: transmission is instantaneous
}

TEST_F(UartTest, WideAccessesUseTheLowByteThroughTheBus) {
    mem::GuestRam ram(0x8000'0000, 0x1000);
    mem::Bus bus(ram);
    const u64 base = mem::region(mem::Region::Uart0).base;
    ASSERT_EQ(base, 0x1000'0000u);
    bus.map(base, mem::region(mem::Region::Uart0).size, uart);

    EXPECT_TRUE(bus.write(base + THR, 4, 0x1234'5641));
    EXPECT_EQ(tx, (std::vector<u8>{'A'}));
    EXPECT_TRUE(bus.write(base + SCR, 1, 0x99));
    u64 v = 0;
    EXPECT_TRUE(bus.read(base + 4, 4, v));  // MCR in the low byte, nothing above it
    EXPECT_EQ(v, 0x00u);
    EXPECT_TRUE(bus.read(base + LSR, 1, v));
    EXPECT_EQ(v, 0x60u);
    EXPECT_TRUE(bus.read(base + IIR, 2, v));
    EXPECT_EQ(v, 0x01u);
    EXPECT_TRUE(bus.read(base + SCR, 1, v));
    EXPECT_EQ(v, 0x99u);

    EXPECT_FALSE(bus.write(base + THR, 8, 'B'));  // wider than the registers
    EXPECT_FALSE(bus.read(base + 8, 1, v));       // past the eight registers
    EXPECT_FALSE(bus.write(base + 0xff, 1, 0));
    EXPECT_EQ(tx, (std::vector<u8>{'A'}));
}

TEST_F(UartTest, DataReadyFollowsTheReceiver) {
    push({0x42});
    EXPECT_EQ(rd(LSR), 0x61);
    EXPECT_EQ(rd(RBR), 0x42);
    EXPECT_EQ(rd(LSR), 0x60);
    EXPECT_EQ(rd(RBR), 0x00);  // empty receiver reads 0
}

TEST_F(UartTest, DivisorLatchReadBackAndDlabHidesRbrThrIer) {
    wr(IER, 0x05);
    push({0x77});
    wr(LCR, 0x83);
    EXPECT_EQ(rd(LCR), 0x83);
    wr(DLL, 0x03);
    wr(DLM, 0x01);
    EXPECT_EQ(rd(DLL), 0x03);  // not the received byte
    EXPECT_EQ(rd(DLM), 0x01);  // not IER
    EXPECT_TRUE(tx.empty());   // DLL write did not transmit
    EXPECT_EQ(rd(LSR), 0x61);  // the received byte is still waiting
    EXPECT_EQ(rd(IIR), 0x04);  // IIR is visible whatever DLAB says

    wr(LCR, 0x03);
    EXPECT_EQ(rd(IER), 0x05);  // untouched by the DLM write
    EXPECT_EQ(rd(RBR), 0x77);
    wr(THR, 'x');
    EXPECT_EQ(tx, (std::vector<u8>{'x'}));
    wr(LCR, 0x80);
    EXPECT_EQ(rd(DLL), 0x03);  // THR write did not touch the latch
    EXPECT_EQ(rd(DLM), 0x01);
}

TEST_F(UartTest, FcrEnablesFifosAndIirReportsThem) {
    EXPECT_EQ(rd(IIR), 0x01);
    wr(FCR, 0x01);
    EXPECT_EQ(rd(IIR), 0xc1);
    wr(FCR, 0x00);
    EXPECT_EQ(rd(IIR), 0x01);
}

TEST_F(UartTest, FifoHoldsSixteenBytesInOrder) {
    wr(FCR, 0x01);
    std::vector<u8> in;
    for (unsigned i = 0; i < 16; ++i) in.push_back(static_cast<u8>(0xa0 + i));
    uart.push_rx(in);
    EXPECT_FALSE(uart.rx_has_space());
    EXPECT_EQ(rd(LSR), 0x61);  // full but no overrun yet
    for (unsigned i = 0; i < 16; ++i) EXPECT_EQ(rd(RBR), 0xa0 + i) << i;
    EXPECT_EQ(rd(LSR), 0x60);
    EXPECT_TRUE(uart.rx_has_space());
}

TEST_F(UartTest, HoldingRegisterHasRoomForOneByteWithoutFifo) {
    EXPECT_TRUE(uart.rx_has_space());
    push({1});
    EXPECT_FALSE(uart.rx_has_space());
    EXPECT_EQ(rd(RBR), 1);
    EXPECT_TRUE(uart.rx_has_space());
}

TEST_F(UartTest, FcrClearsReceiveFifo) {
    wr(FCR, 0x01);
    push({1, 2, 3, 4, 5});
    wr(FCR, 0x03);  // enable + clear RX
    EXPECT_EQ(rd(LSR), 0x60);
    push({6});
    EXPECT_EQ(rd(RBR), 6);

    push({7, 8});
    wr(FCR, 0x00);  // leaving FIFO mode clears the FIFO (datasheet)
    EXPECT_EQ(rd(LSR), 0x60);
    push({9});
    wr(FCR, 0x01);  // and so does entering it
    EXPECT_EQ(rd(LSR), 0x60);
}

TEST_F(UartTest, FcrBitsOtherThanEnableNeedTheEnableBit) {
    push({0x31});
    wr(FCR, 0x02);  // "clear RX" with FCR0 = 0: not programmed
    EXPECT_EQ(rd(LSR), 0x61);
    EXPECT_EQ(rd(RBR), 0x31);
}

class UartTriggerTest : public UartTest,
                        public ::testing::WithParamInterface<std::pair<u8, int>> {};

TEST_P(UartTriggerTest, DataAvailableAtTriggerLevel) {
    const auto [fcr, level] = GetParam();
    wr(FCR, fcr);
    wr(IER, 0x01);
    for (int i = 0; i < level - 1; ++i) push({static_cast<u8>(i)});
    EXPECT_EQ(rd(IIR), 0xc1);
    EXPECT_FALSE(sink.level());
    push({static_cast<u8>(level - 1)});
    EXPECT_EQ(rd(IIR), 0xc4);
    EXPECT_TRUE(sink.level());
    EXPECT_EQ(rd(RBR), 0);
    EXPECT_EQ(rd(IIR), 0xc1);  // one byte short of the level again
    EXPECT_FALSE(sink.level());
}

INSTANTIATE_TEST_SUITE_P(Levels, UartTriggerTest,
                         ::testing::Values(std::pair<u8, int>{0x01, 1}, std::pair<u8, int>{0x41, 4},
                                           std::pair<u8, int>{0x81, 8},
                                           std::pair<u8, int>{0xc1, 14}));

TEST_F(UartTest, CharacterTimeoutComesFromRxIdle) {
    wr(FCR, 0x41);  // trigger level 4
    wr(IER, 0x01);
    push({'a', 'b'});
    EXPECT_EQ(rd(IIR), 0xc1);
    uart.rx_idle();
    EXPECT_EQ(rd(IIR), 0xcc);
    EXPECT_EQ(rd(IIR), 0xcc);  // IIR read does not clear it
    EXPECT_TRUE(sink.level());
    EXPECT_EQ(rd(RBR), 'a');  // an RBR read does
    EXPECT_EQ(rd(IIR), 0xc1);
    EXPECT_FALSE(sink.level());
    uart.rx_idle();
    EXPECT_EQ(rd(IIR), 0xcc);
    EXPECT_EQ(rd(RBR), 'b');
    EXPECT_EQ(rd(IIR), 0xc1);
    uart.rx_idle();  // nothing left: no timeout
    EXPECT_EQ(rd(IIR), 0xc1);
    EXPECT_FALSE(sink.level());
}

TEST_F(UartTest, RxIdleHasNoEffectWithoutFifo) {
    wr(IER, 0x01);
    uart.rx_idle();
    EXPECT_EQ(rd(IIR), 0x01);
    push({'z'});
    uart.rx_idle();
    EXPECT_EQ(rd(IIR), 0x04);  // any byte is "data available" in 16450 mode
    EXPECT_EQ(rd(RBR), 'z');
    EXPECT_EQ(rd(IIR), 0x01);
}

TEST_F(UartTest, FifoOverrunKeepsFifoAndDropsNewByte) {
    wr(FCR, 0x01);
    wr(IER, 0x04);
    std::vector<u8> in;
    for (unsigned i = 0; i < 17; ++i) in.push_back(static_cast<u8>(i));
    uart.push_rx(in);
    EXPECT_EQ(rd(IIR), 0xc6);  // receiver line status
    EXPECT_TRUE(sink.level());
    EXPECT_EQ(rd(LSR), 0x63);  // DR | OE
    EXPECT_EQ(rd(LSR), 0x61);  // reading LSR cleared OE
    EXPECT_EQ(rd(IIR), 0xc1);
    EXPECT_FALSE(sink.level());
    for (unsigned i = 0; i < 16; ++i) EXPECT_EQ(rd(RBR), i);
    EXPECT_EQ(rd(LSR), 0x60);
}

TEST_F(UartTest, HoldingRegisterOverrunOverwritesWithoutFifo) {
    push({'a', 'b'});
    EXPECT_EQ(rd(LSR), 0x63);
    EXPECT_EQ(rd(RBR), 'b');
    EXPECT_EQ(rd(LSR), 0x60);
}

TEST_F(UartTest, InterruptPriorityOrder) {
    // Loopback produces every source: entering it drops CTS/DSR/DCD (modem status deltas),
    // and two looped-back bytes overrun the 16450 holding register.
    wr(MCR, 0x10);
    wr(THR, 'x');
    wr(THR, 'y');
    EXPECT_TRUE(tx.empty());
    EXPECT_FALSE(sink.level());  // IER = 0: nothing enabled
    EXPECT_EQ(rd(IIR), 0x01);

    wr(IER, 0x0f);
    EXPECT_TRUE(sink.level());
    EXPECT_EQ(rd(IIR), 0x06);  // line status first
    EXPECT_EQ(rd(IIR), 0x06);  // and not cleared by reading IIR
    EXPECT_EQ(rd(LSR), 0x63);
    EXPECT_EQ(rd(IIR), 0x04);  // then received data
    EXPECT_EQ(rd(RBR), 'y');
    EXPECT_EQ(rd(IIR), 0x02);  // then THR empty, which this IIR read clears
    EXPECT_TRUE(sink.level());
    EXPECT_EQ(rd(IIR), 0x00);  // then modem status
    EXPECT_TRUE(sink.level());
    EXPECT_EQ(rd(MSR), 0x0b);  // DDCD | DDSR | DCTS, lines now low
    EXPECT_EQ(rd(IIR), 0x01);
    EXPECT_FALSE(sink.level());
}

TEST_F(UartTest, DisabledSourcesDoNotInterrupt) {
    wr(IER, 0x0e);  // everything but received data
    push({1});
    EXPECT_EQ(rd(IIR), 0x02);  // THRE (armed by enabling ETBEI), not data
    EXPECT_EQ(rd(IIR), 0x01);
    EXPECT_FALSE(sink.level());
}

TEST_F(UartTest, ThreInterruptArmsOnEtbeiRisingEdge) {
    wr(IER, 0x02);
    EXPECT_TRUE(sink.level());
    EXPECT_EQ(rd(IIR), 0x02);
    EXPECT_EQ(rd(IIR), 0x01);  // the IIR read that reported THRE cleared it
    EXPECT_FALSE(sink.level());
    wr(IER, 0x02);  // 1 -> 1: no edge, no interrupt
    EXPECT_EQ(rd(IIR), 0x01);
    wr(IER, 0x00);
    wr(IER, 0x02);  // 0 -> 1 with THR empty: re-armed
    EXPECT_TRUE(sink.level());
    EXPECT_EQ(rd(IIR), 0x02);
    EXPECT_FALSE(sink.level());
}

TEST_F(UartTest, LinuxThreProbeSeesReassertion) {
    // drivers/tty/serial/8250/8250_port.c, serial8250_do_startup(): the UART_BUG_THRE check.
    EXPECT_EQ(rd(LSR) & 0x40, 0x40);
    wr(IER, 0x02);
    const u8 iir1 = rd(IIR);
    wr(IER, 0x00);
    wr(IER, 0x02);
    const u8 iir = rd(IIR);
    wr(IER, 0x00);
    EXPECT_EQ(iir1, 0x02);
    EXPECT_EQ(iir, 0x02);  // no "no interrupt" here, so Linux does not flag UART_BUG_THRE
}

TEST_F(UartTest, ThrWriteKeepsThreInterruptComingWhileEnabled) {
    wr(IER, 0x02);
    EXPECT_EQ(rd(IIR), 0x02);
    EXPECT_FALSE(sink.level());
    // Writing THR clears the interrupt, but the byte leaves at once and THR empties again,
    // which raises it again: the driver gets its next "send more" interrupt.
    wr(THR, 'a');
    EXPECT_TRUE(sink.level());
    EXPECT_EQ(rd(IIR), 0x02);
    EXPECT_EQ(rd(IIR), 0x01);
    wr(IER, 0x00);  // the driver stops TX when it has nothing left
    wr(THR, 'b');
    EXPECT_EQ(rd(IIR), 0x01);
    EXPECT_FALSE(sink.level());
    EXPECT_EQ(tx, (std::vector<u8>{'a', 'b'}));
}

TEST_F(UartTest, IrqLineFollowsIirOnItsOwnWire) {
    sink.calls.clear();
    wr(IER, 0x01);
    push({7});
    rd(RBR);
    // Every call is on IRQ 10; the level sequence is low (IER write), high (data), low (read).
    ASSERT_EQ(sink.calls.size(), 3u);
    EXPECT_EQ(sink.calls[0], std::make_pair(kIrq, false));
    EXPECT_EQ(sink.calls[1], std::make_pair(kIrq, true));
    EXPECT_EQ(sink.calls[2], std::make_pair(kIrq, false));
}

TEST_F(UartTest, IrqLineConnectedLaterIsDrivenAtOnce) {
    Uart16550 late{[](u8) {}};
    late.write(IER, 1, 0x01);
    const std::array<u8, 1> b{1};
    late.push_rx(b);  // no sink: nothing to drive, must not crash
    FakeSink other;
    late.set_irq_line(IrqLine{&other, 3});
    ASSERT_EQ(other.calls.size(), 1u);
    EXPECT_EQ(other.calls[0], std::make_pair(3u, true));
}

TEST_F(UartTest, LoopbackRoutesTxToRxAndModemLines) {
    wr(MCR, 0x1a);                    // LOOP | OUT2 | RTS, Linux's autoconfig loopback probe
    EXPECT_EQ(rd(MSR) & 0xf0, 0x90);  // DCD | CTS
    wr(MCR, 0x15);                    // LOOP | OUT1 | DTR
    EXPECT_EQ(rd(MSR), 0x60 | 0x0b);  // RI | DSR; DCD and CTS fell, DSR rose
    wr(MCR, 0x11);                    // OUT1 off: RI trailing edge
    EXPECT_EQ(rd(MSR), 0x20 | 0x04);  // DSR, TERI
    EXPECT_EQ(rd(MSR), 0x20);         // deltas cleared by the read

    wr(THR, 'L');
    EXPECT_TRUE(tx.empty());
    EXPECT_EQ(rd(LSR), 0x61);
    EXPECT_EQ(rd(RBR), 'L');

    EXPECT_FALSE(uart.rx_has_space());  // serial input disconnected
    push({'h'});
    EXPECT_EQ(rd(LSR), 0x60);

    wr(MCR, 0x00);
    EXPECT_EQ(rd(MSR), 0xb0 | 0x09);  // back to a connected line: DCD, CTS rose
    EXPECT_TRUE(uart.rx_has_space());
    wr(THR, 'T');
    EXPECT_EQ(tx, (std::vector<u8>{'T'}));
}

TEST_F(UartTest, ModemLinesStayConnectedOutsideLoopback) {
    wr(MCR, 0x0f);
    EXPECT_EQ(rd(MCR), 0x0f);
    EXPECT_EQ(rd(MSR), 0xb0);
    wr(IER, 0x08);
    EXPECT_EQ(rd(IIR), 0x01);  // no delta, no modem status interrupt
}

TEST_F(UartTest, ModemStatusInterrupt) {
    wr(IER, 0x08);
    wr(MCR, 0x10);
    EXPECT_TRUE(sink.level());
    EXPECT_EQ(rd(IIR), 0x00);
    EXPECT_EQ(rd(MSR), 0x0b);
    EXPECT_EQ(rd(IIR), 0x01);
    EXPECT_FALSE(sink.level());
}

TEST_F(UartTest, ScratchAndReservedBits) {
    wr(SCR, 0xa5);
    EXPECT_EQ(rd(SCR), 0xa5);
    wr(SCR, 0x5a);
    EXPECT_EQ(rd(SCR), 0x5a);
    wr(IER, 0xff);
    EXPECT_EQ(rd(IER), 0x0f);  // bits 7:4 read as 0 (Linux's probe relies on it)
    wr(MCR, 0xff);
    EXPECT_EQ(rd(MCR), 0x1f);
    wr(LCR, 0x5b);
    EXPECT_EQ(rd(LCR), 0x5b);
    wr(LSR, 0x00);  // read-only
    EXPECT_EQ(rd(LSR), 0x60);
}

TEST_F(UartTest, TxSinkMayFeedInputBack) {
    Uart16550* self = nullptr;
    Uart16550 echo{[&self](u8 b) {
        const std::array<u8, 1> in{static_cast<u8>(b + 1)};
        self->push_rx(in);
    }};
    self = &echo;
    ASSERT_TRUE(echo.write(THR, 1, 'a'));  // would deadlock if the sink ran under the lock
    u64 v = 0;
    ASSERT_TRUE(echo.read(RBR, 1, v));
    EXPECT_EQ(v, u64{'b'});
}

TEST(UartConcurrency, ProducerAndConsumerConserveEveryByte) {
    struct AtomicSink : InterruptSink {
        void set_irq_level(unsigned, bool level) override { high.store(level); }
        std::atomic<bool> high{false};
    } sink;
    Uart16550 uart{[](u8) {}, IrqLine{&sink, kIrq}};
    ASSERT_TRUE(uart.write(FCR, 1, 0x81));
    ASSERT_TRUE(uart.write(IER, 1, 0x05));

    constexpr unsigned kBytes = 50'000;
    std::thread producer([&] {
        for (unsigned i = 0; i < kBytes;) {
            if (!uart.rx_has_space()) {
                std::this_thread::yield();
                continue;
            }
            const std::array<u8, 1> b{static_cast<u8>(i * 7)};
            uart.push_rx(b);  // single producer: the space seen above cannot vanish
            ++i;
            if (i % 64 == 0) uart.rx_idle();
        }
    });

    std::vector<u8> got;
    got.reserve(kBytes);
    bool overrun = false;
    while (got.size() < kBytes) {
        u64 lsr = 0;
        ASSERT_TRUE(uart.read(LSR, 1, lsr));
        overrun |= (lsr & 0x02) != 0;
        if (!(lsr & 0x01)) {
            std::this_thread::yield();
            continue;
        }
        u64 b = 0;
        ASSERT_TRUE(uart.read(RBR, 1, b));
        got.push_back(static_cast<u8>(b));
    }
    producer.join();

    EXPECT_FALSE(overrun);
    ASSERT_EQ(got.size(), kBytes);
    for (unsigned i = 0; i < kBytes; ++i) ASSERT_EQ(got[i], static_cast<u8>(i * 7)) << i;
    u64 lsr = 0;
    ASSERT_TRUE(uart.read(LSR, 1, lsr));
    EXPECT_EQ(lsr, 0x60u);
    EXPECT_FALSE(sink.high.load());
}

}  // namespace
}  // namespace rvisor::devices
