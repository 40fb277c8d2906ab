#include <gtest/gtest.h>
#include <hytm/stm/write_set.hpp>

#include <cstdint>
#include <cstring>

using hytm::stm::write_set;

TEST(WriteSet, WritesBackExactlyTheBytesWritten) {
  alignas(8) unsigned char mem[24];
  std::memset(mem, 0x55, sizeof mem);
  write_set ws;
  ws.put(mem + 1, 1, 0xAA);
  ws.put(mem + 4, 4, 0x01020304);
  ws.put(mem + 8, 8, 0x1122334455667788ull);
  ws.put(mem + 18, 2, 0xBEEF);
  ws.write_back(std::memory_order_relaxed);
  EXPECT_EQ(mem[0], 0x55);
  EXPECT_EQ(mem[1], 0xAA);
  EXPECT_EQ(mem[2], 0x55);
  EXPECT_EQ(mem[3], 0x55);
  std::uint32_t w;
  std::memcpy(&w, mem + 4, 4);
  EXPECT_EQ(w, 0x01020304u);
  std::uint64_t q;
  std::memcpy(&q, mem + 8, 8);
  EXPECT_EQ(q, 0x1122334455667788ull);
  EXPECT_EQ(mem[16], 0x55);
  EXPECT_EQ(mem[17], 0x55);
  EXPECT_EQ(mem[18], 0xEF);
  EXPECT_EQ(mem[19], 0xBE);
  EXPECT_EQ(mem[20], 0x55);
}

TEST(WriteSet, LaterWritesWinAndMasksMerge) {
  alignas(8) std::uint64_t word = 0;
  write_set ws;
  ws.put(&word, 8, 0x1111111111111111ull);
  ws.put(reinterpret_cast<unsigned char*>(&word) + 3, 1, 0x22);
  const auto* e = ws.find(reinterpret_cast<std::uintptr_t>(&word));
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->mask, 0xff);
  EXPECT_EQ(e->value, 0x1111111122111111ull);
  EXPECT_EQ(ws.size(), 1u);
}

TEST(WriteSet, GrowsAndClears) {
  static std::uint64_t words[5000];
  write_set ws;
  for (auto& w : words) ws.put(&w, 8, reinterpret_cast<std::uintptr_t>(&w));
  EXPECT_EQ(ws.size(), 5000u);
  for (auto& w : words) {
    const auto* e = ws.find(reinterpret_cast<std::uintptr_t>(&w));
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->value, reinterpret_cast<std::uintptr_t>(&w));
  }
  ws.clear();
  EXPECT_TRUE(ws.empty());
  EXPECT_FALSE(ws.may_contain(reinterpret_cast<std::uintptr_t>(&words[0])));
  EXPECT_EQ(ws.find(reinterpret_cast<std::uintptr_t>(&words[7])), nullptr);
}

// overlay() merges by masks: the same bytes a byte-by-byte merge picks, for
// every written-byte mask, every aligned piece and a value in every byte.
TEST(WriteSet, OverlayTakesOwnBytesAndMemoryForTheRest) {
  using hytm::stm::write_set;
  const std::uint64_t value = 0x8877665544332211ull, mem_word = 0xF0E0D0C0B0A09080ull;
  for (unsigned mask = 0; mask < 256; ++mask) {
    const write_set::entry e{0x1000, value, 0, static_cast<std::uint8_t>(mask)};
    for (std::size_t k = 1; k <= 8; k *= 2) {
      for (unsigned off = 0; off + k <= 8; off += static_cast<unsigned>(k)) {
        const std::uint64_t mem = (mem_word >> (8 * off)) & hytm::pieces::piece_mask(k);
        std::uint64_t want = 0;
        for (unsigned i = 0; i < k; ++i) {
          const unsigned b = off + i;
          const std::uint64_t byte = (mask & (1u << b)) ? (value >> (8 * b)) & 0xff : (mem >> (8 * i)) & 0xff;
          want |= byte << (8 * i);
        }
        ASSERT_EQ(write_set::overlay(e, off, k, mem), want) << "mask " << mask << " k " << k << " off " << off;
      }
    }
  }
}
