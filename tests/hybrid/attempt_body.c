/* C bodies for attempt_test.cpp, compiled as C. */
#include <hytm/hytm.h>

/* A C block whose body calls back into C++ (a nested hytm::atomic). */
void c_block_calls(void (*fn)(void *), void *arg) {
    HYTM_BEGIN(tx) {
        fn(arg);
    }
    HYTM_END(tx);
}

/* Breaks the block rule: leaves the block by `return`, skipping HYTM_END. */
int c_block_returns_early(uint64_t *x) {
    HYTM_BEGIN(tx) {
        hytm_store_u64(tx, x, hytm_load_u64(tx, x) + 1);
        return 1;
    }
    HYTM_END(tx);
    return 0;
}

/* Misaligned fixed-size accesses: exactly the object's bytes. */
uint64_t c_misaligned(unsigned char *buf) {
    uint64_t r = 0;
    HYTM_BEGIN(tx) {
        uint64_t *p = (uint64_t *)(void *)(buf + 3);
        uint32_t *q = (uint32_t *)(void *)(buf + 13);
        uint16_t *h = (uint16_t *)(void *)(buf + 19);
        hytm_store_u64(tx, p, 0x1122334455667788ull);
        hytm_store_u32(tx, q, 0xa1b2c3d4u);
        hytm_store_u16(tx, h, 0xbeefu);
        r = hytm_load_u64(tx, p) ^ hytm_load_u32(tx, q) ^ hytm_load_u16(tx, h);
    }
    HYTM_END(tx);
    return r;
}

/* Adds one to *x in a block (nested when called inside a transaction);
 * returns the path its transaction object reported inside. */
const char *c_block_add(uint64_t *x) {
    const char *volatile path = 0; /* written inside the block: volatile (hytm.h) */
    HYTM_BEGIN(tx) {
        hytm_store_u64(tx, x, hytm_load_u64(tx, x) + 1);
        path = hytm_path_name(tx);
    }
    HYTM_END(tx);
    return path;
}
