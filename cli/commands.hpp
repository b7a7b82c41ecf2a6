// Subcommand registration. Each add_* attaches its subcommand to app and sets
// a callback that stores its exit code in *exit_code. Called once, from main.
#pragma once

#include <CLI/CLI.hpp>

namespace p2pscope::cli {

void add_crawl(CLI::App& app, int* exit_code);
void add_probe(CLI::App& app, int* exit_code);
void add_diagnose(CLI::App& app, int* exit_code);  // diagnose and blocklist
void add_inspect(CLI::App& app, int* exit_code);
void add_inspect_ed2k(CLI::App& inspect, int* exit_code);  // inspect's ed2k subcommand
void add_lab(CLI::App& app, int* exit_code);
void add_demo(CLI::App& app, int* exit_code);
void add_harness(CLI::App& app, int* exit_code);
void add_passive(CLI::App& app, int* exit_code);
void add_db(CLI::App& app, int* exit_code);
void add_schedule(CLI::App& app, int* exit_code);
void add_worker(CLI::App& app, int* exit_code);
void add_report(CLI::App& app, int* exit_code);   // report.cpp
void add_explain(CLI::App& app, int* exit_code);  // report.cpp
void add_serve(CLI::App& app, int* exit_code);
void add_push(CLI::App& app, int* exit_code);
void add_routing(CLI::App& app, int* exit_code);

}  // namespace p2pscope::cli
