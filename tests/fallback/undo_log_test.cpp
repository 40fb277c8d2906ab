// The serial path's undo log: pieces of every size, long writes split into
// pieces, growth, savepoints (rollback_to) and the footprint's lines.  The
// C interface's inline serial store appends entries itself (c_inline.h), so
// the entry shape checked here is also what that code writes.
#include <gtest/gtest.h>
#include <hytm/fallback/undo_log.hpp>
#include <hytm/hytm.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

using hytm::undo_log;

TEST(UndoLog, RestoresEverySizeNewestFirst) {
  alignas(8) unsigned char buf[64];
  for (int i = 0; i < 64; ++i) buf[i] = static_cast<unsigned char>(i);
  unsigned char before[64];
  std::memcpy(before, buf, 64);
  undo_log log;
  // Overlapping pieces of sizes 1..8: only newest-first restores the oldest bytes.
  for (std::size_t k = 1; k <= 8; ++k) {
    log.save(buf + k, k);
    std::memset(buf + k, 0xEE, k);
  }
  EXPECT_EQ(log.size(), 8u);
  log.rollback();
  EXPECT_EQ(std::memcmp(buf, before, 64), 0);
  EXPECT_EQ(log.size(), 0u);
}

TEST(UndoLog, LongWritesAreSplitAndLogGrows) {
  std::vector<unsigned char> data(5000);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<unsigned char>(i * 7);
  const std::vector<unsigned char> before = data;
  undo_log log;
  log.save(data.data() + 3, 4997);  // 625 pieces, the last of 5 bytes: grows several times
  EXPECT_EQ(log.size(), 625u);
  std::fill(data.begin() + 3, data.end(), 0);
  log.rollback();
  EXPECT_EQ(data, before);
}

TEST(UndoLog, RollbackToAMarkKeepsTheOlderEntries) {
  std::uint64_t a = 1, b = 2;
  undo_log log;
  log.save(&a, 8);
  a = 10;
  const std::size_t mark = log.size();
  log.save(&b, 8);
  b = 20;
  log.save(&a, 8);
  a = 100;
  log.rollback_to(mark);
  EXPECT_EQ(a, 10u);
  EXPECT_EQ(b, 2u);
  EXPECT_EQ(log.size(), mark);
  log.rollback();
  EXPECT_EQ(a, 1u);
  log.rollback_to(0);  // nothing left: no effect
  log.clear();
  EXPECT_EQ(log.size(), 0u);
}

TEST(UndoLog, LinesCoverEveryPiece) {
  alignas(64) unsigned char buf[256];
  undo_log log;
  log.save(buf + 60, 8);   // lines 0 and 1
  log.save(buf + 130, 2);  // line 2
  std::vector<std::uintptr_t> lines;
  log.lines(lines);
  const auto base = reinterpret_cast<std::uintptr_t>(buf) >> 6;
  EXPECT_EQ(lines, (std::vector<std::uintptr_t>{base, base + 1, base + 2}));
}

// The entry as hytm.h's inline serial store writes it (c_tx.h) restores
// like one that save() wrote.
TEST(UndoLog, EntryShapeOfTheCInlineTier) {
  std::uint16_t h = 0xBEEF;
  std::uint64_t w = 0x0123456789ABCDEFull;
  undo_log log;
  log.save(&w, 8);  // allocates the buffer
  auto* u = reinterpret_cast<hytm_detail_undo*>(&log);
  ASSERT_NE(u->end, u->limit);
  u->end->tagged = reinterpret_cast<std::uintptr_t>(&h) |
                   (std::uintptr_t{8 - sizeof h} << HYTM_DETAIL_UNDO_SIZE_SHIFT);
  u->end->old = h;
  ++u->end;
  EXPECT_EQ(log.size(), 2u);
  h = 1;
  w = 2;
  log.rollback();
  EXPECT_EQ(h, 0xBEEF);
  EXPECT_EQ(w, 0x0123456789ABCDEFull);
}
