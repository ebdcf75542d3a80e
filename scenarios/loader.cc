#include "scenarios/loader.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "scenarios/designs.h"
#include "scenarios/parser.h"

namespace scenarios {

namespace {

constexpr int64_t kMinStackBytes = 16 * 1024;

SourcePos PosOf(const toml::source_region& r) {
  return SourcePos{static_cast<int>(r.begin.line), static_cast<int>(r.begin.column)};
}

std::unique_ptr<ConfigNode> Convert(const toml::node& n, const std::string* file) {
  const SourcePos pos = PosOf(n.source());
  switch (n.type()) {
    case toml::node_type::table: {
      auto node = std::make_unique<ConfigNode>(ConfigNode::Type::kTable, file, pos);
      struct Item {
        SourcePos key_pos;
        std::string key;
        const toml::node* value;
      };
      std::vector<Item> items;
      for (auto&& [k, v] : *n.as_table()) items.push_back(Item{PosOf(k.source()), std::string(k.str()), &v});
      // Source order (toml++ keeps keys sorted by name).
      std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
        if (a.key_pos.line != b.key_pos.line) return a.key_pos.line < b.key_pos.line;
        return a.key_pos.col < b.key_pos.col;
      });
      for (Item& it : items) node->AddEntry(std::move(it.key), it.key_pos, Convert(*it.value, file));
      return node;
    }
    case toml::node_type::array: {
      auto node = std::make_unique<ConfigNode>(ConfigNode::Type::kArray, file, pos);
      for (const toml::node& item : *n.as_array()) node->AddItem(Convert(item, file));
      return node;
    }
    case toml::node_type::string: {
      auto node = std::make_unique<ConfigNode>(ConfigNode::Type::kString, file, pos);
      node->SetString(n.as_string()->get());
      return node;
    }
    case toml::node_type::integer: {
      auto node = std::make_unique<ConfigNode>(ConfigNode::Type::kInt, file, pos);
      node->SetInt(n.as_integer()->get());
      return node;
    }
    case toml::node_type::floating_point: {
      auto node = std::make_unique<ConfigNode>(ConfigNode::Type::kFloat, file, pos);
      node->SetFloat(n.as_floating_point()->get());
      return node;
    }
    case toml::node_type::boolean: {
      auto node = std::make_unique<ConfigNode>(ConfigNode::Type::kBool, file, pos);
      node->SetInt(n.as_boolean()->get() ? 1 : 0);
      return node;
    }
    default: {  // date, time, date-time: kept as their TOML text
      auto node = std::make_unique<ConfigNode>(ConfigNode::Type::kDateTime, file, pos);
      std::ostringstream os;
      n.visit([&os](auto&& v) { os << v; });
      node->SetString(os.str());
      return node;
    }
  }
}

std::vector<std::string> SplitLines(std::string_view text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    std::string line(text.substr(start, nl - start));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    start = nl + 1;
  }
  return lines;
}

