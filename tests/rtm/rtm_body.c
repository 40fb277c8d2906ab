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
