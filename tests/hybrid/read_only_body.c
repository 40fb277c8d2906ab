/* Bodies written in C, compiled as C, for read_only_test.cpp: a C block
 * nested in a C++ transaction at a site that runs unlogged. */
#include <hytm/hytm.h>
#include <stdint.h>

/* Stores v to *x: inline (hytm.h's tier) and through the exported bytes
 * form, which takes the library's own path. */
void ro_c_store(uint64_t *x, uint64_t v) {
    HYTM_BEGIN_NAMED(tx, "ro.c.block") {
        hytm_store_u64(tx, x, v);
    }
    HYTM_END(tx);
}

void ro_c_store_bytes(uint64_t *x, uint64_t v) {
    HYTM_BEGIN_NAMED(tx, "ro.c.block_bytes") {
        hytm_store_bytes(tx, x, &v, sizeof v);
    }
    HYTM_END(tx);
}
