/*
 * hytm/detail/c_tx.h: the part of a C transaction that hytm.h's inline
 * functions read and write.  Not an interface: include hytm/hytm.h.
 *
 * Why it exists.  A hardware transaction must not call through a PLT slot
 * that is not bound yet (the resolver aborts it, and its GOT write is rolled
 * back with it, so the abort repeats forever), and every call costs more
 * than the access it wraps.  So the common cases of the C interface run in
 * the caller's code: a load or store made while the transaction runs as a
 * hardware region is a plain access, and HYTM_END commits that region (the
 * (H3) announcement, then xend) before it calls the library.  For that the
 * caller needs a few words of the transaction object, at fixed offsets: the
 * struct below, at the start of every hytm_tx.
 *
 * ABI.  The layout of hytm_detail_tx and the meaning of its `mode` values are
 * part of libhytm's ABI (cmake/abi.cmake, HYTM_ABI_VERSION): a program built
 * against this header reads them by offset, so any change renames the
 * version node and the SONAME.  HYTM_DETAIL_TX_LAYOUT is checked by the
 * library (c_api.cpp) against its own view.
 */
#ifndef HYTM_DETAIL_C_TX_H
#define HYTM_DETAIL_C_TX_H

#include <setjmp.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 3 (appended to 2, which it keeps: a program built against 2 reads only
 * what 2 had and sees the new mode bit as "call the library"): the software
 * path's inline load (NOREC, norec, seq), the commit entry (commit),
 * and HYTM_BEGIN's restart point in the caller's frame
 * (hytm_block_begin_frame). */
#define HYTM_DETAIL_TX_LAYOUT 3

/* What the inline functions may do with the transaction now: bits, so that
 * each test is one AND.  Written only by the library, by the thread that owns
 * the transaction (and ENDED by the inline commit). */
enum hytm_detail_mode {
    /* Call the library: a software or model attempt, or no attempt at all
     * (the transaction has ended: the library then reports the misuse). */
    HYTM_DETAIL_CALL = 0,
    HYTM_DETAIL_LOADS_PLAIN = 1,  /* an aligned load is a plain load */
    HYTM_DETAIL_STORES_PLAIN = 2, /* an aligned store is a plain store, and sets *wrote */
    HYTM_DETAIL_OWNS_REGION = 4,  /* HYTM_END commits the region inline */
    /* An aligned store appends the old value to *undo, then stores. */
    HYTM_DETAIL_STORES_UNDO = 16,
    /* The serial path: the transaction runs alone, so loads are plain, and
     * a store only has to keep the old value for a restart. */
    HYTM_DETAIL_SERIAL = HYTM_DETAIL_LOADS_PLAIN | HYTM_DETAIL_STORES_UNDO,
    /* A hardware attempt: the CPU tracks the accesses.  A C block nested in
     * one (it commits when the outer transaction does). */
    HYTM_DETAIL_PLAIN = HYTM_DETAIL_LOADS_PLAIN | HYTM_DETAIL_STORES_PLAIN,
    /* As PLAIN, and this object began the region: HYTM_END commits it inline
     * (hytm_detail_end), then sets ENDED. */
    HYTM_DETAIL_REGION = HYTM_DETAIL_PLAIN | HYTM_DETAIL_OWNS_REGION,
    /* The region committed; hytm_block_commit() does the bookkeeping. */
    HYTM_DETAIL_ENDED = 8,
    /* A logged NOrec software attempt (layout 3 on): an aligned load takes
     * NOrec's read fast path on *norec (below), an aligned store calls
     * hytm_detail_norec_write; anything else calls as CALL does. */
    HYTM_DETAIL_NOREC = 32
};

/* The serial path's undo log (fallback/undo_log.hpp, class undo_log): its
 * first two words, and the shape of an entry.  An entry is a piece of at most
 * 8 bytes: its address with 8 - size in bits 58 and up, and its old bytes,
 * first in `old` (an integer's value, zero-extended: x86 is little-endian).
 * end == limit: full (or not yet allocated): the library appends. */
struct hytm_detail_undo_entry {
    uintptr_t tagged;
    uint64_t old;
};
struct hytm_detail_undo {
    struct hytm_detail_undo_entry *end;
    struct hytm_detail_undo_entry *limit;
};
#define HYTM_DETAIL_UNDO_SIZE_SHIFT 58

