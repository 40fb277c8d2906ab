// algorithm.hpp: what a software TM algorithm provides to the dispatcher.
//
// The dispatcher (hybrid/) instantiates a transaction body once per
// algorithm, so loads and stores inline into the body; an algorithm is
// therefore a compile-time plug-in, the way libitm's methods are run-time
// ones.  Two satisfy it: norec (the default) and orec (HYTM_STM=orec).  To
// add one: write a class that satisfies this concept, name it in
// stm_algorithm (hybrid/include/hytm/hybrid/config.hpp) and in
// detail::algorithm_state (thread_ctx.hpp), dispatch on it where orec is
// (run.hpp's run_stm, with_algorithm), and give it conformance modes
// (tests/conformance/modes.cpp).
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>

#include "hytm/core/activity.hpp"

namespace hytm::stm {

template <class A>
concept software_algorithm = requires(A a, const void* cp, void* p, std::size_t k,
                                      std::uint64_t& out, activity_slot* slot) {
  { A::name } -> std::convertible_to<const char*>;
  { a.start(slot) } noexcept;
  { a.read(cp, k, out) } -> std::same_as<bool>;  // false: doomed
  a.write(p, k, std::uint64_t{});
  { a.commit() } -> std::same_as<bool>;  // false: aborted, nothing written
  { a.validate() } -> std::same_as<bool>;
  { a.rollback() } noexcept;
  { a.doomed() } -> std::same_as<bool>;
  { a.read_only() } -> std::same_as<bool>;
};

}  // namespace hytm::stm
