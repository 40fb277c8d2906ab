/* forced_rtm_c.c: the C half of the forced-RTM workload.  Both forms of hytm.h on a shared
 * counter: hytm_atomic(), which restarts inside the library, and the HYTM_BEGIN/HYTM_END block,
 * whose hardware attempt returns from hytm_block_attempt() into the block (under valgrind every
 * such xbegin aborts back into the library, which then picks another path). */
#include <hytm/hytm.h>

#include <stdint.h>

static void add_one(hytm_tx *tx, void *arg) {
    uint64_t *counter = arg;
    hytm_store_u64(tx, counter, hytm_load_u64(tx, counter) + 1);
}

/* Runs 2 * iterations transactions on *counter; returns how many. */
long forced_rtm_c_round(uint64_t *counter, int iterations) {
    for (int i = 0; i < iterations; ++i) {
        hytm_atomic_named("forced_rtm_c:function", add_one, counter);
        HYTM_BEGIN_NAMED(tx, "forced_rtm_c:block") {
            uint64_t v = hytm_load_u64(tx, counter);
            hytm_store_u64(tx, counter, v + 1);
        } HYTM_END(tx);
    }
    return 2L * iterations;
}
