#include "hytm/core/env.hpp"

#include <charconv>
#include <cstdio>
#include <cstdlib>

namespace hytm::env {

void reject(const char* name, std::string_view value, std::string_view why) {
  std::fprintf(stderr, "hytm: %s=%.*s is not valid: %.*s\n", name, static_cast<int>(value.size()),
               value.data(), static_cast<int>(why.size()), why.data());
  std::fflush(stderr);
  // _Exit, not exit: this may run inside a static initializer, where running
  // other libraries' destructors could touch half-constructed state.
  std::_Exit(2);
}

std::string raw(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

std::size_t choice(const char* name, std::initializer_list<std::string_view> allowed,
                   std::size_t fallback) {
  const std::string v = raw(name);
  if (v.empty()) return fallback;
  std::size_t i = 0;
  std::string list;
  for (std::string_view a : allowed) {
    if (v == a) return i;
    if (i++) list += ", ";
    list += a;
  }
  reject(name, v, "allowed values are " + list);
}

std::uint64_t integer(const char* name, std::uint64_t lo, std::uint64_t hi,
                      std::uint64_t fallback) {
  const std::string v = raw(name);
  if (v.empty()) return fallback;
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || end != v.data() + v.size() || n < lo || n > hi)
    reject(name, v,
           "expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
  return n;
}

}  // namespace hytm::env
