/* c_costs: the fixed cost of a C transaction, for callgrind (the C twin of
 * tx_costs.cpp, so that the two interfaces are compared on the same body).
 *
 *   valgrind --tool=callgrind ./hytm-c-costs KIND N
 *
 * runs N transactions of KIND on one thread:
 *   block-empty        HYTM_BEGIN/HYTM_END around nothing
 *   block-increment    the block form incrementing a counter
 *   atomic-empty       hytm_atomic() with an empty body
 *   atomic-increment   hytm_atomic() incrementing a counter
 * measure.sh runs each at two N and subtracts, as for tx_costs. */
#include <hytm/hytm.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t counter;

static void empty_body(hytm_tx *tx, void *arg) {
    (void)tx;
    (void)arg;
}

static void increment_body(hytm_tx *tx, void *arg) {
    uint64_t *c = arg;
    hytm_store_u64(tx, c, hytm_load_u64(tx, c) + 1);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s block-empty|block-increment|atomic-empty|atomic-increment N\n",
                argv[0]);
        return 2;
    }
    const char *kind = argv[1];
    const long n = atol(argv[2]);
    if (!strcmp(kind, "block-empty")) {
        for (long i = 0; i < n; ++i) {
            HYTM_BEGIN(tx) {
                (void)tx;
            } HYTM_END(tx);
        }
    } else if (!strcmp(kind, "block-increment")) {
        for (long i = 0; i < n; ++i) {
            HYTM_BEGIN(tx) {
                hytm_store_u64(tx, &counter, hytm_load_u64(tx, &counter) + 1);
            } HYTM_END(tx);
        }
    } else if (!strcmp(kind, "atomic-empty")) {
        for (long i = 0; i < n; ++i) hytm_atomic(empty_body, NULL);
    } else if (!strcmp(kind, "atomic-increment")) {
        for (long i = 0; i < n; ++i) hytm_atomic(increment_body, &counter);
    } else {
        fprintf(stderr, "unknown kind %s\n", kind);
        return 2;
    }
    return counter == (strstr(kind, "increment") ? (uint64_t)n : 0) ? 0 : 1;
}
