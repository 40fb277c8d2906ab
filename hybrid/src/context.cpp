// Thread contexts and call-site records: created on first use, never freed.
#include <pthread.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <unordered_map>

#include "fork_hooks.hpp"
#include "hytm/hybrid/protocol.hpp"
#include "hytm/hybrid/run.hpp"
#include "hytm/hybrid/sites.hpp"

namespace hytm {

hybrid_globals g_hybrid;

const char* name(path_kind p) noexcept {
  switch (p) {
    case path_kind::htm: return "htm";
    case path_kind::stm: return "stm";
    case path_kind::serial: return "serial";
  }
  return "?";
}

namespace {

std::atomic<thread_ctx*> g_ctx_head{nullptr};

thread_ctx* claim_ctx() {
  for (thread_ctx* c = g_ctx_head.load(std::memory_order_acquire); c; c = c->next) {
    bool expected = false;
    if (!c->claimed.load(std::memory_order_relaxed) &&
        c->claimed.compare_exchange_strong(expected, true, std::memory_order_acquire))
      return c;
  }
  auto* c = new thread_ctx;
  c->claimed.store(true, std::memory_order_relaxed);
  c->rng = xorshift(reinterpret_cast<std::uintptr_t>(c) * 0x9E3779B97F4A7C15ull);
  c->next = g_ctx_head.load(std::memory_order_relaxed);
  // Release: a walker that sees the new head sees the context initialized.
  while (!g_ctx_head.compare_exchange_weak(c->next, c, std::memory_order_release,
                                           std::memory_order_relaxed)) {
  }
  return c;
}

// Thread exit (docs/lifetime.md).  A transaction must work until the very
// end of a thread's life, including in the destructors of thread_local
// objects and of statics at process exit.  So the context is given back by a
// pthread key destructor, not by a thread_local object's destructor: glibc
// runs every C++ thread_local destructor (__call_tls_dtors) before any key
// destructor (__nptl_deallocate_tsd), and the main thread's key destructors
// do not run at exit() at all, so its context outlives the static
// destructors.  The key destructor clears t_ctx before the context can be
// adopted: a transaction in a later key destructor claims a context afresh,
// and setting the key again makes glibc run release_ctx once more (up to
// PTHREAD_DESTRUCTOR_ITERATIONS rounds; a context claimed after the last
// round stays claimed, never shared).
//
// t_ctx (thread_ctx.hpp) is initial-exec: one instruction to reach it,
// instead of a __tls_get_addr call per transaction.  It is a single pointer,
// which fits in the static TLS surplus glibc keeps even when libhytm is
// loaded with dlopen.
using detail::t_ctx;

void release_ctx(void* p) noexcept {
  auto* c = static_cast<thread_ctx*>(p);
  // A key destructor runs on the exiting thread itself, with its TLS intact.
  if (t_ctx == c) t_ctx = nullptr;
  detail::solo_release(c);
  c->solo = {};
  activity().give_back(c->slot);
  c->slot = nullptr;
  // Release: the thread that adopts it (acquire in claim_ctx) starts after
  // our last write.
  c->claimed.store(false, std::memory_order_release);
}

pthread_key_t ctx_key() {
  static const pthread_key_t key = [] {
    pthread_key_t k;
    if (pthread_key_create(&k, release_ctx) != 0) {
      std::fputs("hytm: pthread_key_create failed: no thread-exit hook\n", stderr);
      std::abort();
    }
    return k;
  }();
  return key;
}

struct site_registry {
  std::mutex m;
  std::unordered_map<std::string, site_record*> by_key;
  std::vector<site_record*> by_id;
};
site_registry& sites() {
  static auto* r = new site_registry;  // never destroyed: threads may outlive statics
  return *r;
}

}  // namespace

__thread thread_ctx* detail::t_ctx __attribute__((tls_model("initial-exec"))) = nullptr;

thread_ctx& detail::claim_current_ctx() {
  if (t_ctx != nullptr) return *t_ctx;
  const pthread_key_t key = ctx_key();
  thread_ctx* c = claim_ctx();
  c->slot = activity().claim();
  // The software attempts' slot (norec::bind): it stays with the context
  // until release_ctx() or a fork's child gives it up, and every adoption
  // comes back here.
  c->stm.bind(c->slot);
  c->orec.bind(c->slot);
  t_ctx = c;
  pthread_setspecific(key, c);
  return *c;
}

thread_ctx* first_ctx() noexcept { return g_ctx_head.load(std::memory_order_acquire); }

// ---- fork (fork.cpp) ----

namespace {
// The list's head when prepare locked it: that context and the older ones
// after it have their sites_mutex held by the forking thread.
thread_ctx* g_fork_locked = nullptr;
}  // namespace

thread_ctx* detail::this_thread_ctx() noexcept { return t_ctx; }

void detail::contexts_fork_prepare() {
  sites().m.lock();
  // After the registry's lock: a context whose owner is past intern() was
  // published before it, so it is in this walk.  One published later has
  // its sites_mutex free of writers (site_slow interns first).
  g_fork_locked = g_ctx_head.load(std::memory_order_acquire);
  for (thread_ctx* c = g_fork_locked; c; c = c->next) c->sites_mutex.lock();
}

void detail::contexts_fork_parent() {
  for (thread_ctx* c = g_fork_locked; c; c = c->next) c->sites_mutex.unlock();
  sites().m.unlock();
}

void detail::contexts_fork_child(thread_ctx* self) {
  bool locked = false;
  for (thread_ctx* c = g_ctx_head.load(std::memory_order_relaxed); c; c = c->next) {
    locked |= c == g_fork_locked;
    if (locked)
      c->sites_mutex.unlock();
    else
      new (&c->sites_mutex) std::mutex;  // a statistics reader may have held it
    if (c == self) continue;
    // Its thread is gone; the drain before the fork left it between
    // transactions.  The next thread to start adopts it, with its counts.
    c->slot = nullptr;  // activity().reset_after_fork() frees the slot
    c->claimed.store(false, std::memory_order_relaxed);
  }
  sites().m.unlock();
}

std::vector<const site_record*> all_sites() {
  auto& r = sites();
  std::lock_guard g(r.m);
  return {r.by_id.begin(), r.by_id.end()};
}

const site_record* site_by_id(std::uint32_t id) {
  auto& r = sites();
  std::lock_guard g(r.m);
  return id < r.by_id.size() ? r.by_id[id] : nullptr;
}

// The per-context table behind the cache (thread_ctx::site_index): open
// addressing, linear probing, a power-of-two size at most half full.  Only
// the owner thread reads and writes it (site_slow runs on the thread that
// starts the transaction); a context adopted by another thread keeps it,
// with the site_local objects it names, which are never freed.
struct site_index {
  struct entry {
    const void* key = nullptr;  // null: empty (a null key never reaches the table)
    std::uint32_t line = 0, column = 0;
    site_local* site = nullptr;
  };
  std::vector<entry> slots = std::vector<entry>(64);
  std::size_t used = 0;

