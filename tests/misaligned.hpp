// misaligned.hpp: tx.load / tx.store of a T at any address, for the tests of
// docs/rules.md R1.  Binding a reference to a misaligned object is what
// UBSan's alignment check reports (in the program, not in hytm), so the tests
// make it only here.
#pragma once

#include <cstring>

namespace hytm_test {

template <class T, class Tx>
[[gnu::no_sanitize("alignment")]] T load_at(Tx& tx, const void* p) {
  return tx.load(*static_cast<T*>(const_cast<void*>(p)));
}
template <class T, class Tx>
[[gnu::no_sanitize("alignment")]] void store_at(Tx& tx, void* p, T v) {
  tx.store(*static_cast<T*>(p), v);
}
// The bytes at p as a T, outside any transaction.
template <class T>
T plain(const void* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace hytm_test
