// winnow-workbench <project> [options]: parses arguments and hands over to WorkbenchApp.
#include <cstdio>
#include <cstring>
#include <string>

#include "winnow/util/process_tuning.hpp"
#include "workbench_app.hpp"

namespace {

void printUsage() {
  std::fprintf(stderr,
               "usage: winnow-workbench <project> [--script FILE] [--frame-stats FILE.json] [--run FOLDER]\n"
               "                        [--size WIDTHxHEIGHT] [--thumbnail-side PIXELS] [--thumbnail-threads N]\n"
               "  --script       scripted input, one command per line (see docs/workbench.md); exits at the end\n"
               "  --frame-stats  write frame-time statistics (median, p95; all frames and scroll frames) as JSON\n"
               "  --run          a training run folder (metrics.json, report.json) for the Training panel\n");
}

bool parseInt(const char* text, int& value) {
  try {
    std::size_t used = 0;
    value = std::stoi(text, &used);
    return used == std::strlen(text) && value > 0;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

int main(int argc, char** argv) {
  winnow::tuneAllocatorForImageWork();
  winnow::workbench::WorkbenchOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool hasValue = i + 1 < argc;
    if (arg == "--help" || arg == "-h") {
      printUsage();
      return 0;
    } else if (arg == "--script" && hasValue) {
      options.script = argv[++i];
    } else if (arg == "--frame-stats" && hasValue) {
      options.frameStats = argv[++i];
    } else if (arg == "--run" && hasValue) {
      options.trainingRun = argv[++i];
    } else if (arg == "--size" && hasValue) {
      const std::string size = argv[++i];
      const auto x = size.find('x');
      if (x == std::string::npos || !parseInt(size.substr(0, x).c_str(), options.width) ||
          !parseInt(size.substr(x + 1).c_str(), options.height)) {
        std::fprintf(stderr, "winnow-workbench: --size wants WIDTHxHEIGHT, e.g. 1280x800\n");
        return 2;
      }
    } else if (arg == "--thumbnail-side" && hasValue) {
      if (!parseInt(argv[++i], options.thumbnailSide)) {
        std::fprintf(stderr, "winnow-workbench: --thumbnail-side wants a positive number\n");
        return 2;
      }
    } else if (arg == "--thumbnail-threads" && hasValue) {
      if (!parseInt(argv[++i], options.thumbnailThreads)) {
        std::fprintf(stderr, "winnow-workbench: --thumbnail-threads wants a positive number\n");
        return 2;
      }
    } else if (!arg.empty() && arg[0] != '-' && options.project.empty()) {
      options.project = arg;
    } else {
      std::fprintf(stderr, "winnow-workbench: unexpected argument '%s'\n", arg.c_str());
      printUsage();
      return 2;
    }
  }
  if (options.project.empty()) {
    printUsage();
    return 2;
  }
  winnow::workbench::WorkbenchApp app(std::move(options));
  return app.run();
}