/* NOrec's read fast path (stm/norec.hpp, norec::read_fast; read_log.hpp):
 * the first four words of the thread's norec object, the snapshot of the two
 * sequence words and the read log's end and fast limit.  An entry is the
 * address with the code of the size in bits 58 and up (8 bytes: 0, 4: 1,
 * 2: 2, 1: 3) and the value read, zero-extended.  end < fast_limit: the log
 * has room and the attempt has written nothing yet (a store sets fast_limit
 * to the start of the log, so that later loads look in the write set); a
 * doomed attempt's snap is a value seq never takes. */
struct hytm_detail_read_entry {
    uintptr_t tagged;
    uint64_t value;
};
struct hytm_detail_norec {
    uint64_t snap;
    uint64_t ext_snap;
    struct hytm_detail_read_entry *end;
    struct hytm_detail_read_entry *fast_limit;
};
#define HYTM_DETAIL_READ_SIZE_SHIFT 58

struct hytm_tx;

struct hytm_detail_tx {
    uint8_t mode;      /* enum hytm_detail_mode */
    uint8_t nested;    /* a nested block: nothing to start or commit */
    uint8_t announced; /* the inline commit incremented *external (H3) */
    uint8_t layout;    /* HYTM_DETAIL_TX_LAYOUT of the library */
    uint32_t reserved;
    /* The attempt stored to shared data or freed memory (the thread
     * context's flag, shared with C++ bodies nested in the block): only a
     * writer announces its commit to software transactions (H3). */
    uint8_t *wrote;
    /* The hybrid protocol's words (hybrid/protocol.hpp): the count of
     * software transactions running, and the count of hardware commits
     * they have to revalidate against. */
    const uint64_t *software;
    uint64_t *external;
    /* The value *external took by this commit, if announced. */
    uint64_t stamp;
    /* The restart point of a software or serial attempt (HYTM_BEGIN's
     * sigsetjmp). */
    sigjmp_buf *env;
    /* The thread's undo log, for the serial path's stores (layout 2 on). */
    struct hytm_detail_undo *undo;
    /* Layout 3 on.  What HYTM_END calls: the commit of the path the
     * attempt runs on (set with each attempt; never called inside a region
     * it owns, which HYTM_END ends first), and for a nested block, the end
     * of the block (it commits with its outer transaction; it may run
     * inside the outer region).  HYTM_END of the first layout-3 header
     * tested `nested` first and called this only for a top-level block. */
    void (*commit)(struct hytm_tx *tx);
    /* The thread's NOrec state and the global sequence word (g_norec.seq),
     * for NOREC. */
    struct hytm_detail_norec *norec;
    const uint64_t *seq;
};

/* The attempt that began can be restarted only from a restart point in the
 * caller's frame: it is not a hardware region (whose aborts resume in the
 * library) nor a nested block (which restarts with its outer transaction).
 * Asked by HYTM_BEGIN and by the library's own hytm_atomic_named. */
static __inline__ __attribute__((__always_inline__)) int hytm_detail_head_needs_restart_point(
    const struct hytm_detail_tx *h) {
    return (h->mode & HYTM_DETAIL_OWNS_REGION) == 0 && !h->nested;
}

/* Which restart point a caller built by this compiler sets: 1, GCC's
 * __builtin_setjmp (three words instead of sigsetjmp's register file and
 * pointer mangling; the function keeps its variables where a jump back
 * finds them, so -Wclobbered has nothing to warn about in the loop around a
 * block); 0, sigsetjmp.  Clang: 0, its __builtin_setjmp need not lay out the
 * buffer the way the library's GCC-built __builtin_longjmp reads it.  Under
 * ThreadSanitizer or AddressSanitizer: 0, they intercept siglongjmp to
 * unwind their own view of the stack and know nothing of __builtin_longjmp.
 * The library learns the choice from the entry the caller uses
 * (hytm_block_begin_gnu or hytm_block_begin). */
#if defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_THREAD__) && \
    !defined(__SANITIZE_ADDRESS__)
#define HYTM_DETAIL_GNU_RESTART 1
#else
#define HYTM_DETAIL_GNU_RESTART 0
#endif

#ifdef __cplusplus
}
#endif
#endif /* HYTM_DETAIL_C_TX_H */
