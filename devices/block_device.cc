#include "devices/block_device.h"

#include "sim/prng.h"

namespace devices {

std::string_view BlockOpName(BlockOp op) {
  switch (op) {
    case BlockOp::kRead:
      return "read";
    case BlockOp::kWrite:
      return "write";
    case BlockOp::kFlush:
      return "flush";
    case BlockOp::kDiscard:
      return "discard";
  }
  return "?";
}

int64_t DeviceTraceId(std::string_view name) {
  return static_cast<int64_t>(sim::HashName(name) & 0x7fffffffull);
}

}  // namespace devices
