// priv_pmp.S - physical memory protection (RISC-V privileged spec 20211203, 3.7):
//   - WARL read-back of pmpaddr (G = 0: exactly what was written) and pmpcfg (legal values
//     kept), odd pmpcfg numbers illegal on RV64 (3.7.1);
//   - TOR, NA4 and NAPOT regions checked for S and U: load / store / fetch access faults
//     (mcause 5 / 7 / 1, mtval = the address), region boundaries, an access that only
//     partially matches an entry fails (3.7.1.4, 3.7.1.5);
//   - priority: the lowest-numbered matching entry decides, in both orders (3.7.1.5);
//   - no matching entry: S and U fail, M succeeds; an OFF entry and a TOR entry with
//     pmpaddr[i-1] >= pmpaddr[i] match nothing (3.7.1.3, 3.7.1.5);
//   - M ignores unlocked entries; the lock bit makes M obey the entry and makes the entry's
//     pmpcfg byte and pmpaddr read-only, and for a locked TOR entry pmpaddr[i-1] too
//     (3.7.1.2). Locks last until reset, so they come last.
// WARL legalisation of reserved pmpcfg values (QEMU 7.2 keeps them) is in priv_strict.S.
//
// Memory: entry 15 is a TOR region [0, T) with RWX for the program and the MMIO devices;
// the test area T = 0x80200000 (above the program) is unmatched unless a test maps it:
//   T+0x0000 page A   TOR tests           T+0x3000 page    priority tests
//   T+0x1000 page B   NAPOT, code          T+0x4000 page    unmatched / empty TOR / OFF
//   T+0x2000 page     NA4 word at +0x10    T+0x5000,6000    lock tests
//
// qemu-cpu: rv64,h=false
#include "priv.h"

#define T        0x80200000
#define PAGE_A   T
#define PAGE_B   (T + 0x1000)
#define NA4_WORD (T + 0x2010)
#define PRIO     (T + 0x3000)
#define UNMAPPED (T + 0x4000)
#define LOCK_R   (T + 0x5000)
#define LOCK_TOR (T + 0x6000)

/* pmpcfg byte `cfg` for entry `e`, placed in its pmpcfg0 / pmpcfg2 register. */
#define CFG(e, cfg) ((cfg) << (8 * ((e) % 8)))
/* pmpaddr value for a NAPOT region of `size` bytes (a power of two >= 8) at `base`. */
#define NAPOT(base, size) (((base) >> 2) | (((size) >> 3) - 1))
#define INSN_ADDI_A0_77 0x07700513  /* li a0, 0x77 */
#define INSN_RET        0x00008067

/* pmpaddr<n> <- value. Clobbers t0. */
.macro set_addr n, value
    li t0, \value
    csrw pmpaddr\n, t0
.endm

/* Sets entry e's pmpcfg byte (in pmpcfg0 or pmpcfg2) to cfg. Clobbers t0, t1. */
.macro set_cfg e, cfg
    .if \e < 8
    li t0, CFG(\e, 0xff)
    csrc pmpcfg0, t0
    li t1, CFG(\e, \cfg)
    csrs pmpcfg0, t1
    .else
    li t0, CFG(\e, 0xff)
    csrc pmpcfg2, t0
    li t1, CFG(\e, \cfg)
    csrs pmpcfg2, t1
    .endif
.endm

TEST_START
    PV_INIT
    // Replace PV_INIT's all-memory entry 0 by entry 15 = TOR [0, T) RWX.
    csrw pmpcfg0, zero
    csrw pmpaddr14, zero
    set_addr 15, T >> 2
    li t0, CFG(15, PMP_TOR | PMP_R | PMP_W | PMP_X)
    csrw pmpcfg2, t0

    // Test area contents (M is not subject to unlocked entries).
    li t0, PAGE_A
    li t1, 0xa0a0
    sd t1, 0(t0)
    li t1, 0xa1a1
    li t2, PAGE_A + 0xff8
    sd t1, 0(t2)
    li t0, PAGE_B                       // a function: li a0, 0x77; ret
    li t1, INSN_ADDI_A0_77
    sw t1, 0(t0)
    li t1, INSN_RET
    sw t1, 4(t0)
    fence.i
    li t0, NA4_WORD
    li t1, 0x4444
    sw t1, 0(t0)
    li t1, 0x5555
    sw t1, 4(t0)
    li t0, PRIO
    li t1, 0x3040
    sd t1, 0x40(t0)
    li t0, UNMAPPED
    li t1, 0x4000
    sd t1, 0(t0)
    li t1, 0x4080
    sd t1, 0x80(t0)
    li t0, LOCK_R
    li t1, 0x5000
    sd t1, 0(t0)
    CHECK_NO_TRAPS(1)

    // ==== WARL read-back (3.7.1) ====
    set_addr 1, 0x12345
    csrr a0, pmpaddr1
    CHECK_EQ(a0, 0x12345, 2)            // G = 0: no bits masked
    csrr a0, pmpaddr15
    CHECK_EQ(a0, T >> 2, 3)
    li t0, CFG(1, PMP_TOR | PMP_R) | CFG(3, PMP_NAPOT | PMP_X) | CFG(2, PMP_NA4 | PMP_R | PMP_W)
    csrw pmpcfg0, t0
    csrr a0, pmpcfg0
    CHECK_EQR(a0, t0, 4)
    csrw pmpcfg0, zero
    csrr a0, pmpcfg2
    CHECK_EQ(a0, CFG(15, PMP_TOR | PMP_R | PMP_W | PMP_X), 5)