  std::size_t home(const void* key, std::uint32_t line, std::uint32_t column) const noexcept {
    std::uint64_t h = reinterpret_cast<std::uintptr_t>(key);
    h ^= (std::uint64_t{line} << 32 | column) * 0xC2B2AE3D27D4EB4Full;
    return static_cast<std::size_t>((h * 0x9E3779B97F4A7C15ull) >> 32) & (slots.size() - 1);
  }
  site_local* find(const void* key, std::uint32_t line, std::uint32_t column) const noexcept {
    for (std::size_t i = home(key, line, column);; i = (i + 1) & (slots.size() - 1)) {
      const entry& e = slots[i];
      if (e.key == nullptr) return nullptr;
      if (e.key == key && e.line == line && e.column == column) return e.site;
    }
  }
  void insert(const void* key, std::uint32_t line, std::uint32_t column, site_local* s) {
    if (2 * (used + 1) > slots.size()) {
      std::vector<entry> old(2 * slots.size());
      old.swap(slots);
      used = 0;
      for (const entry& e : old)
        if (e.key != nullptr) insert(e.key, e.line, e.column, e.site);
    }
    std::size_t i = home(key, line, column);
    while (slots[i].key != nullptr) i = (i + 1) & (slots.size() - 1);
    slots[i] = {key, line, column, s};
    ++used;
  }
};

namespace detail {

static const site_record* intern(const void* key, std::uint32_t line, std::uint32_t column,
                                 const char* file, const char* function) {
  std::string k;
  if (file) {
    k = std::string(file) + ":" + std::to_string(line) + ":" + std::to_string(column);
  } else {
    // hytm::site(nullptr): its key matches no cache entry (an empty one's
    // is 1, thread_ctx.hpp), so it comes here, on its first start.
    if (key == nullptr)
      misuse("hytm::site(nullptr): a named site needs a name (a string that outlives the program's "
             "transactions)");
    k = "name:";
    k += static_cast<const char*>(key);
  }
  auto& r = sites();
  std::lock_guard g(r.m);
  auto it = r.by_key.find(k);
  if (it != r.by_key.end()) return it->second;
  auto* rec = new site_record;
  rec->id = static_cast<std::uint32_t>(r.by_id.size());
  if (file) {
    std::string f = file;
    if (auto slash = f.find_last_of('/'); slash != std::string::npos) f = f.substr(slash + 1);
    rec->name = f + ":" + std::to_string(line);
    rec->file = file;
    rec->line = line;
    rec->function = function ? function : "";
  } else {
    rec->name = static_cast<const char*>(key);
  }
  r.by_id.push_back(rec);
  r.by_key.emplace(std::move(k), rec);
  return rec;
}

site_local& site_first_seen(thread_ctx& ctx, const void* key, std::uint32_t line,
                            std::uint32_t column, const char* file, const char* function);

// The cache entry is keyed on `key` alone where source_location is a
// pointer (site_for(), run.hpp).  A library unloaded and another loaded at
// its address could inherit its sites' entries: statistics and policy state
// under the wrong site, nothing else.
site_local& site_slow(thread_ctx& ctx, const void* key, std::uint32_t line, std::uint32_t column,
                      const char* file, const char* function) {
  // What the cache entry holds for this site, and the index's key.
  const std::uint32_t l = file ? line : 0, c = file ? column : ~0u;
  if (ctx.site_index == nullptr) ctx.site_index = new site_index;
  site_local* s = key != nullptr ? ctx.site_index->find(key, l, c) : nullptr;
  if (s == nullptr) {
    s = &site_first_seen(ctx, key, line, column, file, function);
    ctx.site_index->insert(key, l, c, s);
  }
  static_assert(thread_ctx::cache_size == 64, "cache_slot() keeps 6 bits");
  ctx.cache[thread_ctx::cache_slot(key)] = {key, l, c, s};
  return *s;
}

// A site this context has not met: the process's registry names it (the
// same record for every thread), and the context's site_local for it is
// made if the thread never ran it under another key (an inline function's
// site may have one per translation unit, run.hpp).
site_local& site_first_seen(thread_ctx& ctx, const void* key, std::uint32_t line,
                            std::uint32_t column, const char* file, const char* function) {
  const site_record* rec = intern(key, line, column, file, function);
  site_local* s = rec->id < ctx.sites.size() ? ctx.sites[rec->id] : nullptr;
  if (!s) {
    auto fresh = std::make_unique<site_local>();
    fresh->rec = rec;
    std::lock_guard g(ctx.sites_mutex);
    if (ctx.sites.size() <= rec->id) ctx.sites.resize(rec->id + 1, nullptr);
    s = ctx.sites[rec->id] = fresh.release();
    // The cost rule decides a new site within a few dozen transactions
    // only at its short timing interval (draw_timed).
    ctx.cost_calm = 0;
  }
  return *s;
}

void throw_abort() { throw tx_abort{}; }

void misuse(const char* what) {
  std::fprintf(stderr, "hytm: misuse: %s\n", what);
  std::abort();
}

void* tx_allocate(std::size_t size, std::size_t align) {
  void* p = align <= alignof(std::max_align_t)
                ? std::malloc(size ? size : 1)
                : std::aligned_alloc(align, (size + align - 1) / align * align);
  if (!p) throw std::bad_alloc();
  return p;
}

}  // namespace detail
}  // namespace hytm
