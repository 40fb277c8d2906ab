/*
 * hytm.h: the C interface to hytm, for language runtimes and C programs.
 *
 * Two ways to run a transaction:
 *
 *   1. A function:
 *
 *        static void transfer(hytm_tx *tx, void *arg) {
 *            struct transfer_args *a = arg;
 *            int64_t f = (int64_t)hytm_load_u64(tx, &a->from->balance);
 *            hytm_store_u64(tx, &a->from->balance, (uint64_t)(f - a->amount));
 *            ...
 *        }
 *        hytm_atomic(transfer, &args);
 *
 *   2. A block, the way block-structured C TM code is written:
 *
 *        HYTM_BEGIN(tx) {
 *            uint64_t v = hytm_load_u64(tx, &counter);
 *            hytm_store_u64(tx, &counter, v + 1);
 *        } HYTM_END(tx);
 *
 * Every path (hardware, software, serial) is available to both forms; loads
 * and stores pick their path at run time.
 *
 * Restarts.  A transaction that must run again (a conflict, hytm_restart(), a
 * move to the serial path) resumes at its restart point: for the block form,
 * the setjmp inside HYTM_BEGIN (__builtin_setjmp with GCC, sigsetjmp
 * otherwise), which is in *your* frame; for the function form, a point inside
 * hytm_atomic().  Consequences you must respect:
 *   - Local variables of the enclosing function that are modified inside the
 *     block have indeterminate values after a restart unless they are declared
 *     `volatile` (C11 7.13.2.1).  Keep block-local state inside the block.
 *   - Do not `return`, `break`, `goto` or longjmp out of a block: leave it
 *     through HYTM_END only.  A block left otherwise leaves the thread inside
 *     the transaction; the next entry detects it and stops the program with
 *     a message naming this rule.  Likewise for a C++ exception out of a
 *     hytm_atomic body.
 *   - Never call code that throws C++ exceptions from a transaction body in
 *     C: a restart does not unwind C++ frames.
 *   - The restart does not save or restore the signal mask: saving it is a
 *     system call, which would abort a hardware transaction.
 *
 * Memory written by hytm_store_* is shared data: touch it outside
 * transactions only when no transaction can run concurrently on it (see
 * docs/memory-model.md: privatization and publication).
 */
#ifndef HYTM_HYTM_H
#define HYTM_HYTM_H

/* sigjmp_buf and sigsetjmp are POSIX: strict ISO C modes (-std=c11) hide
 * them unless a POSIX level is requested. */
#if defined(__STRICT_ANSI__) && !defined(_POSIX_C_SOURCE) && !defined(_GNU_SOURCE) && \
    !defined(_XOPEN_SOURCE) && !defined(__cplusplus)
#error "hytm.h needs POSIX sigsetjmp: define _POSIX_C_SOURCE=200809L before any #include, or compile with -std=gnu11"
#endif
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

#include "hytm/detail/c_tx.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Every exported function is called through the GOT, never through a PLT
 * slot (noplt): a GOT entry is bound when the program is loaded, a PLT slot
 * lazily, by the resolver, at the first call -- and a first call made inside
 * a hardware transaction aborts it, with the binding rolled back, forever.
 * So whatever the program's own link flags, no call into libhytm from a
 * hardware region runs the resolver. */
#if defined(__GNUC__)
#if defined(__has_attribute)
#if __has_attribute(noplt)
#define HYTM_C_NOPLT_ noplt,
#endif
#endif
#ifndef HYTM_C_NOPLT_
#define HYTM_C_NOPLT_
#endif
#define HYTM_C_API __attribute__((HYTM_C_NOPLT_ visibility("default")))
#define HYTM_C_NORETURN __attribute__((noreturn))
#define HYTM_C_NONNULL_RESULT __attribute__((returns_nonnull))
#else
#define HYTM_C_API
#define HYTM_C_NORETURN
#define HYTM_C_NONNULL_RESULT
#endif

/* The inline tier: loads, stores and the block form's commit run in the
 * caller's code while the transaction is a hardware region (see
 * hytm/detail/c_tx.h).  GCC and Clang on x86; elsewhere, or with
 * HYTM_C_NO_INLINE defined (the library itself, or a binding generator that
 * wants only the exported functions), every call goes to the library. */
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__)) && !defined(HYTM_C_NO_INLINE)
#define HYTM_C_INLINE_TIER 1
#else
#define HYTM_C_INLINE_TIER 0
#endif

