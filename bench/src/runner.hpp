// runner.hpp: the child side of the driver. The parent re-executes the binary once per
// implementation (`--child NAME --result-fd N`) with that implementation's environment; the child
// runs every planned (workload, threads) pair and writes one JSON line per event to fd N:
//   {"event":"ready"}                           the TM runtime started
//   {"event":"begin","workload":..,"label":..,"threads":..}
//   {"event":"run", <the run object of the report>}
#pragma once

#include "options.hpp"

namespace hytm_bench {

// Returns the process exit status: 0, or 1 if any run failed its check.
int child_main(const options& o);

// In callgrind mode (--counted) each run is done twice, dumped as NAME|1 and NAME|2.
std::string callgrind_name(const std::string& impl, const std::string& label);

}  // namespace hytm_bench
