/* C bodies for rtm_test.cpp, compiled as C. */
#include <hytm/hytm.h>

void rtm_c_increment(hytm_tx *tx, void *arg) {
    uint64_t *x = arg;
    hytm_store_u64(tx, x, hytm_load_u64(tx, x) + 1);
}

void rtm_c_block_increments(uint64_t *x, long n) {
    for (long i = 0; i < n; ++i) {
        HYTM_BEGIN(tx) {
            hytm_store_u64(tx, x, hytm_load_u64(tx, x) + 1);
        }
        HYTM_END(tx);
    }
}

/* Transfers between the 8 accounts of acc (total 800) in the block form, each
 * transaction also summing all of them: returns how many saw another total.
 * With software transactions running beside it, its hardware commits take the
 * inline commit's (H3) announcement (hytm/detail/c_inline.h). */
long rtm_c_block_bank(uint64_t *acc, long n, int t) {
    volatile long bad = 0; /* written inside the block: volatile (hytm.h, restarts) */
    for (long i = 0; i < n; ++i) {
        const int a = (int)((i + t) % 8), b = (int)((i * 3 + 1 + t) % 8);
        if (a == b) continue;
        HYTM_BEGIN(tx) {
            uint64_t sum = 0;
            for (int k = 0; k < 8; ++k) sum += hytm_load_u64(tx, &acc[k]);
            if (sum != 800) bad = bad + 1;
            hytm_store_u64(tx, &acc[a], hytm_load_u64(tx, &acc[a]) - 1);
            hytm_store_u64(tx, &acc[b], hytm_load_u64(tx, &acc[b]) + 1);
        }
        HYTM_END(tx);
    }
    return bad;
}