.Lpmpcfg1:
    csrr a0, pmpcfg1                    // odd pmpcfg numbers do not exist on RV64
    CHECK_MTRAP(6, CAUSE_ILLEGAL_INSN, .Lpmpcfg1, 0x3a102573)
.Lpmpcfg3:
    csrw pmpcfg3, zero
    CHECK_MTRAP(7, CAUSE_ILLEGAL_INSN, .Lpmpcfg3, 0x3a301073)

    // ==== TOR: entry 1 = [A, A + 4K) read-only, bounded below by pmpaddr0 ====
    set_addr 0, PAGE_A >> 2
    set_addr 1, (PAGE_A + 0x1000) >> 2
    set_cfg 1, PMP_TOR | PMP_R
    GOTO_S
    li s1, PAGE_A
    ld a0, 0(s1)
    CHECK_EQ(a0, 0xa0a0, 8)
    li s2, PAGE_A + 0xff8
    ld a0, 0(s2)                        // the last dword inside
    CHECK_EQ(a0, 0xa1a1, 9)
    ld a0, -8(s1)                       // just below: entry 15 (RWX)
    CHECK_NO_TRAPS(10)
.Ltor_st:
    sd a0, 8(s1)
    CHECK_MTRAP(11, CAUSE_STORE_ACCESS, .Ltor_st, PAGE_A + 8)
.Ltor_amo:
    amoswap.d a0, a0, (s1)              // AMOs need write permission too
    CHECK_MTRAP(12, CAUSE_STORE_ACCESS, .Ltor_amo, PAGE_A)
    jalr ra, 0(s1)                      // no X
    CHECK_MTRAP_VAL(13, CAUSE_FETCH_ACCESS, PAGE_A, PAGE_A)
    li s2, PAGE_A + 0x1000
.Ltor_above:
    ld a0, 0(s2)                        // just above: no entry matches
    CHECK_MTRAP(14, CAUSE_LOAD_ACCESS, .Ltor_above, PAGE_A + 0x1000)
    GOTO_M
    li s1, PAGE_A                       // M ignores the unlocked entry
    li t0, 0xa2a2
    sd t0, 8(s1)
    ld a0, 8(s1)
    CHECK_EQ(a0, 0xa2a2, 15)
    CHECK_NO_TRAPS(16)

    // ==== NAPOT: entry 3 = page B, execute-only ====
    set_addr 3, NAPOT(PAGE_B, 0x1000)
    set_cfg 3, PMP_NAPOT | PMP_X
    csrr a0, pmpaddr3
    CHECK_EQ(a0, NAPOT(PAGE_B, 0x1000), 17)
    GOTO_S
    li s1, PAGE_B
    li a0, 0
    jalr ra, 0(s1)
    CHECK_EQ(a0, 0x77, 18)
    CHECK_NO_TRAPS(19)
.Lnapot_ld:
    lw a0, 0(s1)
    CHECK_MTRAP(20, CAUSE_LOAD_ACCESS, .Lnapot_ld, PAGE_B)
    li s2, PAGE_B + 0xffc
.Lnapot_st:
    sw a0, 0(s2)
    CHECK_MTRAP(21, CAUSE_STORE_ACCESS, .Lnapot_st, PAGE_B + 0xffc)
    GOTO_M

    // ==== NA4: entry 2 = the word at NA4_WORD, RW (3.7.1.4, 3.7.1.5) ====
    set_addr 2, NA4_WORD >> 2
    set_cfg 2, PMP_NA4 | PMP_R | PMP_W
    GOTO_S
    li s1, NA4_WORD
    lw a0, 0(s1)
    CHECK_EQ(a0, 0x4444, 22)
    li t0, 0x4545
    sw t0, 0(s1)
    lw a0, 0(s1)
    CHECK_EQ(a0, 0x4545, 23)
    CHECK_NO_TRAPS(24)
