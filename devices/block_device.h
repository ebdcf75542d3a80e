// BlockDevice: the interface between the block layer (kernel_model/blk) and a
// device model, in the shape of leveldb's Env: an abstract class that every
// model implements and that FaultyDevice wraps (forwarding, then bending).
//
// Contract of a request's life:
//   1. The caller fills a BlockRequest and calls Submit(rq).
//      REQUIRES in_flight() < queue_depth_max().
//      REQUIRES for kRead/kWrite/kDiscard: sectors > 0, sector and sectors
//        multiples of logical_block_size() / kSectorSize; for kRead/kWrite
//        data != nullptr holding sectors * kSectorSize bytes. kFlush carries
//        no range (sector = sectors = 0). rq->done is set.
//      Breaking a REQUIRES is a block-layer bug: SIM_CHECK (sim::Violation).
//      A range that runs past capacity_sectors() is not a bug of ours but an
//      I/O error, as on Linux: the request completes with -EIO.
//   2. Submit never calls rq->done itself. Completion is delivered later, as a
//      sim event (interrupt context, no fiber), in which the device:
//        - for kRead copies the bytes into rq->data (the media as it is at
//          that instant: volatile cache first, then persisted media);
//        - for kWrite takes the bytes from rq->data (so the caller owns and
//          must not change the buffer until completion); without fua they may
//          land in the model's volatile write cache, with fua they are
//          persisted before completion;
//        - for kFlush persists everything in the volatile write cache;
//        - stamps start_ns / complete_ns and status, decrements in_flight(),
//          and only then calls rq->done(rq, status) (so done may Submit again).
//      status is 0 or a negative errno (-EIO).
//   3. The request object, and whatever done_data points at, must stay alive
//      until done runs.
// Power cut (PowerCut()): the volatile write cache is lost; the persisted
// media keeps what was flushed. Requests in flight at that instant are aborted
// (their writes are not applied) and complete with -EIO at that same virtual
// time; the device then works again, empty-cached, as after a power cycle.
//
// Devices hold real bytes (see media.h); never-written sectors read as a
// deterministic pattern of (device name, sector, byte offset).
#ifndef AIOSIM_DEVICES_BLOCK_DEVICE_H_
#define AIOSIM_DEVICES_BLOCK_DEVICE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "sim/time.h"

namespace devices {

inline constexpr uint32_t kSectorSize = 512;

enum class BlockOp : uint8_t {
  kRead = 0,
  kWrite = 1,
  kFlush = 2,    // flush the volatile write cache (REQ_OP_FLUSH)
  kDiscard = 3,  // the range reads back as the never-written pattern
};
inline constexpr int kNumBlockOps = 4;
std::string_view BlockOpName(BlockOp op);  // "read", "write", "flush", "discard"

struct BlockRequest;
// Completion in the kernel's shape (struct request's end_io and
// end_io_data, bio's bi_end_io and bi_private): a plain function, and an
// opaque pointer through which it finds the caller's state.
using BlockDoneFn = void (*)(BlockRequest* rq, int status);

struct BlockRequest {
  // --- set by the caller ---
  uint64_t id = 0;  // the caller's stable id; appears in the trace
  BlockOp op = BlockOp::kRead;
  uint64_t sector = 0;      // first 512-byte sector
  uint32_t sectors = 0;     // length in 512-byte sectors
  uint8_t* data = nullptr;  // sectors * kSectorSize bytes (read: filled; write: source)
  bool fua = false;         // write: persist before completing (REQ_FUA)
  int16_t ioprio = 0;       // carried for the trace; models ignore it
  // Called once at completion. A device may clear it before calling it
  // (ModelDevice does): set it for every submission.
  BlockDoneFn done = nullptr;
  void* done_data = nullptr;  // the caller's, for done (like end_io_data); handed back as set

  // --- set by the device ---
  sim::SimTime submit_ns = 0;    // when Submit() was called
  sim::SimTime start_ns = 0;     // when the device began serving it
  sim::SimTime complete_ns = 0;  // when completion was delivered
  int status = 0;                // also passed to done

  uint64_t bytes() const { return uint64_t{sectors} * kSectorSize; }
};

class DeviceStats;
class Media;

class BlockDevice {
 public:
  virtual ~BlockDevice() = default;

  virtual const std::string& name() const = 0;
  // A small stable number for trace records: FNV-1a of the name, 31 bits.
  virtual int64_t trace_id() const = 0;
  virtual std::string_view kind() const = 0;  // "ramdisk", "hdd", "ssd", "faulty(hdd)"
  virtual uint32_t logical_block_size() const = 0;  // bytes; a multiple of kSectorSize
  virtual uint64_t capacity_sectors() const = 0;  // fixed for the device's life
  virtual uint32_t queue_depth_max() const = 0;  // fixed for the device's life
  virtual bool has_volatile_cache() const = 0;

  // See the contract above.
  virtual void Submit(BlockRequest* rq) = 0;
  // Requests submitted and not yet completed.
  virtual uint32_t in_flight() const = 0;

  // Counters and latencies as seen at this interface.
  virtual const DeviceStats& stats() const = 0;
  // The bytes: persisted media plus volatile cache, with setup helpers that
  // read and write without virtual time (for initial contents and checks).
  virtual Media& media() = 0;

  // Drops volatile state now (see the contract above).
  virtual void PowerCut() = 0;

  uint64_t capacity_bytes() const { return capacity_sectors() * kSectorSize; }
};

// Trace id of a device name (FNV-1a, low 31 bits): what trace_id() returns.
int64_t DeviceTraceId(std::string_view name);

}  // namespace devices

#endif  // AIOSIM_DEVICES_BLOCK_DEVICE_H_
