#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"

#include <libtorrent/version.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

int main(int argc, char** argv) {
  using namespace p2pscope::cli;
  CLI::App app{"p2pscope: find where bogus BitTorrent peers come from and who spreads them."};
  app.set_version_flag("--version", std::string("p2pscope 0.1.0 (libtorrent ") + lt::version() + ")");
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 success, 1 run-time failure, 2 bad usage or malformed input.\n"
      "Run 'p2pscope SUBCOMMAND --help' for details.");
  int exit_code = kOk;
  add_crawl(app, &exit_code);
  add_probe(app, &exit_code);
  add_diagnose(app, &exit_code);
  add_report(app, &exit_code);
  add_explain(app, &exit_code);
  add_serve(app, &exit_code);
  add_push(app, &exit_code);
  add_routing(app, &exit_code);
  add_inspect(app, &exit_code);
  add_lab(app, &exit_code);
  add_demo(app, &exit_code);
  add_harness(app, &exit_code);
  add_passive(app, &exit_code);
  add_db(app, &exit_code);
  add_schedule(app, &exit_code);
  add_worker(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kOk : kBadInput;  // --help and --version exit 0
  }
  // A command's last words may still sit in stdio's buffer: a full disk or
  // a closed pipe behind standard output is a failure, not a success.
  errno = 0;
  std::cout.flush();  // flushes stdout itself: the errno of a failure is set here
  if (std::fflush(stdout) != 0 || std::ferror(stdout) || !std::cout) {
    std::cerr << "p2pscope: writing standard output: " << std::strerror(errno ? errno : EIO) << "\n";
    return exit_code == kOk ? kFailure : exit_code;
  }
  return exit_code;
}
