#include "hytm/htm/abort_status.hpp"

namespace hytm::htm {

std::string_view name(abort_cause c) noexcept {
  switch (c) {
    case abort_cause::explicit_abort: return "explicit";
    case abort_cause::capacity: return "capacity";
    case abort_cause::conflict: return "conflict";
    case abort_cause::debug: return "debug";
    case abort_cause::nested: return "nested";
    case abort_cause::other: return "other";
  }
  return "other";
}

}  // namespace hytm::htm
