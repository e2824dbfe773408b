#include "face_commands.hpp"

#include <iostream>

#include "cli_support.hpp"
#include "winnow/faces/face_detection.hpp"
#include "winnow/store/project_store.hpp"

namespace winnow::cli {

namespace {

std::vector<std::string> listOption(const CommandLine& line, const char* name) {
  return line.values.count(name) ? line.values[name].as<std::vector<std::string>>()
                                 : std::vector<std::string>();
}

}  // namespace

int commandDetect(const std::vector<std::string>& args) {
  po::options_description options("detect options");
  options.add_options()("project", po::value<std::string>()->required(), "project folder")(
      "detector,d", po::value<std::string>()->default_value("haar"), "detector capability id")(
      "param,p", po::value<std::vector<std::string>>()->composing(),
      "detector parameter key=value (repeatable), e.g. -p rotation_max_degrees=0")(
      "max-decode-side", po::value<int>()->default_value(1024),
      "decode large images reduced to about this side")(
      "redo", "detect again where this detector already ran")(
      "plugin-path", po::value<std::vector<std::string>>()->composing(), "extra plugin folder");
  po::positional_options_description positional;
  positional.add("project", 1);
  CommandLine line;
  int exitCode = kExitOk;
  if (!parseCommandLine("detect", "<project> [--detector haar] [-p key=value]...", options,
                        positional, args, line, exitCode)) {
    return exitCode;
  }
  auto detectorParams = parseKeyValues(listOption(line, "param"), "--param");
  if (!detectorParams) return printError(detectorParams.error(), line.json, kExitUsage);
  auto opened = store::ProjectStore::open(line.values["project"].as<std::string>());
  if (!opened) return printError(opened.error(), line.json);
  plugin::PluginHost host = makePluginHost(listOption(line, "plugin-path"), line.json);
  const nlohmann::json params = {{"detector", line.values["detector"].as<std::string>()},
                                 {"detector_params", *detectorParams},
                                 {"max_decode_side", line.values["max-decode-side"].as<int>()},
                                 {"redo", line.values.count("redo") > 0}};
  auto runId = (*opened)->beginRun("detect", params.dump());
  job::JobContext job(progressStyle(line.json));
  auto summary = faces::runDetect(**opened, host, params, job,
                                  runId ? std::optional<std::int64_t>(*runId) : std::nullopt);
  if (!summary) {
    if (runId) (void)(*opened)->finishRun(*runId, "failed", nlohmann::json{{"error", summary.error().message}}.dump());
    return printError(summary.error(), line.json);
  }
  const bool cancelled = (*summary)["cancelled"].get<bool>();
  if (runId) (void)(*opened)->finishRun(*runId, cancelled ? "cancelled" : "ok", summary->dump());
  if (line.json) {
    printJson(*summary);
  } else {
    std::cout << "detector " << (*summary)["detector"].get<std::string>() << ": "
              << (*summary)["samples"] << " samples, " << (*summary)["one_face"] << " with one face, "
              << (*summary)["several_faces"] << " with several, " << (*summary)["no_face"]
              << " with none (flagged), " << (*summary)["failed"] << " failed, "
              << (*summary)["skipped_already_done"] << " already done\n";
  }
  if (cancelled) return kExitCancelled;
  return (*summary)["failed"].get<int>() > 0 ? kExitPartial : kExitOk;
}

int commandFaces(const std::vector<std::string>& args) {
  po::options_description options("faces options");
  options.add_options()("image", po::value<std::string>()->required(), "image file")(
      "detector,d", po::value<std::string>()->default_value("haar"), "detector capability id")(
      "param,p", po::value<std::vector<std::string>>()->composing(), "detector parameter key=value")(
      "max-decode-side", po::value<int>()->default_value(1024),
      "decode large images reduced to about this side")(
      "plugin-path", po::value<std::vector<std::string>>()->composing(), "extra plugin folder");
  po::positional_options_description positional;
  positional.add("image", 1);
  CommandLine line;
  int exitCode = kExitOk;
  if (!parseCommandLine("faces", "<image> [--detector haar] [-p key=value]...", options, positional,
                        args, line, exitCode)) {
    return exitCode;
  }
  auto detectorParams = parseKeyValues(listOption(line, "param"), "--param");
  if (!detectorParams) return printError(detectorParams.error(), true, kExitUsage);
  plugin::PluginHost host = makePluginHost(listOption(line, "plugin-path"), true);
  auto result = faces::detectFacesInFile(host, line.values["image"].as<std::string>(),
                                         line.values["detector"].as<std::string>(), *detectorParams,
                                         line.values["max-decode-side"].as<int>());
  // Always JSON: this command exists to print boxes for scripts.
  if (!result) return printError(result.error(), true);
  printJson(*result);
  return kExitOk;
}

}  // namespace winnow::cli
