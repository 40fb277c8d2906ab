/*
 * hytm/detail/c_inline.h: the inline tier of hytm.h (included by it, after
 * the declarations; not an interface of its own).
 *
 * Each function here has the name of an exported one and GNU inline
 * semantics: the body below is only ever inlined, never emitted, so its
 * address and every call the compiler does not inline are the library's
 * function (the way glibc's fortified functions are written).  Always
 * inline: the hardware path must run no call even at -O0.
 *
 * The fast paths (c_tx.h, the mode bits): on the hardware path the CPU
 * tracks the accesses, so a naturally aligned load or store is a plain one;
 * on the serial path the transaction runs alone, so a load is, and a store
 * only appends the old value to the thread's undo log first; on the software
 * path (NOrec) a load runs NOrec's read fast path here and a store calls the
 * write set's insert straight (hytm_detail_norec_write).  Relaxed atomics, as in the C++
 * interface's hardware path: the
 * same location may be written by a software transaction's write-back
 * concurrently, and the region's atomicity gives the order.  Anything else
 * (another path, a misaligned address, a transaction that has ended) calls
 * the library, through the GOT, by a second name of the same symbol.
 */
#ifndef HYTM_DETAIL_C_INLINE_H
#define HYTM_DETAIL_C_INLINE_H

#define HYTM_DETAIL_INLINE_ \
    extern __inline__ __attribute__((__gnu_inline__, __always_inline__, __artificial__))

