// sites.hpp: the process-wide list of call sites (engine-internal).
#pragma once

#include <cstdint>
#include <vector>

#include "hytm/hybrid/site.hpp"

namespace hytm {

std::vector<const site_record*> all_sites();
const site_record* site_by_id(std::uint32_t id);

}  // namespace hytm
