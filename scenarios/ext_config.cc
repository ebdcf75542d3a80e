#include "scenarios/ext_config.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <string>
#include <vector>

#include "devices/device_factory.h"
#include "devices/faulty_device.h"
#include "devices/params.h"
#include "kernel_model/blkdev.h"
#include "kernel_model/filemap_lru.h"
#include "kernel_model/mm.h"
#include "kernel_model/vfs_setup.h"
#include "scenarios/units.h"

namespace scenarios::kext {

namespace {

using Tables = std::vector<const ConfigNode*>;

sim::Status ArrayOfTables(const ConfigNode& root, std::string_view key, Tables* out) {
  const ConfigNode* n = root.Find(key);
  if (n == nullptr) return sim::Status::Ok();
  if (n->type() != ConfigNode::Type::kArray) {
    return n->Error("'" + std::string(key) + "' must be an array of tables ([[" + std::string(key) + "]]), got " +
                    std::string(n->TypeName()));
  }
  for (const auto& item : n->items()) {
    if (item->type() != ConfigNode::Type::kTable) {
      return item->Error("each [[" + std::string(key) + "]] must be a table, got " + std::string(item->TypeName()));
    }
    out->push_back(item.get());
  }
  return sim::Status::Ok();
}

// An error from a lower layer ("device sda: rpm 0 is out of range ...")
// placed at the value of the first candidate key whose word (the key itself
// or the parameter it stands for) the message names, else at the table.
using Candidates = std::vector<std::pair<std::string, std::string>>;  // (key, word)

sim::Status ErrorNear(const ConfigNode& table, const std::string& message, const Candidates& candidates) {
  auto mentions = [&message](const std::string& word) {
    size_t at = 0;
    while ((at = message.find(word, at)) != std::string::npos) {
      const bool left = at == 0 || !(std::isalnum(static_cast<unsigned char>(message[at - 1])) || message[at - 1] == '_');
      const size_t end = at + word.size();
      const bool right =
          end >= message.size() || !(std::isalnum(static_cast<unsigned char>(message[end])) || message[end] == '_');
      if (left && right) return true;
      at = end;
    }
    return false;
  };
  for (const ConfigNode::Entry& e : table.entries()) {
    for (const auto& [key, word] : candidates) {
      if (key == e.key && mentions(word)) return e.value->Error(message);
    }
  }
  return table.Error(message);
}

std::string Join(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

// --- [[device]] ---

// A model parameter's value, converted by its unit.
bool ParamValueOf(const ConfigNode& n, const devices::ParamDoc& doc, const std::string& key, int64_t* out,
                  sim::Status* err) {
  using T = ConfigNode::Type;
  if (n.type() == T::kInt) {
    *out = n.int_value();
    return true;
  }
  if (n.type() == T::kBool && doc.unit == "0/1") {
    *out = n.bool_value() ? 1 : 0;
    return true;
  }
  if (n.type() == T::kString) {
    std::string msg;
    std::string text = n.string_value();
    bool ok = false;
    if (doc.unit == "ns") {
      ok = ParseDuration(text, out, &msg);
    } else if (doc.unit == "bytes") {
      ok = ParseSize(text, out, &msg);
    } else if (doc.unit == "bytes/s") {
      if (text.size() > 2 && text.compare(text.size() - 2, 2, "/s") == 0) {
        ok = ParseSize(text.substr(0, text.size() - 2), out, &msg);
      } else {
        msg = "a rate like \"500MiB/s\" or an integer number of bytes per second, got \"" + text + "\"";
      }
    } else {
      msg = "an integer (" + doc.unit + "), got \"" + text + "\"";
    }
    if (!ok) *err = n.Error("'" + key + "' in [[device]]: " + msg);
    return ok;
  }
  const char* want = doc.unit == "ns"        ? "a duration like \"50us\" or an integer number of ns"
                     : doc.unit == "bytes"   ? "a size like \"4KiB\" or an integer number of bytes"
                     : doc.unit == "bytes/s" ? "a rate like \"500MiB/s\" or an integer"
                     : doc.unit == "0/1"     ? "true, false, 0 or 1"
                                             : "an integer";
  *err = n.Error("'" + key + "' in [[device]] must be " + std::string(want) + ", got " + std::string(n.TypeName()));
  return false;
}

// The documented parameter a key names: exactly, or without its unit suffix.
const devices::ParamDoc* FindParam(const std::vector<devices::ParamDoc>& docs, const std::string& key) {
  for (const char* suffix : {"", "_ns", "_bytes", "_bytes_per_sec"}) {
    for (const devices::ParamDoc& d : docs) {
      if (d.name == key + suffix) return &d;
    }
  }
  return nullptr;
}

sim::Status BuildDevice(const ConfigNode& t, sim::Scheduler& sched, const std::set<std::string>& faulted,
                        KernelWorld* world) {
  ConfigReader r(t, "[[device]]");
  const std::string name = r.String("name");
  if (!r.ok()) return r.status();
  if (!r.Has("kind")) return t.Error("missing key 'kind' in [[device]] (ramdisk, hdd or ssd)");
  const std::string kind = r.OneOf("kind", {"ramdisk", "hdd", "ssd"}, "");
  if (world->devices.count(name) != 0) {
    r.FailAt("name", "a device named \"" + name + "\" is already declared");
  }
  const std::string mount = r.String("mount", "/" + name);
  const std::string sched_name = r.OneOf("scheduler", {"deadline", "mq-deadline", "noop", "none"}, "deadline");
  if (!r.ok()) return r.status();

  devices::ParamMap params;
  if (r.Has("size")) {
    const int64_t size = r.Size("size");
    if (r.ok() && (size <= 0 || size % devices::kSectorSize != 0)) {
      r.FailAt("size", "device " + name + ": size " + std::to_string(size) +
                           " bytes is not a positive multiple of 512 (e.g. \"1GiB\")");
    }
    params["capacity_bytes"] = size;
  }
  if (r.Has("queue_depth")) {
    const int64_t depth = r.Int("queue_depth");
    if (r.ok() && depth < 1) r.FailAt("queue_depth", "device " + name + ": queue_depth must be at least 1, got " + std::to_string(depth));
    params["queue_depth_max"] = depth;
  }
  kernel::blk_queue_config cfg;
  cfg.elevator = sched_name == "noop" || sched_name == "none" ? "noop" : "mq-deadline";
  if (r.Has("max_request")) {
    const int64_t bytes = r.Size("max_request");
    if (r.ok() && (bytes < 4096 || bytes % 4096 != 0 || bytes > (int64_t{64} << 20))) {
      r.FailAt("max_request", "device " + name + ": max_request must be a multiple of 4KiB in 4KiB..64MiB, got " +
                                  std::to_string(bytes) + " bytes");
    }
    cfg.max_sectors = static_cast<uint32_t>(bytes / devices::kSectorSize);
  }
  if (!r.ok()) return r.status();

  std::vector<devices::ParamDoc> docs;
  if (sim::Status s = devices::DescribeDeviceParams(kind, &docs); !s.ok()) return t.Error(s.message());
  static const std::set<std::string> kFixed = {"name", "kind", "mount", "scheduler", "size", "queue_depth", "max_request"};
  Candidates aliases = {{"size", "capacity"},
                        {"size", "size"},
                        {"queue_depth", "queue_depth_max"},
                        {"queue_depth", "queue_depth"},
                        {"max_request", "max_request"}};
  for (const ConfigNode::Entry& e : t.entries()) {
    if (kFixed.count(e.key) != 0) continue;
    r.Ignore(e.key);
    const devices::ParamDoc* doc = FindParam(docs, e.key);
    if (doc == nullptr) {
      std::vector<std::string> known = {"name", "kind", "size", "mount", "scheduler", "queue_depth", "max_request"};
      for (const devices::ParamDoc& d : docs) known.push_back(d.name);
      return e.value->Error("unknown key '" + e.key + "' in [[device]] of kind " + kind + " (known: " + Join(known) +
                            ")");
    }
    if (params.count(doc->name) != 0) {
      return e.value->Error("device " + name + ": parameter " + doc->name + " is given twice");
    }
    int64_t v = 0;
    sim::Status err;
    if (!ParamValueOf(*e.value, *doc, e.key, &v, &err)) return err;
    params[doc->name] = v;
    aliases.emplace_back(e.key, e.key);
    aliases.emplace_back(e.key, doc->name);
  }
  if (sim::Status s = r.Finish(); !s.ok()) return s;

  std::unique_ptr<devices::BlockDevice> dev;
  if (sim::Status s = devices::MakeDevice(sched, kind, name, params, &dev); !s.ok()) {
    return ErrorNear(t, s.message(), aliases);
  }
  DeviceEntry entry;
  entry.name = name;
  entry.kind = kind;
  entry.mount = mount;
  if (faulted.count(name) != 0) {
    auto f = std::make_unique<devices::FaultyDevice>(sched, std::move(dev));
    entry.faulty = f.get();
    dev = std::move(f);
  }
  entry.dev = dev.get();
  if (sim::Status s = kernel::add_disk(std::move(dev), cfg); !s.ok()) return ErrorNear(t, s.message(), aliases);
  if (sim::Status s = kernel::mount_simplefs(name, mount, kernel::simplefs_options{}); !s.ok()) {
    const ConfigNode* m = t.Find("mount");
    return m ? m->Error(s.message()) : t.Error(s.message());
  }
  world->devices.emplace(name, std::move(entry));
  return sim::Status::Ok();
}

// --- [[fault]] ---

sim::Status AddFault(const ConfigNode& t, KernelWorld* world) {
  ConfigReader r(t, "[[fault]]");
  const std::string device = r.String("device");
  const std::string kind = r.OneOf("kind", {"eio_range", "eio_nth", "latency", "stall", "power_cut"}, "");
  if (!r.ok()) return r.status();
  if (!r.Has("kind")) return t.Error("missing key 'kind' in [[fault]] (eio_range, eio_nth, latency, stall, power_cut)");
  auto it = world->devices.find(device);
  if (it == world->devices.end()) return t.Find("device")->Error("[[fault]] names unknown device \"" + device + "\"");
  devices::ParamMap params;
  Candidates aliases;
  for (const ConfigNode::Entry& e : t.entries()) {
    if (e.key == "device" || e.key == "kind") continue;
    std::string param = e.key;
    if (param == "at" || param == "from" || param == "until") param += "_ns";
    aliases.emplace_back(e.key, e.key);
    aliases.emplace_back(e.key, param);
    const bool is_time = param.size() > 3 && param.compare(param.size() - 3, 3, "_ns") == 0;
    const ConfigNode& n = *e.value;
    switch (n.type()) {
      case ConfigNode::Type::kInt:
        params[param] = n.int_value();
        break;
      case ConfigNode::Type::kBool:
        params[param] = int64_t{n.bool_value() ? 1 : 0};
        break;
      case ConfigNode::Type::kString:
        if (is_time) {
          int64_t ns = 0;
          std::string msg;
          if (!ParseDuration(n.string_value(), &ns, &msg)) return n.Error("'" + e.key + "' in [[fault]]: " + msg);
          params[param] = ns;
        } else {
          params[param] = n.string_value();
        }
        break;
      default:
        return n.Error("'" + e.key + "' in [[fault]] must be an integer, a duration or a name, got " +
                       std::string(n.TypeName()));
    }
  }
  if (sim::Status s = it->second.faulty->AddFault(kind, params); !s.ok()) return ErrorNear(t, s.message(), aliases);
  return sim::Status::Ok();
}

// --- [cache] ---

sim::Status ConfigureCache(const ConfigNode& root) {
  const ConfigNode* t = root.Find("cache");
  if (t == nullptr) return sim::Status::Ok();
  if (t->type() != ConfigNode::Type::kTable) return t->Error("'cache' must be a table ([cache]), got " + std::string(t->TypeName()));
  ConfigReader r(*t, "[cache]");
  kernel::pagecache_config& pc = kernel::pagecache_tunables();
  auto pages_of = [&r](std::string_view bytes_key, std::string_view pages_key, uint64_t current) -> uint64_t {
    r.Node(bytes_key);  // known keys, for the unknown-key message
    r.Node(pages_key);
    if (r.Has(bytes_key) && r.Has(pages_key)) {
      r.FailAt(pages_key, "give '" + std::string(bytes_key) + "' or '" + std::string(pages_key) + "' in [cache], not both");
      return current;
    }
    if (r.Has(bytes_key)) {
      const int64_t b = r.Size(bytes_key);
      if (r.ok() && b % static_cast<int64_t>(kernel::PAGE_SIZE) != 0) {
        r.FailAt(bytes_key, "'" + std::string(bytes_key) + "' in [cache] must be a whole number of 4KiB pages, got " +
                                std::to_string(b) + " bytes");
      }
      return static_cast<uint64_t>(b) / kernel::PAGE_SIZE;
    }
    if (r.Has(pages_key)) {
      const int64_t p = r.Int(pages_key);
      if (r.ok() && p < 0) r.FailAt(pages_key, "'" + std::string(pages_key) + "' in [cache] must not be negative");
      return static_cast<uint64_t>(p);
    }
    return current;
  };
  const uint64_t capacity = pages_of("capacity", "capacity_pages", pc.capacity_pages);
  if (r.ok() && capacity < 16) r.FailAt(r.Has("capacity") ? "capacity" : "capacity_pages", "the page cache needs at least 16 pages (64KiB)");
  const uint64_t ra = pages_of("readahead_max", "readahead_pages", pc.ra_pages);
  if (r.ok() && ra > 4096) r.FailAt(r.Has("readahead_max") ? "readahead_max" : "readahead_pages", "readahead is at most 4096 pages (16MiB)");
  const sim::SimTime period = r.Duration("writeback_period", pc.dirty_writeback_interval_ns);
  if (r.ok() && period <= 0) r.FailAt("writeback_period", "writeback_period must be positive");
  const sim::SimTime expire = r.Duration("writeback_expire", pc.dirty_expire_interval_ns);
  const int64_t bg = r.Int("dirty_background_ratio", pc.dirty_background_ratio);
  const int64_t ratio = r.Int("dirty_ratio", pc.dirty_ratio);
  if (r.ok() && (bg < 0 || bg > 100)) r.FailAt("dirty_background_ratio", "dirty_background_ratio is a percentage (0..100)");
  if (r.ok() && (ratio < 1 || ratio > 100)) r.FailAt("dirty_ratio", "dirty_ratio is a percentage (1..100)");
  if (r.ok() && bg > ratio) {
    r.FailAt("dirty_background_ratio", "dirty_background_ratio (" + std::to_string(bg) + ") is above dirty_ratio (" +
                                           std::to_string(ratio) + ")");
  }
  if (sim::Status s = r.Finish(); !s.ok()) return s;
  pc.capacity_pages = capacity;
  pc.ra_pages = static_cast<uint32_t>(ra);
  pc.dirty_writeback_interval_ns = period;
  pc.dirty_expire_interval_ns = expire;
  pc.dirty_background_ratio = static_cast<uint32_t>(bg);
  pc.dirty_ratio = static_cast<uint32_t>(ratio);
  return sim::Status::Ok();
}

// --- [[file]] ---

sim::Status CreateFile(const ConfigNode& t, KernelWorld* world) {
  ConfigReader r(t, "[[file]]");
  const std::string path = r.String("path");
  const std::string device = r.String("device", "");
  const int64_t size = r.Size("size");
  const std::string contents = r.OneOf("contents", {"pattern", "zeros"}, "pattern");
  const bool has_text = r.Has("text");
  const std::string text = r.String("text", "");
  if (r.ok() && has_text && r.Has("contents")) r.FailAt("text", "give 'contents' or 'text' in [[file]], not both");
  if (r.ok() && has_text && text.empty()) r.FailAt("text", "'text' in [[file]] must not be empty");
  if (sim::Status s = r.Finish(); !s.ok()) return s;

  // The device whose mount point the path is under (the longest match).
  const DeviceEntry* under = nullptr;
  std::vector<std::string> mounts;
  for (const auto& [n, d] : world->devices) {
    mounts.push_back(d.mount);
    const bool prefix = path.size() > d.mount.size() + 1 && path.compare(0, d.mount.size(), d.mount) == 0 &&
                        (path[d.mount.size()] == '/' || d.mount == "/");
    if (prefix && (under == nullptr || d.mount.size() > under->mount.size())) under = &d;
  }
  const DeviceEntry* dev = under;
  if (!device.empty()) {
    auto it = world->devices.find(device);
    if (it == world->devices.end()) {
      std::vector<std::string> names;
      for (const auto& [n, d] : world->devices) names.push_back(n);
      return t.Find("device")->Error("[[file]] names unknown device \"" + device + "\" (devices: " +
                                     (names.empty() ? "none" : Join(names)) + ")");
    }
    if (under != &it->second) {
      return t.Find("path")->Error("file " + path + " is not under device " + device + "'s mount point " +
                                   it->second.mount);
    }
    dev = &it->second;
  }
  if (dev == nullptr) {
    return t.Find("path")->Error("file " + path + " is not under any device's mount point (mounts: " +
                                 (mounts.empty() ? "none; declare a [[device]]" : Join(mounts)) + ")");
  }
  const uint64_t capacity = dev->dev->capacity_bytes();
  if (static_cast<uint64_t>(size) > capacity) {
    return t.Find("size")->Error("file " + path + ": size " + std::to_string(size) + " bytes does not fit on device " +
                                 dev->name + " (" + std::to_string(capacity) + " bytes)");
  }
  kernel::file_spec spec;
  spec.path = path;
  spec.size = size;
  spec.fill = has_text ? kernel::file_fill::kText
                       : contents == "zeros" ? kernel::file_fill::kZeros : kernel::file_fill::kPattern;
  spec.text = text;
  if (sim::Status s = kernel::create_file(spec); !s.ok()) {
    const std::string& m = s.message();
    if (m.find("space") != std::string::npos || m.find("size") != std::string::npos) return t.Find("size")->Error(m);
    return t.Find("path")->Error(m);
  }
  return sim::Status::Ok();
}

}  // namespace

sim::Status ConfigureStorage(const ConfigNode& root, sim::Scheduler& sched, KernelWorld* world) {
  Tables devices_t, files_t, faults_t;
  if (sim::Status s = ArrayOfTables(root, "device", &devices_t); !s.ok()) return s;
  if (sim::Status s = ArrayOfTables(root, "file", &files_t); !s.ok()) return s;
  if (sim::Status s = ArrayOfTables(root, "fault", &faults_t); !s.ok()) return s;
  // Devices with faults are wrapped in a FaultyDevice when built.
  std::set<std::string> faulted;
  for (const ConfigNode* f : faults_t) {
    const ConfigNode* d = f->Find("device");
    if (d == nullptr) return f->Error("missing key 'device' in [[fault]]");
    if (d->type() != ConfigNode::Type::kString) return d->Error("'device' in [[fault]] must be a string, got " + std::string(d->TypeName()));
    faulted.insert(d->string_value());
  }
  for (const ConfigNode* t : devices_t) {
    if (sim::Status s = BuildDevice(*t, sched, faulted, world); !s.ok()) return s;
  }
  for (const ConfigNode* t : faults_t) {
    if (sim::Status s = AddFault(*t, world); !s.ok()) return s;
  }
  if (sim::Status s = ConfigureCache(root); !s.ok()) return s;
  for (const ConfigNode* t : files_t) {
    if (sim::Status s = CreateFile(*t, world); !s.ok()) return s;
  }
  return sim::Status::Ok();
}

}  // namespace scenarios::kext
