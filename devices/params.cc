#include "devices/params.h"

#include "devices/block_device.h"

namespace devices {

sim::Status CheckRange(std::string_view device, std::string_view param, int64_t value, int64_t lo,
                       int64_t hi) {
  if (value >= lo && value <= hi) return sim::Status::Ok();
  return sim::Status::Error("device " + std::string(device) + ": " + std::string(param) + " " +
                            std::to_string(value) + " is out of range [" + std::to_string(lo) +
                            ", " + std::to_string(hi) + "]");
}

sim::Status CheckCapacity(std::string_view device, int64_t capacity_bytes,
                          int64_t logical_block_bytes) {
  const std::string dev = "device " + std::string(device) + ": ";
  if (logical_block_bytes < 512 || logical_block_bytes > 65536 ||
      (logical_block_bytes & (logical_block_bytes - 1)) != 0) {
    return sim::Status::Error(dev + "logical_block_bytes " + std::to_string(logical_block_bytes) +
                              " is not a power of two in [512, 65536]");
  }
  if (capacity_bytes <= 0 || capacity_bytes % kSectorSize != 0) {
    return sim::Status::Error(dev + "capacity " + std::to_string(capacity_bytes) +
                              " bytes is not a positive multiple of 512");
  }
  if (capacity_bytes % logical_block_bytes != 0) {
    return sim::Status::Error(dev + "capacity " + std::to_string(capacity_bytes) +
                              " bytes is not a multiple of the logical block size " +
                              std::to_string(logical_block_bytes));
  }
  // 2^50 bytes (1 PiB) keeps every sector * time product inside 128 bits
  // with room, and no modelled device is bigger.
  if (capacity_bytes > (int64_t{1} << 50)) {
    return sim::Status::Error(dev + "capacity " + std::to_string(capacity_bytes) +
                              " bytes exceeds the 1 PiB limit");
  }
  return sim::Status::Ok();
}

int64_t TransferNsWide(uint64_t bytes, int64_t bytes_per_sec) {
  const unsigned __int128 num = static_cast<unsigned __int128>(bytes) * 1000000000u;
  const auto rate = static_cast<unsigned __int128>(bytes_per_sec);
  return static_cast<int64_t>((num + rate - 1) / rate);
}

}  // namespace devices
