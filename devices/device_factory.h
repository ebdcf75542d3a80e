// The device factory: builds a model by kind name from a parameter map, so
// the scenario layer can turn a [[device]] TOML table into a BlockDevice
// without knowing each model. Every parameter is documented (name, unit,
// default, real-device source) by DescribeDeviceParams and in docs/devices.md.
//
//   std::unique_ptr<devices::BlockDevice> dev;
//   sim::Status s = devices::MakeDevice(sched, "hdd", "sda",
//                                       {{"rpm", int64_t{5400}}}, &dev);
//   if (!s.ok()) ... s.message() is one line: "device sda: rpm 0 is out of range [3600, 20000]"
#ifndef AIOSIM_DEVICES_DEVICE_FACTORY_H_
#define AIOSIM_DEVICES_DEVICE_FACTORY_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "devices/block_device.h"
#include "devices/params.h"
#include "sim/scheduler.h"
#include "sim/status.h"

namespace devices {

// "ramdisk", "hdd", "ssd".
std::vector<std::string_view> DeviceKinds();

// The parameters of one kind, in table order, with their defaults.
sim::Status DescribeDeviceParams(std::string_view kind, std::vector<ParamDoc>* out);

// Builds a device; parameters not given take their defaults. Errors (unknown
// kind, unknown parameter, a string where a number belongs, impossible
// values, a bad name) come back as a one-line Status and *out is untouched.
// Names: 1-32 characters of [a-z0-9_-], starting with a letter.
sim::Status MakeDevice(sim::Scheduler& sched, std::string_view kind, const std::string& name,
                       const ParamMap& params, std::unique_ptr<BlockDevice>* out);

}  // namespace devices

#endif  // AIOSIM_DEVICES_DEVICE_FACTORY_H_
