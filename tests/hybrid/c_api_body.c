/* Transaction bodies written in C, compiled as C, for c_api_test.cpp. */
#include <hytm/hytm.h>
#include <stdint.h>
#include <stdlib.h>

struct bank {
  uint64_t accounts[16];
};

static void transfer_body(hytm_tx *tx, void *arg) {
  struct bank *b = arg;
  uint64_t a = hytm_load_u64(tx, &b->accounts[0]);
  uint64_t c = hytm_load_u64(tx, &b->accounts[1]);
  hytm_store_u64(tx, &b->accounts[0], a - 1);
  hytm_store_u64(tx, &b->accounts[1], c + 1);
}

void c_transfer(struct bank *b) { hytm_atomic_named("c.transfer", transfer_body, b); }

/* Block form: returns the sum it saw, which must always be the total. */
uint64_t c_block_audit(struct bank *b) {
  uint64_t seen = 0;
  HYTM_BEGIN(tx) {
    uint64_t sum = 0;
    for (int i = 0; i < 16; ++i) sum += hytm_load_u64(tx, &b->accounts[i]);
    seen = sum;
  }
  HYTM_END(tx);
  return seen;
}

void c_block_increment(uint64_t *counter) {
  HYTM_BEGIN(tx) { hytm_store_u64(tx, counter, hytm_load_u64(tx, counter) + 1); }
  HYTM_END(tx);
}

static void count_abort(void *arg) { ++*(int *)arg; }

/* Restarts twice, then commits; the abort handler restores a counter kept
 * outside transactional memory. */
int c_restart_twice(uint64_t *x, int *aborts) {
  volatile int runs = 0;
  HYTM_BEGIN(tx) {
    hytm_on_abort(tx, count_abort, aborts);
    runs = runs + 1;
    hytm_store_u64(tx, x, (uint64_t)runs);
    if (runs < 3) hytm_restart(tx);
  }
  HYTM_END(tx);
  return runs;
}

/* Bytes, small sizes, pointers, allocation. */
int c_mixed(void) {
  struct rec {
    uint8_t a;
    uint16_t b;
    uint32_t c;
    char name[11];
    void *p;
  };
  static struct rec r;
  volatile int ok = 1; /* written inside the block: volatile (hytm.h, restarts) */
  HYTM_BEGIN_NAMED(tx, "c.mixed") {
    void *mem = hytm_malloc(tx, 64);
    hytm_store_u8(tx, &r.a, 7);
    hytm_store_u16(tx, &r.b, 700);
    hytm_store_u32(tx, &r.c, 70000);
    hytm_store_bytes(tx, r.name, "hello, tm!", 11);
    hytm_store_ptr(tx, &r.p, mem);
    char back[11];
    hytm_load_bytes(tx, back, r.name, 11);
    ok = ok && back[0] == 'h' && back[9] == '!' && hytm_load_u8(tx, &r.a) == 7 &&
         hytm_load_u16(tx, &r.b) == 700 && hytm_load_u32(tx, &r.c) == 70000 &&
         hytm_load_ptr(tx, &r.p) == mem;
  }
  HYTM_END(tx);
  ok = ok && r.a == 7 && r.b == 700 && r.c == 70000 && r.name[4] == 'o' && r.p != NULL;
  HYTM_BEGIN(tx) {
    hytm_free(tx, hytm_load_ptr(tx, &r.p));
    hytm_store_ptr(tx, &r.p, NULL);
  }
  HYTM_END(tx);
  return ok && r.p == NULL;
}

/* Irrevocable: runs serially. */
const char *c_irrevocable_path(void) {
  const char *volatile path = 0;
  HYTM_BEGIN(tx) {
    hytm_irrevocable(tx);
    path = hytm_path_name(tx);
  }
  HYTM_END(tx);
  return path;
}

/* Nested blocks are flattened. */
uint64_t c_nested(uint64_t *x) {
  HYTM_BEGIN(outer) {
    hytm_store_u64(outer, x, 1);
    HYTM_BEGIN(inner) { hytm_store_u64(inner, x, hytm_load_u64(inner, x) + 1); }
    HYTM_END(inner);
  }
  HYTM_END(outer);
  return *x;
}

/* Every store of the first run is undone by its restart: hundreds of words
 * (on the serial path the inline tier appends to the undo log until it is
 * full, then the library grows it) and every integer size and a pointer.
 * Returns how many values the second run found changed (0 expected). */
int c_restart_undoes_every_store(void) {
    static uint64_t words[300];
    static struct { uint8_t b; uint16_t h; uint32_t w; void *p; } small;
    for (int i = 0; i < 300; ++i) words[i] = (uint64_t)i * 3;
    small.b = 7;
    small.h = 700;
    small.w = 70000;
    small.p = &small;
    volatile int runs = 0;
    volatile int changed = 0;
    HYTM_BEGIN(tx) {
        runs = runs + 1;
        int bad = 0;
        for (int i = 0; i < 300; ++i) bad += hytm_load_u64(tx, &words[i]) != (uint64_t)i * 3;
        bad += hytm_load_u8(tx, &small.b) != 7;
        bad += hytm_load_u16(tx, &small.h) != 700;
        bad += hytm_load_u32(tx, &small.w) != 70000;
        bad += hytm_load_ptr(tx, &small.p) != (void *)&small;
        changed = bad;
        for (int i = 0; i < 300; ++i) hytm_store_u64(tx, &words[i], 0);
        hytm_store_u8(tx, &small.b, 0);
        hytm_store_u16(tx, &small.h, 0);
        hytm_store_u32(tx, &small.w, 0);
        hytm_store_ptr(tx, &small.p, 0);
        if (runs == 1) hytm_restart(tx);
    }
    HYTM_END(tx);
    return changed + (words[299] != 0) + (small.p != 0);
}

/* Four fields of four sizes that a writer keeps equal (mod their width). */
struct sized {
  uint8_t a;
  uint16_t b;
  uint32_t c;
  uint64_t d;
};

void c_sized_bump(struct sized *s) {
  HYTM_BEGIN(tx) {
    const uint64_t d = hytm_load_u64(tx, &s->d) + 1;
    hytm_store_u8(tx, &s->a, (uint8_t)d);
    hytm_store_u16(tx, &s->b, (uint16_t)d);
    hytm_store_u32(tx, &s->c, (uint32_t)d);
    hytm_store_u64(tx, &s->d, d);
  }
  HYTM_END(tx);
}

/* Loads of every size before any store (the inline software loads, which
 * log each piece with its size); 1 if they agree. */
int c_sized_agree(struct sized *s) {
  volatile int ok = 0;
  HYTM_BEGIN(tx) {
    const uint8_t a = hytm_load_u8(tx, &s->a);
    const uint16_t b = hytm_load_u16(tx, &s->b);
    const uint32_t c = hytm_load_u32(tx, &s->c);
    const uint64_t d = hytm_load_u64(tx, &s->d);
    ok = a == (uint8_t)d && b == (uint16_t)d && c == (uint32_t)d;
  }
  HYTM_END(tx);
  return ok;
}

/* A null name is the site "c" (a name the compiler cannot see). */
uint64_t c_null_name(uint64_t *x) {
  const char *volatile name = NULL;
  HYTM_BEGIN_NAMED(tx, name) { hytm_store_u64(tx, x, hytm_load_u64(tx, x) + 1); }
  HYTM_END(tx);
  return *x;
}