std::string Trim(std::string s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

class Loader {
 public:
  Loader(std::string_view text, const std::string& path, const Schema& schema, Scenario* out)
      : text_(text), path_(path), schema_(schema), out_(out), lines_(SplitLines(text)) {}

  sim::Status Load() {
    *out_ = Scenario();
    out_->path = path_;
    out_->file_name = std::make_unique<std::string>(path_);
    toml::table table;
    try {
      table = toml::parse(text_, std::string_view(path_));
    } catch (const toml::parse_error& e) {
      std::string what(e.description());
      return ErrorAt(path_, PosOf(e.source()), "malformed TOML: " + what);
    }
    out_->root = Convert(table, out_->file_name.get());
    const ConfigNode& root = *out_->root;

    std::vector<std::string> known = {"sim", "process", "expect"};
    for (const std::string& t : schema_.tables) known.push_back(t);
    for (const ConfigNode::Entry& e : root.entries()) {
      if (std::find(known.begin(), known.end(), e.key) == known.end()) {
        return ErrorAt(path_, e.key_pos, "unknown table '" + e.key + "' (expected " + JoinNames(known) + ")");
      }
    }
    if (sim::Status s = LoadSim(root.Find("sim")); !s.ok()) return s;
    if (sim::Status s = LoadProcesses(root.Find("process")); !s.ok()) return s;
    if (sim::Status s = LoadExpect(root.Find("expect")); !s.ok()) return s;
    return sim::Status::Ok();
  }

 private:
  sim::Status MustBeTable(const ConfigNode* n, const std::string& name) {
    if (n->type() != ConfigNode::Type::kTable) {
      return n->Error("'" + name + "' must be a table ([" + name + "]), got " + std::string(n->TypeName()));
    }
    return sim::Status::Ok();
  }

  sim::Status LoadSim(const ConfigNode* n) {
    SimSettings& sim = out_->sim;
    if (!n) return sim::Status::Ok();
    if (sim::Status s = MustBeTable(n, "sim"); !s.ok()) return s;
    ConfigReader r(*n, "[sim]");
    const int64_t seed = r.Int("seed", 1);
    if (r.ok() && seed < 0) r.FailAt("seed", "'seed' in [sim] must be >= 0, got " + std::to_string(seed));
    sim.seed = static_cast<uint64_t>(seed);
    sim.design = r.String("design", "mainline");
    if (r.ok() && r.Has("design")) {
      sim.design_pos = r.table().Find("design")->pos();
      if (!FindDesign(sim.design)) {
        r.FailAt("design", "unknown design \"" + sim.design + "\" (known: " + KnownDesignNames() + ")");
      }
    }
    sim.max_time_ns = r.Duration("max_time", sim::kNever);
    const int64_t max_events = r.Int("max_events", static_cast<int64_t>(sim.max_events));
    if (r.ok() && max_events <= 0) {
      r.FailAt("max_events", "'max_events' in [sim] must be > 0, got " + std::to_string(max_events));
    }
    sim.max_events = static_cast<uint64_t>(max_events);
    const int64_t stack = r.Size("stack", static_cast<int64_t>(sim.stack_bytes));
    if (r.ok() && (stack < kMinStackBytes || stack > (int64_t{1} << 30))) {
      r.FailAt("stack", "'stack' in [sim] must be between 16KiB and 1GiB");
    }
    sim.stack_bytes = static_cast<size_t>(stack);
    sim.description = r.String("description", "");
    for (const std::string& k : schema_.sim_keys) r.Ignore(k);
    return r.Finish();
  }

  // Where the program text of a TOML string node starts in the file.
  ProgramSource BodySource(const ConfigNode& body) {
    ProgramSource src;
    src.file = path_;
    src.text = body.string_value();
    src.first_line = body.pos().line;
    src.first_col = body.pos().col + 1;
    const int line = body.pos().line;
    const int col = body.pos().col;
    if (line >= 1 && static_cast<size_t>(line) <= lines_.size() && col >= 1) {
      const std::string& raw = lines_[static_cast<size_t>(line - 1)];
      const size_t at = static_cast<size_t>(col - 1);
      if (raw.compare(at, 3, "'''") == 0 || raw.compare(at, 3, "\"\"\"") == 0) {
        // A newline right after the opening delimiter is not part of the string.
        if (raw.size() == at + 3) {
          src.first_line = line + 1;
          src.first_col = 1;
        } else {
          src.first_col = col + 3;
        }
      }
    }
    return src;
  }

  sim::Status ParseBody(const ConfigNode& body, const std::string& what, std::unique_ptr<Program>* out) {
    if (body.type() != ConfigNode::Type::kString) {
      return body.Error("the program of " + what + " must be a string (a program), got " +
                        std::string(body.TypeName()));
    }
    *out = std::make_unique<Program>();
    return Parse(BodySource(body), out->get());
  }

  static bool ValidName(const std::string& name) {
    if (name.empty()) return false;
    for (char c : name) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-' || c == '.';
      if (!ok) return false;
    }
    return true;
  }

  sim::Status LoadProcesses(const ConfigNode* n) {
    if (!n) return sim::Status::Ok();
    if (n->type() != ConfigNode::Type::kArray) {
      return n->Error("'process' must be an array of tables ([[process]]), got " +
                      std::string(n->TypeName()));
    }
    std::set<std::string> names;
    for (const auto& item : n->items()) {
      if (item->type() != ConfigNode::Type::kTable) {
        return item->Error("each 'process' must be a table ([[process]]), got " +
                           std::string(item->TypeName()));
      }
      ConfigReader r(*item, "[[process]]");
      ProcessSpec p;
      p.pos = item->pos();
      p.name = r.String("name");
      if (r.ok() && !ValidName(p.name)) {
        r.FailAt("name", "process name \"" + p.name +
                             "\" must be non-empty and use only letters, digits, '_', '-', '.'");
      }
      if (r.ok() && !names.insert(p.name).second)
        r.FailAt("name", "a second process named \"" + p.name + "\"");
      const sim::SimTime start = r.Duration("start", 0);
      const ConfigNode* init = r.Node("init");
      const ConfigNode* body = r.Node("body");
      const ConfigNode* threads = r.Node("thread");
      if (sim::Status s = r.Finish(); !s.ok()) return s;
      if (init) {
        ThreadSpec t;
        t.name = "init";
        t.full_name = p.name + "/init";
        t.is_init = true;
        t.pos = init->pos();
        if (sim::Status s = ParseBody(*init, "process \"" + p.name + "\" (init)", &t.program); !s.ok())
          return s;
        p.init = std::move(t);
      }
      if (body && threads) {
        return threads->Error("process \"" + p.name +
                              "\" has both a body and [[process.thread]] tables; use one");
      }
      if (!body && !threads) {
        return item->Error("process \"" + p.name + "\" needs a body or [[process.thread]] tables");
      }
      if (body) {
        ThreadSpec t;
        t.name = "main";
        t.full_name = p.name + "/main";
        t.start_ns = start;
        t.pos = body->pos();
        if (sim::Status s = ParseBody(*body, "process \"" + p.name + "\"", &t.program); !s.ok()) return s;
        p.threads.push_back(std::move(t));
      } else {
        if (sim::Status s = LoadThreads(*threads, start, &p); !s.ok()) return s;
      }
      out_->processes.push_back(std::move(p));
    }
    return sim::Status::Ok();
  }

  sim::Status LoadThreads(const ConfigNode& n, sim::SimTime process_start, ProcessSpec* p) {
    if (n.type() != ConfigNode::Type::kArray) {
      return n.Error("'thread' must be an array of tables ([[process.thread]]), got " +
                     std::string(n.TypeName()));
    }
    if (n.items().empty()) return n.Error("process \"" + p->name + "\" has an empty thread list");
    std::set<std::string> names;
    for (const auto& item : n.items()) {
      if (item->type() != ConfigNode::Type::kTable) {
        return item->Error("each 'thread' must be a table ([[process.thread]]), got " +
                           std::string(item->TypeName()));
      }
      ConfigReader r(*item, "[[process.thread]]");
      ThreadSpec t;
      t.pos = item->pos();
      t.name = r.String("name");
      if (r.ok() && !ValidName(t.name)) {
        r.FailAt("name", "thread name \"" + t.name +
                             "\" must be non-empty and use only letters, digits, '_', '-', '.'");
      }
      if (r.ok() && t.name == "init") {
        r.FailAt("name", "the thread name \"init\" is reserved for the process's init program");
      }
      if (r.ok() && !names.insert(t.name).second) {
        r.FailAt("name", "a second thread named \"" + t.name + "\" in process \"" + p->name + "\"");
      }
      t.start_ns = sim::AddTime(process_start, r.Duration("start", 0));
      const ConfigNode* body = r.Node("body");
      if (r.ok() && !body) r.FailAt("body", "missing key 'body' in [[process.thread]] \"" + t.name + "\"");
      if (sim::Status s = r.Finish(); !s.ok()) return s;
      t.full_name = p->name + "/" + t.name;
      if (sim::Status s = ParseBody(*body, "thread \"" + t.full_name + "\"", &t.program); !s.ok()) return s;
      p->threads.push_back(std::move(t));
    }
    return sim::Status::Ok();
  }

  // The TOML line at pos, without its trailing comment.
  std::string LineAt(SourcePos pos) const {
    if (pos.line < 1 || static_cast<size_t>(pos.line) > lines_.size()) return "";
    const std::string& line = lines_[static_cast<size_t>(pos.line - 1)];
    char quote = 0;
    size_t end = line.size();
    for (size_t i = 0; i < line.size(); ++i) {
      const char c = line[i];
      if (quote) {
        if (c == '\\' && quote == '"') {
          ++i;
        } else if (c == quote) {
          quote = 0;
        }
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '#') {
        end = i;
        break;
      }
    }
    return Trim(line.substr(0, end));
  }

  sim::Status LoadExpect(const ConfigNode* n) {
    std::vector<EndExpectation>& out = out_->expects;
    bool has_status = false;
    bool has_violations = false;
    if (n) {
      if (sim::Status s = MustBeTable(n, "expect"); !s.ok()) return s;
      ConfigReader r(*n, "[expect]");
      // Read every key (so defaults and types are checked), then emit them in source order.
      const std::string status =
          r.OneOf("status", {"idle", "deadlock", "time_limit", "step_limit", "violation"}, "idle");
      const sim::SimTime end_time = r.Duration("end_time", 0);
      const sim::SimTime end_time_min = r.Duration("end_time_min", 0);
      const sim::SimTime end_time_max = r.Duration("end_time_max", 0);
      const int64_t violations = r.Int("violations", 0);
      if (r.ok() && violations < 0) r.FailAt("violations", "'violations' in [expect] must be >= 0");
      for (const std::string& k : schema_.expect_keys) r.Ignore(k);
      if (sim::Status s = r.Finish(); !s.ok()) return s;
      for (const ConfigNode::Entry& e : n->entries()) {
        EndExpectation x;
        x.key = e.key;
        x.pos = e.key_pos;
        x.source = LineAt(e.key_pos);
        if (e.key == "status") {
          x.kind = EndExpectation::Kind::kStatus;
          x.text = status;
          has_status = true;
        } else if (e.key == "end_time") {
          x.kind = EndExpectation::Kind::kEndTime;
          x.number = end_time;
        } else if (e.key == "end_time_min") {
          x.kind = EndExpectation::Kind::kEndTimeMin;
          x.number = end_time_min;
        } else if (e.key == "end_time_max") {
          x.kind = EndExpectation::Kind::kEndTimeMax;
          x.number = end_time_max;
        } else if (e.key == "violations") {
          x.kind = EndExpectation::Kind::kViolations;
          x.number = violations;
          has_violations = true;
        } else {
          x.kind = EndExpectation::Kind::kExtension;
          x.node = e.value.get();
        }
        out.push_back(std::move(x));
      }
    }
    if (!has_status) {
      EndExpectation x;
      x.kind = EndExpectation::Kind::kStatus;
      x.key = "status";
      x.source = "status = \"idle\" (default)";
      x.text = "idle";
      out.insert(out.begin(), std::move(x));
    }
    if (!has_violations) {
      EndExpectation x;
      x.kind = EndExpectation::Kind::kViolations;
      x.key = "violations";
      x.source = "violations = 0 (default)";
      out.push_back(std::move(x));
    }
    return sim::Status::Ok();
  }

  std::string_view text_;
  std::string path_;
  const Schema& schema_;
  Scenario* out_;
  std::vector<std::string> lines_;
};

