// check.hpp: what a structure's validate() returns. Validation runs on one thread after all
// workers have joined, so it reads the structure with plain accesses.
#pragma once

#include <cstddef>
#include <string>

namespace hytm_bench {

struct validation {
    std::size_t size = 0;  // keys found
    std::string error;     // empty when every invariant holds
};

}  // namespace hytm_bench
