/* Transaction bodies written in C, compiled as C, for solo_test.cpp: both
 * forms of the C interface reach the one-thread mode through the same
 * policy as hytm::atomic. */
#include <hytm/hytm.h>
#include <stdint.h>

struct solo_c_arg {
  uint64_t *x;
  const char *path; /* the path of the attempt that ran last */
};

static void increment_body(hytm_tx *tx, void *arg) {
  struct solo_c_arg *a = arg;
  hytm_store_u64(tx, a->x, hytm_load_u64(tx, a->x) + 1);
  a->path = hytm_path_name(tx);
}

/* Function form: the name of the path the committed attempt ran on. */
const char *solo_c_function(uint64_t *x) {
  struct solo_c_arg a = {x, ""};
  hytm_atomic_named("solo.c.function", increment_body, &a);
  return a.path;
}

/* Block form: the same.  volatile: written after the sigsetjmp. */
const char *solo_c_block(uint64_t *x) {
  const char *volatile path = "";
  HYTM_BEGIN_NAMED(tx, "solo.c.block") {
    hytm_store_u64(tx, x, hytm_load_u64(tx, x) + 1);
    path = hytm_path_name(tx);
  }
  HYTM_END(tx);
  return path;
}
