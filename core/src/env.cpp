#include "hytm/core/env.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <vector>

extern char** environ;

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

namespace {

// Levenshtein distance, ignoring case.
std::size_t distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      const bool same = std::toupper(static_cast<unsigned char>(a[i - 1])) ==
                        std::toupper(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (same ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

void warn_unknown(std::span<const std::string_view> known) {
  for (char** e = environ; e && *e; ++e) {
    const std::string_view entry(*e);
    const std::string_view name = entry.substr(0, entry.find('='));
    if (name.size() < 5) continue;
    std::string prefix(name.substr(0, 5));
    for (char& ch : prefix) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (prefix != "HYTM_") continue;
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    std::string_view best;
    std::size_t best_d = 3;
    for (std::string_view k : known)
      if (const std::size_t d = distance(name, k); d < best_d) {
        best_d = d;
        best = k;
      }
    if (best.empty()) continue;
    std::fprintf(stderr, "hytm: warning: %.*s is not a hytm setting and is ignored; did you mean %.*s?\n",
                 static_cast<int>(name.size()), name.data(), static_cast<int>(best.size()),
                 best.data());
  }
}

}  // namespace hytm::env
