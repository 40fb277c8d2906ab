// algorithm.hpp: what a software TM algorithm provides to the dispatcher.
//
// The dispatcher (hybrid/) instantiates a transaction body once per
// algorithm, so loads and stores inline into the body; an algorithm is
// therefore a compile-time plug-in, the way libitm's methods are run-time
// ones.  To add one (an orec-based algorithm for many cores, say): write a
// class that satisfies this concept, add it to the list in
// hybrid/include/hytm/hybrid/config.hpp, and the conformance suite runs it.
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