.Lna4_next:
    lw a0, 4(s1)                        // the next word: no match
    CHECK_MTRAP(25, CAUSE_LOAD_ACCESS, .Lna4_next, NA4_WORD + 4)
.Lna4_prev:
    sh a0, -2(s1)                       // the halfword before
    CHECK_MTRAP(26, CAUSE_STORE_ACCESS, .Lna4_prev, NA4_WORD - 2)
.Lna4_partial:
    ld a0, 0(s1)                        // 8 bytes: only half match entry 2 -> fails
    CHECK_MTRAP(27, CAUSE_LOAD_ACCESS, .Lna4_partial, NA4_WORD)
    GOTO_M

    // ==== priority: the lowest-numbered matching entry decides (3.7.1.5) ====
    // Entry 4 = 64 bytes at PRIO + 0x40, RW; entry 5 = the whole PRIO page, no access.
    set_addr 4, NAPOT(PRIO + 0x40, 64)
    set_cfg 4, PMP_NAPOT | PMP_R | PMP_W
    set_addr 5, NAPOT(PRIO, 0x1000)
    set_cfg 5, PMP_NAPOT
    GOTO_S
    li s1, PRIO
    ld a0, 0x40(s1)                     // entries 4 and 5 match: 4 allows
    CHECK_EQ(a0, 0x3040, 28)
    sd a0, 0x78(s1)                     // last dword of entry 4
    CHECK_NO_TRAPS(29)
.Lprio_out:
    ld a0, 0x80(s1)                     // only entry 5 matches: denied
    CHECK_MTRAP(30, CAUSE_LOAD_ACCESS, .Lprio_out, PRIO + 0x80)
    GOTO_M
    // Swapped: entry 4 = the page (no access), entry 5 = the 64 bytes (RW).
    set_addr 4, NAPOT(PRIO, 0x1000)
    set_cfg 4, PMP_NAPOT
    set_addr 5, NAPOT(PRIO + 0x40, 64)
    set_cfg 5, PMP_NAPOT | PMP_R | PMP_W
    GOTO_S
.Lprio_swapped:
    ld a0, 0x40(s1)
    CHECK_MTRAP(31, CAUSE_LOAD_ACCESS, .Lprio_swapped, PRIO + 0x40)
    GOTO_M
    // A lower-numbered entry also overrides entry 15's RWX: entry 4 = no access to the page
    // just below T (inside entry 15's range, unused by the program).
    set_addr 4, NAPOT(T - 0x1000, 0x1000)
    GOTO_S
    li s1, T
.Lprio_over15:
    ld a0, -8(s1)
    CHECK_MTRAP(32, CAUSE_LOAD_ACCESS, .Lprio_over15, T - 8)
    GOTO_M
    set_cfg 4, PMP_OFF
    set_cfg 5, PMP_OFF

    // ==== U is subject to PMP like S ====
    GOTO_U
    li s1, PAGE_A
    ld a0, 0(s1)
    CHECK_EQ(a0, 0xa0a0, 33)
.Lu_tor_st:
    sd a0, 0(s1)
    CHECK_MTRAP(34, CAUSE_STORE_ACCESS, .Lu_tor_st, PAGE_A)
    li s1, PAGE_B
    li a0, 0
    jalr ra, 0(s1)
    CHECK_EQ(a0, 0x77, 35)
    CHECK_NO_TRAPS(36)
    GOTO_M

    // ==== no match: S fails, M succeeds; OFF and inverted TOR entries match nothing ====
    GOTO_S
    li s1, UNMAPPED
.Lnomatch_s:
    ld a0, 0(s1)
    CHECK_MTRAP(37, CAUSE_LOAD_ACCESS, .Lnomatch_s, UNMAPPED)
    GOTO_M
    li s1, UNMAPPED
    ld a0, 0(s1)
    CHECK_EQ(a0, 0x4000, 38)
    CHECK_NO_TRAPS(39)
    // Entry 9 TOR RW with pmpaddr8 = +0x100 >= pmpaddr9 = +0: matches nothing.
    set_addr 8, (UNMAPPED + 0x100) >> 2
    set_addr 9, UNMAPPED >> 2
    set_cfg 9, PMP_TOR | PMP_R | PMP_W
    GOTO_S