/* One transaction in flight on this thread.  Opaque; valid only inside the
 * body or block that received it. */
typedef struct hytm_tx hytm_tx;

typedef void (*hytm_body_fn)(hytm_tx *tx, void *arg);
typedef void (*hytm_handler_fn)(void *arg);

/* Runs body(tx, arg) as one transaction.  Nested calls are flattened into
 * the enclosing transaction. */
HYTM_C_API void hytm_atomic(hytm_body_fn body, void *arg);
/* The same, counted under the call site `name` (a string that lives as long
 * as the program; sites with equal contents are one site). */
HYTM_C_API void hytm_atomic_named(const char *name, hytm_body_fn body, void *arg);

/* Loads and stores of shared data.  Any address: a naturally aligned one is
 * the fast path; a misaligned one is split into aligned pieces and touches
 * exactly the object's bytes.  The _bytes forms take any length.
 * With the inline tier these names are inline functions that call the
 * library only off the hardware path; their address (&hytm_load_u64, for a
 * binding) is still the exported function's. */
HYTM_C_API uint8_t hytm_load_u8(hytm_tx *tx, const uint8_t *addr);
HYTM_C_API uint16_t hytm_load_u16(hytm_tx *tx, const uint16_t *addr);
HYTM_C_API uint32_t hytm_load_u32(hytm_tx *tx, const uint32_t *addr);
HYTM_C_API uint64_t hytm_load_u64(hytm_tx *tx, const uint64_t *addr);
HYTM_C_API void *hytm_load_ptr(hytm_tx *tx, void *const *addr);
HYTM_C_API void hytm_load_bytes(hytm_tx *tx, void *dst, const void *src, size_t n);

HYTM_C_API void hytm_store_u8(hytm_tx *tx, uint8_t *addr, uint8_t value);
HYTM_C_API void hytm_store_u16(hytm_tx *tx, uint16_t *addr, uint16_t value);
HYTM_C_API void hytm_store_u32(hytm_tx *tx, uint32_t *addr, uint32_t value);
HYTM_C_API void hytm_store_u64(hytm_tx *tx, uint64_t *addr, uint64_t value);
HYTM_C_API void hytm_store_ptr(hytm_tx *tx, void **addr, void *value);
HYTM_C_API void hytm_store_bytes(hytm_tx *tx, void *dst, const void *src, size_t n);

/* Memory: an allocation is released if the transaction aborts; a free takes
 * effect after commit, once no transaction can still read the memory. */
HYTM_C_API void *hytm_malloc(hytm_tx *tx, size_t size);
HYTM_C_API void hytm_free(hytm_tx *tx, void *ptr);

/* Control. */
HYTM_C_API void hytm_irrevocable(hytm_tx *tx); /* re-run serially before I/O */
HYTM_C_API HYTM_C_NORETURN void hytm_restart(hytm_tx *tx);
HYTM_C_API void hytm_on_commit(hytm_tx *tx, hytm_handler_fn fn, void *arg);
HYTM_C_API void hytm_on_abort(hytm_tx *tx, hytm_handler_fn fn, void *arg);
/* Which path this attempt runs on: "htm", "emulated", "stm" or "serial". */
HYTM_C_API const char *hytm_path_name(const hytm_tx *tx);
/* Nonzero inside a transaction on this thread. */
HYTM_C_API int hytm_in_transaction(void);

/* Statistics as JSON (the same document as hytm::stats_json()).  The string
 * is allocated with malloc: release it with free(). */
HYTM_C_API char *hytm_stats_json(void);
/* The same as a text table followed by the ranked conflict report. */
HYTM_C_API char *hytm_stats_text(void);
HYTM_C_API void hytm_reset_stats(void);

/* The block form.  Internal entry points: use the macros.
 *
 * hytm_block_begin() enters the transaction and starts its first attempt on
 * the path the policy picks.  A hardware attempt returns inside the region:
 * the block then runs with no restart point to set (an abort resumes inside
 * the library, which starts the next path and returns again).  After any
 * other start the macro sets the restart point in the caller's frame; a
 * jump back to it calls hytm_block_attempt(), which starts the next attempt.
 * hytm_block_commit() commits, or jumps back to restart.
 * hytm_block_begin_gnu() is the same for a restart point set with GCC's
 * __builtin_setjmp (the library then jumps back with __builtin_longjmp).
 * hytm_block_begin_frame() (layout 3 on, GCC) takes a restart point the
 * macro set *before* the call, with __builtin_setjmp, in a buffer of the
 * caller's frame: the caller then tests nothing after the entry, and a jump
 * back calls hytm_block_resume(), which starts the next attempt and returns
 * the transaction.
 * hytm_block_enter() and hytm_block_jmpbuf() are the entry of programs built
 * against the first version of this header (enter, then always sigsetjmp
 * and attempt); they keep working, as do hytm_block_begin_gnu() and
 * hytm_block_commit() for programs built against layout 2. */