/* The library's functions under a second name (the same symbol). */
#define HYTM_DETAIL_REDIRECT_(ret, alias, params, symbol) \
    HYTM_C_API ret alias params __asm__(#symbol)

HYTM_DETAIL_REDIRECT_(uint8_t, hytm_detail_load_u8_, (hytm_tx *, const uint8_t *), hytm_load_u8);
HYTM_DETAIL_REDIRECT_(uint16_t, hytm_detail_load_u16_, (hytm_tx *, const uint16_t *), hytm_load_u16);
HYTM_DETAIL_REDIRECT_(uint32_t, hytm_detail_load_u32_, (hytm_tx *, const uint32_t *), hytm_load_u32);
HYTM_DETAIL_REDIRECT_(uint64_t, hytm_detail_load_u64_, (hytm_tx *, const uint64_t *), hytm_load_u64);
HYTM_DETAIL_REDIRECT_(void *, hytm_detail_load_ptr_, (hytm_tx *, void *const *), hytm_load_ptr);
HYTM_DETAIL_REDIRECT_(void, hytm_detail_store_u8_, (hytm_tx *, uint8_t *, uint8_t), hytm_store_u8);
HYTM_DETAIL_REDIRECT_(void, hytm_detail_store_u16_, (hytm_tx *, uint16_t *, uint16_t), hytm_store_u16);
HYTM_DETAIL_REDIRECT_(void, hytm_detail_store_u32_, (hytm_tx *, uint32_t *, uint32_t), hytm_store_u32);
HYTM_DETAIL_REDIRECT_(void, hytm_detail_store_u64_, (hytm_tx *, uint64_t *, uint64_t), hytm_store_u64);
HYTM_DETAIL_REDIRECT_(void, hytm_detail_store_ptr_, (hytm_tx *, void **, void *), hytm_store_ptr);

#define HYTM_DETAIL_TX_(tx) ((struct hytm_detail_tx *)(void *)(tx))

/* The mode allows it (c_tx.h).  A null tx takes the call, which reports the
 * misuse. */
#define HYTM_DETAIL_MAY_(tx, bit) ((tx) != 0 && (HYTM_DETAIL_TX_(tx)->mode & (bit)) != 0)
#define HYTM_DETAIL_ALIGNED_(addr) (((uintptr_t)(addr) & (sizeof(*(addr)) - 1)) == 0)
#define HYTM_DETAIL_LOAD_OK_(tx, addr) \
    __builtin_expect(HYTM_DETAIL_MAY_(tx, HYTM_DETAIL_LOADS_PLAIN) && HYTM_DETAIL_ALIGNED_(addr), 1)
#define HYTM_DETAIL_STORE_OK_(tx, addr) \
    __builtin_expect(HYTM_DETAIL_MAY_(tx, HYTM_DETAIL_STORES_PLAIN) && HYTM_DETAIL_ALIGNED_(addr), 1)
/* A serial store: the old value goes to the undo log when it has room (an
 * entry's shape: c_tx.h), then the store.  A full log calls the library,
 * which grows it. */
#define HYTM_DETAIL_UNDO_OK_(tx, addr) \
    __builtin_expect(HYTM_DETAIL_MAY_(tx, HYTM_DETAIL_STORES_UNDO) && HYTM_DETAIL_ALIGNED_(addr), 1)

/* A software load (NOrec, NOREC): norec::read_fast, in C (c_tx.h has
 * the words).  The orders are NOrec's:
 *   (N1) the data load is acquire, so that the loads of the sequence words
 *        after it cannot move before it: the value was read while seq (and
 *        external) still held the snapshot;
 *   (N2) seq and external are loaded with acquire and compared with the
 *        snapshot: unchanged since the snapshot (and even then), so no
 *        writer's write-back, nor a hardware commit, came between.
 * Then the entry is appended (the log is the thread's own: plain stores).
 * Any other case -- a moved snapshot, a doomed attempt, a full log, an
 * attempt that has written -- calls the library, which revalidates, looks in
 * the write set or grows the log. */
#define HYTM_DETAIL_NOREC_OK_(tx, addr) \
    __builtin_expect(HYTM_DETAIL_MAY_(tx, HYTM_DETAIL_NOREC) && HYTM_DETAIL_ALIGNED_(addr), 1)
#define HYTM_DETAIL_READ_CODE_(T) \
    ((uintptr_t)(sizeof(T) == 8 ? 0 : sizeof(T) == 4 ? 1 : sizeof(T) == 2 ? 2 : 3) << HYTM_DETAIL_READ_SIZE_SHIFT)

#define HYTM_DETAIL_ACCESS_(T, sfx)                                                   \
    HYTM_DETAIL_INLINE_ T hytm_load_##sfx(hytm_tx *tx, const T *addr) {               \
        if (HYTM_DETAIL_LOAD_OK_(tx, addr))                                           \
            return __atomic_load_n(addr, __ATOMIC_RELAXED);                           \
        if (HYTM_DETAIL_NOREC_OK_(tx, addr)) {                                        \
            const struct hytm_detail_tx *h = HYTM_DETAIL_TX_(tx);                     \
            struct hytm_detail_norec *n = h->norec;                                   \
            const T v = __atomic_load_n(addr, __ATOMIC_ACQUIRE); /* (N1) */           \
            struct hytm_detail_read_entry *e = n->end;                                \
            if (__builtin_expect(__atomic_load_n(h->seq, __ATOMIC_ACQUIRE) == n->snap && /* (N2) */ \
                                     __atomic_load_n(h->external, __ATOMIC_ACQUIRE) == n->ext_snap && \
                                     e < n->fast_limit,                               \
                                 1)) {                                                \
                e->tagged = (uintptr_t)addr | HYTM_DETAIL_READ_CODE_(T);              \
                e->value = (uint64_t)(uintptr_t)v;                                    \
                n->end = e + 1;                                                       \
                return v;                                                             \
            }                                                                         \
        }                                                                             \
        return hytm_detail_load_##sfx##_(tx, addr);                                   \
    }                                                                                 \
    HYTM_DETAIL_INLINE_ void hytm_store_##sfx(hytm_tx *tx, T *addr, T value) {        \
        if (HYTM_DETAIL_STORE_OK_(tx, addr)) {                                        \
            *HYTM_DETAIL_TX_(tx)->wrote = 1; /* (H3): a writer announces its commit */ \
            __atomic_store_n(addr, value, __ATOMIC_RELAXED);                          \
            return;                                                                   \
        }                                                                             \
        if (HYTM_DETAIL_UNDO_OK_(tx, addr)) {                                         \
            struct hytm_detail_undo *u = HYTM_DETAIL_TX_(tx)->undo;                   \
            struct hytm_detail_undo_entry *e = u->end;                                \
            if (__builtin_expect(e != u->limit, 1)) {                                 \
                uint64_t old = 0;                                                     \
                __builtin_memcpy(&old, addr, sizeof(T));                              \
                e->tagged = (uintptr_t)addr |                                         \
                            ((uintptr_t)(8 - sizeof(T)) << HYTM_DETAIL_UNDO_SIZE_SHIFT); \
                e->old = old;                                                         \
                u->end = e + 1;                                                       \
                __atomic_store_n(addr, value, __ATOMIC_RELAXED);                      \
                return;                                                               \
            }                                                                         \
        }                                                                             \
        if (HYTM_DETAIL_NOREC_OK_(tx, addr)) {                                        \
            hytm_detail_norec_write(tx, (void *)addr, (uint64_t)(uintptr_t)value, sizeof(T)); \
            return;                                                                   \
        }                                                                             \
        hytm_detail_store_##sfx##_(tx, addr, value);                                  \
    }