sim::Status ReadFile(const std::string& path, const std::string& fs_path, std::string* text) {
  const std::string& open = fs_path.empty() ? path : fs_path;
  std::ifstream in(open, std::ios::binary);
  if (!in) {
    const int err = errno;
    return sim::Status::Error(path + ": cannot read the scenario file (" + std::strerror(err) + ")");
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  *text = ss.str();
  return sim::Status::Ok();
}

}  // namespace

Schema SchemaOf(const ExtensionList& extensions) {
  Schema s;
  for (const auto& ext : extensions) {
    for (std::string& t : ext->Tables()) s.tables.push_back(std::move(t));
    for (std::string& k : ext->SimKeys()) s.sim_keys.push_back(std::move(k));
    for (std::string& k : ext->ExpectKeys()) s.expect_keys.push_back(std::move(k));
  }
  return s;
}

std::string_view ExpectableStatuses() { return "idle, deadlock, time_limit, step_limit, violation"; }

sim::Status LoadScenarioText(std::string_view text, const std::string& path, const Schema& schema,
                             Scenario* out) {
  return Loader(text, path, schema, out).Load();
}

sim::Status LoadScenarioFile(const std::string& path, const Schema& schema, Scenario* out,
                             const std::string& fs_path) {
  std::string text;
  if (sim::Status s = ReadFile(path, fs_path, &text); !s.ok()) return s;
  return LoadScenarioText(text, path, schema, out);
}

sim::Status ReadScenarioDescription(const std::string& path, std::string* description,
                                    const std::string& fs_path) {
  description->clear();
  std::string text;
  if (sim::Status s = ReadFile(path, fs_path, &text); !s.ok()) return s;
  try {
    toml::table t = toml::parse(text, std::string_view(path));
    if (auto d = t["sim"]["description"].value<std::string>()) *description = *d;
  } catch (const toml::parse_error& e) {
    return ErrorAt(path, PosOf(e.source()), "malformed TOML: " + std::string(e.description()));
  }
  return sim::Status::Ok();
}

}  // namespace scenarios
