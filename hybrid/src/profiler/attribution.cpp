// Attribution of the RTM model's aborts (attribution.hpp).
#include "attribution.hpp"

#include <mutex>

#include "hytm/htm/abort_status.hpp"
#include "hytm/htm/emulator.hpp"

namespace hytm::detail {

void count_capacity(capacity_entry& c, const htm::capacity_detail& d, std::uint64_t spent) noexcept {
  ++c.aborts;
  c.ticks += spent;
  c.read_lines += d.read_lines;
  c.write_lines += d.write_lines;
  c.read_bound += d.read_bound ? 1 : 0;
  c.last_read = static_cast<std::uint32_t>(d.read_lines);
  c.last_write = static_cast<std::uint32_t>(d.write_lines);
  c.set = static_cast<std::uint32_t>(d.fullest_set);
  c.set_fill = static_cast<std::uint32_t>(d.fullest_fill);
  c.ways = static_cast<std::uint32_t>(d.ways);
  c.last_read_bound = d.read_bound;
}

namespace {

void record_capacity(thread_ctx& ctx, const htm::capacity_detail& d, std::uint64_t spent) noexcept {
  std::lock_guard g(ctx.sites_mutex);
  count_capacity(ctx.site->capacity, d, spent);
}

}  // namespace

void record_model_abort(thread_ctx& ctx, std::uint64_t spent) noexcept {
  const unsigned st = ctx.emu.status();
  // Capacity outranks conflict in the status (abort_status.hpp), and the
  // line that did not fit conflicted with nobody.
  if (st & htm::status_bit::capacity) {
    record_capacity(ctx, ctx.emu.capacity(), spent);
    return;
  }
  const htm::conflict_detail d = ctx.emu.conflict();
  if (d.line == 0) return;
  const std::uintptr_t base = d.line * 64;
  if (d.mine == 0 || d.theirs == 0) {
    record_conflict(ctx, base, ~0u, spent);  // one side unknown: the line is all there is
    return;
  }
  // Name the first byte both touched (a true conflict) or, when none is
  // shared, each side's first byte: two variables on one line.
  if (const std::uint64_t both = d.mine & d.theirs) {
    record_conflict(ctx, base + static_cast<unsigned>(__builtin_ctzll(both)), ~0u, spent);
    return;
  }
  record_conflict(ctx, base + static_cast<unsigned>(__builtin_ctzll(d.mine)), ~0u, spent,
                  base + static_cast<unsigned>(__builtin_ctzll(d.theirs)));
}

}  // namespace hytm::detail