HYTM_C_API HYTM_C_NONNULL_RESULT hytm_tx *hytm_block_begin(const char *site);
HYTM_C_API HYTM_C_NONNULL_RESULT hytm_tx *hytm_block_begin_gnu(const char *site);
/* site: not null (HYTM_BEGIN_NAMED passes "c" for a null name). */
HYTM_C_API HYTM_C_NONNULL_RESULT hytm_tx *hytm_block_begin_frame(const char *site, void **env);
HYTM_C_API HYTM_C_NONNULL_RESULT hytm_tx *hytm_block_resume(void);
HYTM_C_API hytm_tx *hytm_block_enter(const char *site);
HYTM_C_API sigjmp_buf *hytm_block_jmpbuf(hytm_tx *tx);
HYTM_C_API void hytm_block_attempt(hytm_tx *tx);
HYTM_C_API void hytm_block_commit(hytm_tx *tx);
/* The inline tier's store in a NOrec attempt (mode NOREC, layout 3 on): an
 * aligned piece of `size` bytes into the write set, with none of
 * hytm_store_*'s tests of the path, which the mode bit has made. */
HYTM_C_API void hytm_detail_norec_write(hytm_tx *tx, void *addr, uint64_t value, size_t size);

#if HYTM_C_INLINE_TIER
#include "hytm/detail/c_inline.h"
/* The restart point: HYTM_DETAIL_GNU_RESTART (hytm/detail/c_tx.h) says which.
 * GCC: __builtin_setjmp, before the entry, into five words of this frame
 * (the frame pointer, the receiver's address, the stack pointer; GCC's
 * buffer is five words).  Setting it always costs three stores, less than
 * asking whether the attempt needs it; a hardware attempt and a nested block
 * never jump to it.  A jump back (the library's __builtin_longjmp) resumes
 * at the setjmp, which then returns 1: hytm_block_resume() starts the next
 * attempt.  `tx` is assigned after the setjmp on both branches, so no
 * variable of the block's is live across the jump.
 * Otherwise: sigsetjmp after the entry, when the attempt needs it. */
#if HYTM_DETAIL_GNU_RESTART
#define HYTM_BEGIN_NAMED(tx, name)                                   \
    do {                                                             \
        void *hytm_detail_env_##tx[5];                                   \
        hytm_tx *const tx = __builtin_expect(__builtin_setjmp(hytm_detail_env_##tx), 0) \
                                ? hytm_block_resume()                \
                                : hytm_block_begin_frame(hytm_detail_site(name), hytm_detail_env_##tx); \
        {
#else
#define HYTM_BEGIN_NAMED(tx, name)                                   \
    do {                                                             \
        hytm_tx *const tx = hytm_block_begin(name);                  \
        if (hytm_detail_needs_restart_point(tx)) {                   \
            if (sigsetjmp(*hytm_detail_jmpbuf(tx), 0)) hytm_block_attempt(tx); \
        }                                                            \
        {
#endif
#define HYTM_END(tx)                                                 \
        }                                                            \
        hytm_detail_end(tx);                                         \
    } while (0)
#else
#define HYTM_BEGIN_NAMED(tx, name)                                   \
    do {                                                             \
        hytm_tx *const tx = hytm_block_enter(name);                  \
        (void)sigsetjmp(*hytm_block_jmpbuf(tx), 0);                  \
        hytm_block_attempt(tx);                                      \
        {
#define HYTM_END(tx)                                                 \
        }                                                            \
        hytm_block_commit(tx);                                       \
    } while (0)
#endif
#define HYTM_BEGIN(tx) HYTM_BEGIN_NAMED(tx, __FILE__ ":" HYTM_C_STR_(__LINE__))
#define HYTM_C_STR2_(x) #x
#define HYTM_C_STR_(x) HYTM_C_STR2_(x)

#ifdef __cplusplus
}
#endif
#endif /* HYTM_HYTM_H */
