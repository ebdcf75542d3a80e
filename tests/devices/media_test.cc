#include "devices/media.h"

#include <catch2/catch.hpp>

#include <vector>

#include "devices/block_device.h"
#include "sim/check.h"

namespace devices {
namespace {

std::vector<uint8_t> Bytes(size_t n, uint8_t v) { return std::vector<uint8_t>(n, v); }

TEST_CASE("Media: unwritten sectors read as a pattern of (device, sector, offset)", "[devices]") {
  Media a("sda", 1024), a2("sda", 1024), b("sdb", 1024);
  std::vector<uint8_t> x(2 * kSectorSize), y(2 * kSectorSize), z(2 * kSectorSize);
  a.Read(10, 2, x.data());
  a2.Read(10, 2, y.data());
  b.Read(10, 2, z.data());
  CHECK(x == y);  // same name, same bytes
  CHECK(x != z);  // another device differs
  // The two sectors differ from each other and match PatternByte.
  CHECK(std::vector<uint8_t>(x.begin(), x.begin() + 512) != std::vector<uint8_t>(x.begin() + 512, x.end()));
  for (uint32_t off : {0u, 7u, 8u, 300u, 511u}) {
    CHECK(x[off] == Media::PatternByte(a.pattern_seed(), 10, off));
    CHECK(x[512 + off] == Media::PatternByte(a.pattern_seed(), 11, off));
  }
}

TEST_CASE("Media: persisted writes read back; neighbours keep the pattern", "[devices]") {
  Media m("sda", 64);
  std::vector<uint8_t> before(kSectorSize), after(kSectorSize), out(3 * kSectorSize);
  m.Read(9, 1, before.data());
  const auto data = Bytes(kSectorSize, 0xab);
  m.Write(8, 1, data.data(), false);
  m.Read(7, 3, out.data());
  CHECK(std::vector<uint8_t>(out.begin() + 512, out.begin() + 1024) == data);
  m.Read(9, 1, after.data());
  CHECK(after == before);
}

TEST_CASE("Media: volatile writes are seen, flushed to persisted, or dropped", "[devices]") {
  Media m("sda", 64);
  std::vector<uint8_t> pattern(kSectorSize), out(kSectorSize);
  m.Read(3, 1, pattern.data());
  const auto v = Bytes(kSectorSize, 0x11);
  m.Write(3, 1, v.data(), true);
  CHECK(m.volatile_sectors() == 1);
  m.Read(3, 1, out.data());
  CHECK(out == v);
  m.PeekPersisted(3, 1, out.data());
  CHECK(out == pattern);

  SECTION("a power cut loses it") {
    CHECK(m.DropVolatile() == 1);
    m.Read(3, 1, out.data());
    CHECK(out == pattern);
  }
  SECTION("a flush keeps it across a power cut") {
    CHECK(m.Flush() == 1);
    CHECK(m.DropVolatile() == 0);
    m.Read(3, 1, out.data());
    CHECK(out == v);
  }
  SECTION("a persisted (FUA) write supersedes the cached copy") {
    const auto f = Bytes(kSectorSize, 0x22);
    m.Write(3, 1, f.data(), false);
    CHECK(m.volatile_sectors() == 0);
    m.DropVolatile();
    m.Read(3, 1, out.data());
    CHECK(out == f);
  }
}

TEST_CASE("Media: volatile extents are listed in sector order as maximal runs", "[devices]") {
  Media m("sda", 128);
  const auto d = Bytes(4 * kSectorSize, 1);
  m.Write(20, 3, d.data(), true);
  m.Write(5, 4, d.data(), true);
  m.Write(9, 1, d.data(), true);  // joins 5..8
  std::vector<std::pair<uint64_t, uint64_t>> runs;
  m.ForEachVolatileExtent([&](uint64_t s, uint64_t n) { runs.emplace_back(s, n); });
  CHECK(runs == std::vector<std::pair<uint64_t, uint64_t>>{{5, 5}, {20, 3}});
}

TEST_CASE("Media: discard makes a range read as the pattern again", "[devices]") {
  Media m("sda", 64), fresh("sda", 64);
  const auto d = Bytes(20 * kSectorSize, 0x5a);
  m.Write(2, 20, d.data(), false);
  m.Write(30, 1, d.data(), true);
  m.Discard(4, 12);  // a whole chunk (8..15) and parts of others
  m.Discard(30, 1);
  std::vector<uint8_t> got(64 * kSectorSize), want(64 * kSectorSize);
  m.Read(0, 64, got.data());
  fresh.Read(0, 64, want.data());
  for (uint64_t s = 0; s < 64; ++s) {
    const bool written = (s >= 2 && s < 4) || (s >= 16 && s < 22);
    const auto g = std::vector<uint8_t>(got.begin() + s * 512, got.begin() + (s + 1) * 512);
    const auto w = std::vector<uint8_t>(want.begin() + s * 512, want.begin() + (s + 1) * 512);
    INFO("sector " << s);
    CHECK((written ? g == Bytes(512, 0x5a) : g == w));
  }
}

TEST_CASE("Media: byte-addressed setup writes persist and read back", "[devices]") {
  Media m("sda", 16);
  std::vector<uint8_t> text = {'h', 'e', 'l', 'l', 'o'};
  std::vector<uint8_t> pattern(3);
  m.ReadBytes(508, pattern);
  m.SetupWriteBytes(510, text);  // straddles sectors 0 and 1
  std::vector<uint8_t> out(9);
  m.ReadBytes(508, out);
  CHECK(out[0] == pattern[0]);
  CHECK(out[1] == pattern[1]);
  CHECK(std::vector<uint8_t>(out.begin() + 2, out.begin() + 7) == text);
  m.DropVolatile();
  m.ReadBytes(510, out);
  CHECK(std::vector<uint8_t>(out.begin(), out.begin() + 5) == text);
}

TEST_CASE("Media: ranges past capacity are violations", "[devices]") {
  Media m("sda", 16);
  std::vector<uint8_t> out(2 * kSectorSize);
  CHECK_THROWS_AS(m.Read(15, 2, out.data()), sim::Violation);
}

}  // namespace
}  // namespace devices