HYTM_DETAIL_ACCESS_(uint8_t, u8)
HYTM_DETAIL_ACCESS_(uint16_t, u16)
HYTM_DETAIL_ACCESS_(uint32_t, u32)
HYTM_DETAIL_ACCESS_(uint64_t, u64)
/* A name for void *, so that `const T *` reads void *const *. */
typedef void *hytm_detail_ptr_;
HYTM_DETAIL_ACCESS_(hytm_detail_ptr_, ptr)
#undef HYTM_DETAIL_ACCESS_

/* HYTM_BEGIN_NAMED's name for hytm_block_begin_frame, which takes no null
 * (the library's other entries map null to "c" themselves): folded away for
 * a string literal. */
static __inline__ __attribute__((__always_inline__)) const char *hytm_detail_site(const char *name) {
    return name ? name : "c";
}

/* HYTM_BEGIN: does the attempt that began need a restart point (c_tx.h)? */
static __inline__ __attribute__((__always_inline__)) int hytm_detail_needs_restart_point(hytm_tx *tx) {
    return hytm_detail_head_needs_restart_point(HYTM_DETAIL_TX_(tx));
}

static __inline__ __attribute__((__always_inline__)) sigjmp_buf *hytm_detail_jmpbuf(hytm_tx *tx) {
    return HYTM_DETAIL_TX_(tx)->env;
}

/* HYTM_END.  A region this block began commits here, in the caller's code:
 * (H3), then xend; the library is called after it, outside the region, for
 * what follows a commit.  This is the C twin of hytm::detail::htm_commit
 * (hybrid/protocol.hpp): the two must say the same.
 *   (H3) only a writer that sees software transactions running announces:
 *        the relaxed RMW of `external` is inside the region, so it becomes
 *        visible atomically with the region's data writes; software
 *        transactions revalidate when `external` moves.
 * A nested block commits with its outer transaction: its `commit` only ends
 * it (no test of `nested` here: a nested object's mode is never REGION). */
static __inline__ __attribute__((__always_inline__)) void hytm_detail_end(hytm_tx *tx) {
    struct hytm_detail_tx *h = HYTM_DETAIL_TX_(tx);
    if (h->mode == HYTM_DETAIL_REGION) {
        if (*h->wrote && __atomic_load_n(h->software, __ATOMIC_RELAXED) != 0) {
            h->stamp = __atomic_fetch_add(h->external, 1, __ATOMIC_RELAXED) + 1;
            h->announced = 1;
        }
        __asm__ __volatile__(".byte 0x0f, 0x01, 0xd5" ::: "memory"); /* xend */
        h->mode = HYTM_DETAIL_ENDED;
    }
    /* The path's commit, straight (what hytm_block_commit would pick): the
     * region, if any, has ended above.  A call through a pointer into the
     * library, no PLT slot: a nested block's runs inside the region. */
    h->commit(tx);
}

#endif /* HYTM_DETAIL_C_INLINE_H */
