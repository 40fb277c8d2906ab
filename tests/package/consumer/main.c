/* The installed package, used from C11: both transaction forms of hytm.h on two threads. */
#include <hytm/hytm.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { THREADS = 2, PER_THREAD = 5000 };

static uint64_t counter;

static void increment(hytm_tx *tx, void *arg) {
    (void)arg;
    hytm_store_u64(tx, &counter, hytm_load_u64(tx, &counter) + 1);
}

static void *worker(void *arg) {
    (void)arg;
    for (int i = 0; i < PER_THREAD; ++i) {
        hytm_atomic(increment, NULL);
        HYTM_BEGIN(tx) {
            uint64_t v = hytm_load_u64(tx, &counter);
            hytm_store_u64(tx, &counter, v + 1);
        } HYTM_END(tx);
    }
    return NULL;
}

int main(void) {
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; ++i)
        if (pthread_create(&t[i], NULL, worker, NULL) != 0) return 2;
    for (int i = 0; i < THREADS; ++i) pthread_join(t[i], NULL);

    char *json = hytm_stats_json();
    int ok = counter == 2u * THREADS * PER_THREAD && json && strncmp(json, "{\"machine\"", 10) == 0;
    printf("consumer_c: counter=%llu\n", (unsigned long long)counter);
    free(json);
    puts(ok ? "consumer_c: ok" : "consumer_c: FAILED");
    return ok ? 0 : 1;
}
