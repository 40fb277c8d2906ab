// A C++ transaction body compiled into a -fPIC shared library that the test
// loads with dlopen: inside its hardware regions nothing may call through
// this library's PLT (issue 10 item 1).
#include <hytm/hytm.hpp>

namespace {
alignas(64) long g_counter = 0;
struct node {
  long key;
  node* next;
};
node* g_head = nullptr;
}  // namespace

extern "C" long rtm_plugin_increments(long n) {
  for (long i = 0; i < n; ++i)
    hytm::atomic(hytm::site("rtm.plugin"), [&](auto& tx) {
      tx.store(g_counter, tx.load(g_counter) + 1);
      if (i % 64 == 0) tx.store(g_head, tx.template make<node>(node{i, tx.load(g_head)}));
    });
  return g_counter;
}
