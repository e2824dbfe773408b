// Subcommands that use plugins: plugins, export, run.
#include <iostream>
#include <map>

#include "cli_support.hpp"
#include "winnow/config/json_schema.hpp"
#include "winnow/exporting/dataset_exporter.hpp"
#include "winnow/pipeline/pipeline.hpp"
#include "winnow/store/project_store.hpp"

namespace winnow::cli {

namespace {

void addPluginPathOption(po::options_description& options) {
  options.add_options()("plugin-path", po::value<std::vector<std::string>>()->composing(),
                        "extra plugin folder, searched first (repeatable; also WINNOW_PLUGIN_PATH)");
}

std::vector<std::string> pluginPaths(const CommandLine& line) {
  return line.values.count("plugin-path") ? line.values["plugin-path"].as<std::vector<std::string>>()
                                          : std::vector<std::string>();
}

}  // namespace

int commandPlugins(const std::vector<std::string>& args) {
  po::options_description options("plugins options");
  addPluginPathOption(options);
  options.add_options()("schemas", "also print each capability's parameter schema");
  po::positional_options_description positional;
  CommandLine line;
  int exitCode = kExitOk;
  if (!parseCommandLine("plugins", "[--plugin-path DIR]... [--schemas]", options, positional, args,
                        line, exitCode)) {
    return exitCode;
  }
  plugin::PluginHost host = makePluginHost(pluginPaths(line));
  const bool withSchemas = line.values.count("schemas") > 0;
  nlohmann::json list = nlohmann::json::array();
  int loaded = 0;
  int rejected = 0;
  for (const plugin::PluginRecord& record : host.plugins()) {
    const bool isLoaded = record.state == plugin::PluginState::Loaded;
    (isLoaded ? loaded : rejected)++;
    nlohmann::json capabilities = nlohmann::json::array();
    for (const auto& capability : record.capabilities) {
      nlohmann::json entry = {{"id", capability.id},
                              {"kind", plugin::capabilityKindName(capability.kind)},
                              {"description", capability.description}};
      if (withSchemas || line.json) entry["params_schema"] = capability.paramsSchema;
      capabilities.push_back(entry);
    }
    list.push_back({{"id", record.id},
                    {"version", record.version},
                    {"state", plugin::pluginStateName(record.state)},
                    {"reason", record.rejectionReason},
                    {"manifest", record.manifestPath.string()},
                    {"library", record.libraryPath.string()},
                    {"capabilities", capabilities}});
    if (line.json) continue;
    if (isLoaded) {
      std::cout << "loaded    " << record.id << " " << record.version << "  ("
                << record.libraryPath.string() << ")\n";
      for (const auto& capability : record.capabilities) {
        std::cout << "            " << plugin::capabilityKindName(capability.kind) << " '"
                  << capability.id << "': " << capability.description << "\n";
        if (withSchemas) std::cout << capability.paramsSchema.dump(2) << "\n";
      }
    } else {
      std::cout << "rejected  " << (record.id.empty() ? record.manifestPath.filename().string() : record.id)
                << ": " << record.rejectionReason << "\n";
    }
  }
  if (line.json) {
    printJson({{"plugins", list}, {"loaded", loaded}, {"rejected", rejected}});
  } else {
    std::cout << loaded << " loaded, " << rejected << " rejected\n";
    if (loaded + rejected == 0) {
      std::cout << "no plugins found; searched:";
      for (const auto& folder : plugin::PluginHost::defaultSearchFolders()) {
        std::cout << " " << folder.string();
      }
      std::cout << "\n";
    }
  }
  return kExitOk;
}

int commandExport(const std::vector<std::string>& args) {
  po::options_description options("export options");
  options.add_options()("project", po::value<std::string>()->required(), "project folder")(
      "format,f", po::value<std::string>()->default_value("hdf5"),
      "exporter capability id (hdf5, imagefolder, or a plugin's): the step's capability")(
      "output,o", po::value<std::string>()->required(), "output file or folder")(
      "param,p", po::value<std::vector<std::string>>()->composing(),
      "exporter parameter key=value (repeatable), e.g. -p image_size=64")(
      "split", po::value<std::string>(), "only this split (train, val, test)")(
      "include-unlabelled", "also export samples without a class (label -1)")(
      "overwrite", "replace an existing output (refused otherwise)")(
      "face-crops", po::value<std::string>(), "export each sample's face crop made with this detector (winnow crops) instead of the whole image");
  addPluginPathOption(options);
  po::positional_options_description positional;
  positional.add("project", 1);
  CommandLine line;
  int exitCode = kExitOk;
  if (!parseCommandLine("export", "<project> --format hdf5 --output out.h5 [-p key=value]...",
                        options, positional, args, line, exitCode)) {
    return exitCode;
  }
  auto exporterParams = parseKeyValues(listOption(line, "param"), "--param");
  if (!exporterParams) return printError(exporterParams.error(), line.json, kExitUsage);
  StepCommand command;
  command.step = "export";
  command.params = {{"capability", line.values["format"].as<std::string>()},
                    {"output", std::filesystem::absolute(line.values["output"].as<std::string>()).string()},
                    {"include_unlabelled", line.values.count("include-unlabelled") > 0},
                    {"overwrite", line.values.count("overwrite") > 0},
                    {"params", *exporterParams}};
  if (line.values.count("split")) command.params["split"] = line.values["split"].as<std::string>();
  if (line.values.count("face-crops")) command.params["face_crops"] = line.values["face-crops"].as<std::string>();
  // Written into the dataset as its provenance.
  command.provenance = {{"command", "winnow export"}, {"args", args}};
  command.checkNames = [](store::ProjectStore& store, pipeline::StepHost& host, const nlohmann::json& params) -> Status {
    if (Status known = checkCapability(host.get(), plugin::CapabilityKind::Exporter, "--format",
                                       params["capability"].get<std::string>());
        !known) {
      return known;
    }
    if (params.contains("split")) {
      auto splits = projectSplits(store);
      if (!splits) return splits.error();
      if (Status known = checkKnownName("--split", "split", params["split"].get<std::string>(), *splits, "splits"); !known) {
        return known;
      }
    }
    if (params.contains("face_crops")) {
      auto detectors = knownDetectors(store, host.get());
      if (!detectors) return detectors.error();
      return checkKnownName("--face-crops", "detector", params["face_crops"].get<std::string>(), *detectors,
                            "detectors (loaded or run on the project)");
    }
    return okStatus();
  };
  command.cancelledText = "export cancelled; nothing was written";
  command.partial = [](const pipeline::StepResult& result) {
    return result.typed<exporting::ExportSummary>().skippedMissing > 0;
  };
  command.printText = [faceCrops = command.params.value("face_crops", std::string())](const pipeline::StepResult& result,
                                                                                      const nlohmann::json&) {
    const exporting::ExportSummary* summary = &result.typed<exporting::ExportSummary>();
    std::cout << "exported " << summary->exported << " samples in " << summary->classNames.size()
              << " classes to " << summary->output.string() << "\n";
    auto splitCounts = [](const std::map<std::string, std::int64_t>& bySplit) {
      std::string text;
      for (const auto& [split, n] : bySplit) {
        text += (text.empty() ? "" : ", ") + exporting::splitDisplayName(split) + " " + std::to_string(n);
      }
      return text;
    };
    for (const auto& [label, count] : summary->countByClass) {
      std::cout << "  " << (label.empty() ? "(unlabelled)" : label) << ": " << count;
      if (auto bySplit = summary->exportedByClassSplit.find(label); bySplit != summary->exportedByClassSplit.end()) {
        std::cout << " (" << splitCounts(bySplit->second) << ")";
      }
      std::cout << "\n";
    }
    if (summary->augmented > 0) {
      std::cout << summary->augmented << " of the rows are augmented (synthetic) children: /augmented = 1 in HDF5\n";
    }
    if (summary->skippedNoCrop > 0) {
      std::cout << "left out " << summary->skippedNoCrop << " samples without a face crop of detector '"
                << faceCrops << "' (no face found, or not cropped):\n";
      for (const auto& [label, bySplit] : summary->skippedNoCropByClassSplit) {
        std::cout << "  " << (label.empty() ? "(unlabelled)" : label) << ": " << splitCounts(bySplit) << "\n";
      }
    }
    for (const std::string& warning : summary->warnings) std::cout << "WARNING: " << warning << "\n";
  };
  return runStepCommand(line, command);
}

int commandRun(const std::vector<std::string>& args) {
  po::options_description options("run options");
  options.add_options()("pipeline", po::value<std::string>()->required(), "pipeline JSON file")(
      "project", po::value<std::string>(), "project folder (overrides the pipeline's)")(
      "check", "validate the pipeline and its parameters, run nothing");
  addPluginPathOption(options);
  po::positional_options_description positional;
  positional.add("pipeline", 1);
  CommandLine line;
  int exitCode = kExitOk;
  if (!parseCommandLine("run", "<pipeline.json> [--project P] [--check]", options, positional,
                        args, line, exitCode)) {
    return exitCode;
  }
  pipeline::StepHost host = makeStepHost(pluginPaths(line));
  std::optional<std::filesystem::path> project;
  if (line.values.count("project")) project = line.values["project"].as<std::string>();
  auto pipeline = pipeline::loadPipeline(std::filesystem::path(line.values["pipeline"].as<std::string>()), host.get(), project);
  if (!pipeline) return printError(pipeline.error(), line.json);
  if (line.values.count("check")) {
    if (line.json) {
      printJson({{"ok", true}, {"steps", pipeline->steps.size()}});
    } else {
      std::cout << line.values["pipeline"].as<std::string>() << ": valid, "
                << pipeline->steps.size() << " steps\n";
    }
    return kExitOk;
  }
  job::JobContext job;
  auto report = pipeline::runPipeline(*pipeline, host, job);
  if (!report) return printError(report.error(), line.json);
  if (line.json) {
    printJson(*report);
  } else {
    for (const auto& step : (*report)["steps"]) {
      std::cout << (step["ok"].get<bool>() ? "ok     " : "FAILED ") << step["name"].get<std::string>();
      if (!step["ok"].get<bool>()) std::cout << ": " << step["error"].get<std::string>();
      std::cout << "\n";
    }
  }
  if ((*report)["cancelled"].get<bool>()) return kExitCancelled;
  if (!(*report)["ok"].get<bool>()) return kExitFailure;
  for (const auto& step : (*report)["steps"]) {
    if (step["run"] == "ingest" && step["summary"]["bad_file_count"].get<int>() > 0) {
      return kExitPartial;
    }
  }
  return kExitOk;
}

}  // namespace winnow::cli
