#include "devices/device_factory.h"

#include "devices/hdd.h"
#include "devices/ramdisk.h"
#include "devices/ssd.h"

namespace devices {

namespace {

sim::Status CheckName(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 32 && name[0] >= 'a' && name[0] <= 'z';
  for (char c : name) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-');
  }
  if (ok) return sim::Status::Ok();
  return sim::Status::Error("device '" + name +
                            "': a name is 1-32 characters of [a-z0-9_-] starting with a letter");
}

template <typename Model, typename Params>
sim::Status Build(sim::Scheduler& sched, std::string_view kind, const std::string& name,
                  const ParamMap& params, std::unique_ptr<BlockDevice>* out) {
  Params p;
  sim::Status s = ApplyParams<Params>(name, kind, Params::Table(), params, &p);
  if (!s.ok()) return s;
  std::unique_ptr<Model> model;
  s = Model::Create(sched, name, p, &model);
  if (s.ok()) *out = std::move(model);
  return s;
}

}  // namespace

std::vector<std::string_view> DeviceKinds() { return {"ramdisk", "hdd", "ssd"}; }

sim::Status DescribeDeviceParams(std::string_view kind, std::vector<ParamDoc>* out) {
  if (kind == "ramdisk") {
    *out = DescribeParams<RamdiskParams>(RamdiskParams::Table());
  } else if (kind == "hdd") {
    *out = DescribeParams<HddParams>(HddParams::Table());
  } else if (kind == "ssd") {
    *out = DescribeParams<SsdParams>(SsdParams::Table());
  } else {
    return sim::Status::Error("unknown device kind '" + std::string(kind) +
                              "' (known: ramdisk, hdd, ssd)");
  }
  return sim::Status::Ok();
}

sim::Status MakeDevice(sim::Scheduler& sched, std::string_view kind, const std::string& name,
                       const ParamMap& params, std::unique_ptr<BlockDevice>* out) {
  sim::Status s = CheckName(name);
  if (!s.ok()) return s;
  if (kind == "ramdisk") return Build<Ramdisk, RamdiskParams>(sched, kind, name, params, out);
  if (kind == "hdd") return Build<Hdd, HddParams>(sched, kind, name, params, out);
  if (kind == "ssd") return Build<Ssd, SsdParams>(sched, kind, name, params, out);
  return sim::Status::Error("device " + name + ": unknown kind '" + std::string(kind) +
                            "' (known: ramdisk, hdd, ssd)");
}

}  // namespace devices
