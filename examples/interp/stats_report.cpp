// stats_report.cpp: see stats_report.h.
#include "stats_report.h"

#include <hytm/hytm.hpp>

#include <set>

extern "C" void print_stats_report(FILE* out, describe_fn describe, void* ctx) {
  std::fputs(hytm::stats_text().c_str(), out);
  // hytm can name only addresses of C/C++ globals; the interpreter's globals
  // and objects live in memory it allocated, so it names them itself.
  std::set<std::uintptr_t> seen;
  bool any = false;
  for (const hytm::site_stats& s : hytm::statistics().sites) {
    for (const hytm::conflict_stat& c : s.conflicts) {
      char what[200];
      if (!seen.insert(c.addr).second || !describe(ctx, c.addr, what, sizeof what)) continue;
      if (!any) std::fputs("conflict addresses in the interpreted program:\n", out);
      any = true;
      std::fprintf(out, "  %#llx  %s\n", static_cast<unsigned long long>(c.addr), what);
    }
  }
}
