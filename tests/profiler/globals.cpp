// The profiler scenario's shared data (scenario.hpp), in a file of its own as
// a program's globals usually are.
#include "scenario.hpp"

alignas(64) long total_count = 0;

namespace profiler {
slot disjoint_slots[2];
}  // namespace profiler