.Ltor_empty:
    ld a0, 0x80(s1)
    CHECK_MTRAP(40, CAUSE_LOAD_ACCESS, .Ltor_empty, UNMAPPED + 0x80)
    GOTO_M
    set_addr 8, UNMAPPED >> 2           // [+0, +0x100): now it matches
    set_addr 9, (UNMAPPED + 0x100) >> 2
    GOTO_S
    ld a0, 0x80(s1)
    CHECK_EQ(a0, 0x4080, 41)
    CHECK_NO_TRAPS(42)
    GOTO_M
    set_cfg 9, PMP_OFF | PMP_R | PMP_W  // A = OFF: no match, whatever R/W say
    GOTO_S
.Loff:
    ld a0, 0x80(s1)
    CHECK_MTRAP(43, CAUSE_LOAD_ACCESS, .Loff, UNMAPPED + 0x80)
    GOTO_M
    csrr a0, pmpcfg2                    // (the OFF entry kept its R/W bits)
    CHECK_MASKED(a0, CFG(9, 0xff), CFG(9, PMP_R | PMP_W), 44)

    // ==== lock (3.7.1.2): entry 6 = NAPOT page LOCK_R, L | R ====
    set_addr 6, NAPOT(LOCK_R, 0x1000)
    set_cfg 6, PMP_L | PMP_NAPOT | PMP_R
    li s1, LOCK_R
    ld a0, 0(s1)                        // M obeys it: loads work ...
    CHECK_EQ(a0, 0x5000, 45)
    CHECK_NO_TRAPS(46)
.Llock_st:
    sd a0, 8(s1)                        // ... stores fail
    CHECK_MTRAP(47, CAUSE_STORE_ACCESS, .Llock_st, LOCK_R + 8)
    jalr ra, 0(s1)                      // ... and fetches
    CHECK_MTRAP_VAL(48, CAUSE_FETCH_ACCESS, LOCK_R, LOCK_R)
    // Its pmpaddr and pmpcfg byte are read-only; the other bytes of pmpcfg0 are not.
    set_addr 6, 0x1234
    csrr a0, pmpaddr6
    CHECK_EQ(a0, NAPOT(LOCK_R, 0x1000), 49)
    csrr s2, pmpcfg0
    li t0, CFG(6, 0xff) | CFG(7, 0xff)
    csrc pmpcfg0, t0                    // tries to clear entry 6 (and entry 7)
    li t0, CFG(7, PMP_NAPOT | PMP_R)
    csrs pmpcfg0, t0
    csrr a0, pmpcfg0
    CHECK_MASKED(a0, CFG(6, 0xff), CFG(6, PMP_L | PMP_NAPOT | PMP_R), 50)
    CHECK_MASKED(a0, CFG(7, 0xff), CFG(7, PMP_NAPOT | PMP_R), 51)
    set_cfg 7, PMP_OFF
    // S obeys the same entry.
    GOTO_S
    li s1, LOCK_R
    ld a0, 0(s1)
    CHECK_EQ(a0, 0x5000, 52)
.Llock_st_s:
    sd a0, 0(s1)
    CHECK_MTRAP(53, CAUSE_STORE_ACCESS, .Llock_st_s, LOCK_R)
    GOTO_M

    // ==== a locked TOR entry also locks pmpaddr[i-1] (3.7.1.2) ====
    // Entry 12 = TOR [LOCK_TOR, LOCK_TOR + 4K), L, no permissions; entry 11 stays OFF.
    set_addr 11, LOCK_TOR >> 2
    set_addr 12, (LOCK_TOR + 0x1000) >> 2
    set_cfg 12, PMP_L | PMP_TOR
    li s1, LOCK_TOR
.Llock_tor_ld:
    ld a0, 0x10(s1)                     // M denied
    CHECK_MTRAP(54, CAUSE_LOAD_ACCESS, .Llock_tor_ld, LOCK_TOR + 0x10)
    ld a0, -8(s1)                       // just below: unmatched, fine for M
    CHECK_NO_TRAPS(55)
    set_addr 11, 0x42                   // pmpaddr11 is locked through entry 12 ...
    csrr a0, pmpaddr11
    CHECK_EQ(a0, LOCK_TOR >> 2, 56)
    set_addr 12, 0x42
    csrr a0, pmpaddr12
    CHECK_EQ(a0, (LOCK_TOR + 0x1000) >> 2, 57)
    set_cfg 11, PMP_OFF | PMP_R         // ... but entry 11's pmpcfg byte is not
    csrr a0, pmpcfg2
    CHECK_MASKED(a0, CFG(11, 0xff), CFG(11, PMP_R), 58)
    CHECK_MASKED(a0, CFG(12, 0xff), CFG(12, PMP_L | PMP_TOR), 59)

    CHECK_NO_TRAPS(60)
    PASS
