#include "scenarios/scenario_files.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace scenarios {

sim::Status FindScenarioFiles(const std::string& dir, std::vector<std::string>* relative_paths) {
  namespace fs = std::filesystem;
  relative_paths->clear();
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return sim::Status::Error(dir + ": not a directory");
  fs::recursive_directory_iterator it(dir, fs::directory_options::follow_directory_symlink, ec);
  if (ec) return sim::Status::Error(dir + ": cannot list (" + ec.message() + ")");
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return sim::Status::Error(dir + ": cannot list (" + ec.message() + ")");
    const fs::path& p = it->path();
    if (p.extension() != ".toml") continue;
    if (!fs::is_regular_file(p, ec)) continue;  // follows symlinks
    relative_paths->push_back(p.lexically_relative(dir).generic_string());
  }
  std::sort(relative_paths->begin(), relative_paths->end());
  return sim::Status::Ok();
}

}  // namespace scenarios
