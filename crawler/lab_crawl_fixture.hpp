// Test-only: a fixture that brings a built-in lab scenario up in a state
// directory of its own, runs `p2pscope crawl ARGS` inside it as a user
// would, and reads back the records it wrote. Shared by the crawler's lab
// acceptance tests (crawl_lab_test, crawl_emule_lab_test); each test tears
// its lab down.
#pragma once

#include "lab/lab.hpp"
#include "store/jsonl.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace p2pscope::testlib {

class LabCrawlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("p2pscope-crawltest-" + std::to_string(::getpid()));
    opt_.state_dir = dir_;
    opt_.self_exe = P2PSCOPE_BINARY;
    std::filesystem::create_directories(out_dir());
  }
  void TearDown() override {
    (void)lab::lab_down(dir_);
    std::filesystem::remove_all(dir_);
    std::filesystem::remove_all(out_dir());
  }
  std::filesystem::path out_dir() const { return std::filesystem::path(dir_.string() + "-out"); }
  std::filesystem::path records() const { return out_dir() / "crawl.jsonl"; }
  std::filesystem::path summary() const { return out_dir() / "summary.json"; }
  std::filesystem::path crawl_stderr() const { return out_dir() / "stderr.txt"; }

  // Brings up the built-in scenario `name`; nullopt after a test failure saying why.
  std::optional<lab::LabUp> up(std::string_view name) {
    auto scenario = lab::parse_scenario(lab::builtin_scenario(name).value());
    EXPECT_TRUE(scenario);
    if (!scenario) return std::nullopt;
    auto up = lab::lab_up(scenario.value(), opt_);
    EXPECT_TRUE(up) << message_of(up);
    if (!up) return std::nullopt;
    return std::move(up).value();
  }

  // Runs `p2pscope crawl ARGS` inside the lab, stderr into crawl_stderr();
  // its exit status.
  int crawl_inside(const lab::LabUp& up, const std::string& args) { return run_inside(up, "crawl " + args); }
  // The same for any `p2pscope COMMAND ARGS`.
  int run_inside(const lab::LabUp& up, const std::string& command_and_args) {
    auto cmd = std::string(P2PSCOPE_BINARY) + " " + command_and_args + " 2>" + crawl_stderr().string();
    auto rc = up.sandbox.run_function([&] { return std::system(cmd.c_str()) == 0 ? 0 : 1; });
    return rc ? rc.value() : -1;
  }

  // The records of type T in `file`; every line must parse.
  template <class T>
  std::vector<T> records_of(const std::filesystem::path& file) {
    std::vector<T> out;
    auto reader = JsonlReader::open(file.string());
    EXPECT_TRUE(reader);
    if (!reader) return out;
    for (;;) {
      auto rec = reader.value()->next();
      EXPECT_TRUE(rec) << "a record the crawler wrote does not parse";
      if (!rec || !rec.value()) break;
      if (auto* o = std::get_if<T>(&*rec.value())) out.push_back(*o);
    }
    return out;
  }

  std::filesystem::path dir_;
  lab::LabOptions opt_;
};

inline std::string join(const std::vector<std::string>& v, std::size_t n = 20) {
  std::string s;
  for (std::size_t i = 0; i < v.size() && i < n; ++i) s += "\n  " + v[i];
  return s;
}

}  // namespace p2pscope::testlib
