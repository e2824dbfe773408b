#include "training_commands.hpp"

#include <cstdlib>
#include <fstream>
#include <iostream>

#include "cli_support.hpp"
#include "winnow/training/local_ranks.hpp"
#include "winnow/training/model_training.hpp"

namespace winnow::cli {

namespace {

int exitFor(const Error& error) { return error.code == ErrorCode::Cancelled ? kExitCancelled : kExitFailure; }

// train and evaluate are steps that need no project: runStep validates their params and binds the
// job to the plugins' cancellation; nothing is recorded (there is no store).
Result<nlohmann::json> runProjectlessStep(const std::string& step, const nlohmann::json& params, const CommandLine& line) {
  pipeline::StepHost host = makeStepHost(listOption(line, "plugin-path"));
  job::JobContext job;
  pipeline::StepRunOptions options;
  options.host = &host;
  auto result = pipeline::runStep(step, params, job, options);
  if (!result) return result.error();
  return std::move(result->summary);
}

// The rank's own arguments: the command line without --nproc (its value too).
std::vector<std::string> withoutNproc(const std::vector<std::string>& args) {
  std::vector<std::string> kept = {"train"};
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--nproc") {
      ++i;
      continue;
    }
    if (args[i].rfind("--nproc=", 0) == 0) continue;
    kept.push_back(args[i]);
  }
  return kept;
}

}  // namespace

int commandTrain(const std::vector<std::string>& args) {
  po::options_description options("train options");
  options.add_options()("dataset", po::value<std::string>()->required(), "winnow HDF5 dataset (winnow export --format hdf5)")(
      "run-dir,o", po::value<std::string>()->required(), "run folder (metrics, checkpoint, model.h5, report, plots)")(
      "resume", "continue an interrupted run from its checkpoint")(
      "model", po::value<std::string>(), ("model capability" + defaultNote("train", "model")).c_str())(
      "config", po::value<std::string>(), "training configuration JSON file (the capability's parameters)")(
      "nproc", po::value<int>()->default_value(1),
      "data-parallel: start this many ranks on this machine (each steps on batch_size images; see docs/training.md)")(
      "dist-backend", po::value<std::string>(), "process-group backend: auto (NCCL on CUDA when built with it, else Gloo), gloo, nccl")(
      "dist-timeout", po::value<int>(), "seconds a rank waits for a silent peer before it stops (default 300)")(
      "plugin-path", po::value<std::vector<std::string>>()->composing(), "extra plugin folder");
  addParamOption(options);
  po::positional_options_description positional;
  positional.add("dataset", 1);
  CommandLine line;
  int exitCode = kExitOk;
  if (!parseCommandLine("train", "<dataset.h5> -o <run-dir> [--config cfg.json] [-p backbone=resnet18] [-p epochs=20] [--resume]",
                        options, positional, args, line, exitCode)) {
    return exitCode;
  }
  nlohmann::json modelParams = nlohmann::json::object();
  if (line.values.count("config")) {
    std::ifstream in(line.values["config"].as<std::string>());
    if (!in) {
      return printError(makeError(ErrorCode::Io, line.values["config"].as<std::string>() + ": cannot read"), line.json, kExitUsage);
    }
    modelParams = nlohmann::json::parse(in, nullptr, false);
    if (modelParams.is_discarded() || !modelParams.is_object()) {
      return printError(makeError(ErrorCode::InvalidArgument, line.values["config"].as<std::string>() + ": not a JSON object"),
                        line.json, kExitUsage);
    }
  }
  auto extra = parseKeyValues(listOption(line, "param"), "--param");
  if (!extra) return printError(extra.error(), line.json, kExitUsage);
  modelParams.update(*extra);
  // Ranks read these from the environment, whoever started them (this launcher or torchrun).
  if (line.values.count("dist-backend")) ::setenv("WINNOW_DIST_BACKEND", line.values["dist-backend"].as<std::string>().c_str(), 1);
  if (line.values.count("dist-timeout")) {
    const int seconds = line.values["dist-timeout"].as<int>();
    if (seconds < 1) return printError(makeError(ErrorCode::InvalidArgument, "--dist-timeout must be at least 1 second"), line.json, kExitUsage);
    ::setenv("WINNOW_DIST_TIMEOUT", std::to_string(seconds).c_str(), 1);
  }
  const int processes = line.values["nproc"].as<int>();
  if (processes < 1 || processes > 1024) {
    return printError(makeError(ErrorCode::InvalidArgument, "--nproc must be between 1 and 1024"), line.json, kExitUsage);
  }
  if (processes > 1) {
    if (std::getenv("WORLD_SIZE") != nullptr) {
      return printError(makeError(ErrorCode::InvalidArgument,
                                  "--nproc with WORLD_SIZE already set: this process is a rank of a launcher (torchrun); drop one of them"),
                        line.json, kExitUsage);
    }
    training::LocalRanksRequest ranks;
    ranks.processes = processes;
    ranks.arguments = withoutNproc(args);
    const char* timeout = std::getenv("WINNOW_DIST_TIMEOUT");
    ranks.grace = std::chrono::seconds((timeout != nullptr ? std::atoi(timeout) : 300) + 30);
    try {
      return training::runLocalRanks(ranks);
    } catch (const std::exception& error) {
      return printError(makeError(ErrorCode::Io, error.what()), line.json);
    }
  }
  nlohmann::json params = {{"dataset", line.values["dataset"].as<std::string>()},
                           {"run_dir", line.values["run-dir"].as<std::string>()},
                           {"resume", line.values.count("resume") > 0},
                           {"model_params", modelParams}};
  if (line.values.count("model")) params["model"] = line.values["model"].as<std::string>();
  auto summary = runProjectlessStep("train", params, line);
  if (!summary) {
    // Every rank of a data-parallel run prints its own error: say whose it is.
    Error error = summary.error();
    const char* rank = std::getenv("RANK");
    const char* world = std::getenv("WORLD_SIZE");
    if (rank != nullptr && world != nullptr && std::string(world) != "1" && error.message.find("rank ") == std::string::npos) {
      error.message = std::string("rank ") + rank + " of " + world + ": " + error.message;
    }
    return printError(error, line.json, exitFor(error));
  }
  if (line.json) {
    printJson(*summary);
    return kExitOk;
  }
  if (summary->contains("distributed") && !(*summary)["distributed"].value("writes_run_folder", true)) {
    std::cout << "rank " << (*summary)["distributed"]["rank"] << " of " << (*summary)["distributed"]["world_size"]
              << " finished; rank 0 wrote the run folder " << (*summary)["run_dir"].get<std::string>() << "\n";
    return kExitOk;
  }
  std::cout << "trained " << (*summary)["architecture"]["backbone"].get<std::string>() << " on "
            << (*summary)["rows"]["train"] << " images for " << (*summary)["epochs_run"] << " epochs (best epoch "
            << (*summary)["best_epoch"] << ((*summary)["stopped_early"].get<bool>() ? ", stopped early" : "");
  if (summary->contains("distributed")) {
    const auto& d = (*summary)["distributed"];
    std::cout << "; " << d["world_size"] << " data-parallel ranks over " << d["backend"].get<std::string>() << ", global batch "
              << d["global_batch_size"];
  }
  std::cout << "), " << formatNumber((*summary)["train_images_per_second"].get<double>(), 1) << " img/s, "
            << formatNumber((*summary)["wall_seconds"].get<double>(), 1) << " s on " << (*summary)["device"].get<std::string>() << "\n"
            << "test split:\n";
  std::cout << training::formatTestReport((*summary)["test"]) << training::formatReportNotes(*summary);
  std::cout << "model: " << (*summary)["model"].get<std::string>() << "\nrun folder: " << (*summary)["run_dir"].get<std::string>()
            << "\n";
  return kExitOk;
}

int commandEvaluate(const std::vector<std::string>& args) {
  po::options_description options("evaluate options");
  options.add_options()("model-file", po::value<std::string>()->required(), "model.h5 from winnow train")(
      "data", po::value<std::string>()->required(), "winnow HDF5 dataset or a folder of class folders")(
      "output,o", po::value<std::string>(), "folder for report.json and confusion_matrix.png")(
      "split", po::value<std::string>(), ("rows of a dataset file: all, train, val, test" + defaultNote("evaluate", "split")).c_str())(
      "map", po::value<std::vector<std::string>>()->composing(), "folder data: rename a class folder, e.g. --map without_mask=real")(
      "device", po::value<std::string>()->default_value("auto"), "auto, cpu or cuda")(
      "plugin-path", po::value<std::vector<std::string>>()->composing(), "extra plugin folder");
  po::positional_options_description positional;
  positional.add("model-file", 1).add("data", 1);
  CommandLine line;
  int exitCode = kExitOk;
  if (!parseCommandLine("evaluate", "<model.h5> <dataset.h5 | folder> [-o out] [--split test] [--map from=to]", options,
                        positional, args, line, exitCode)) {
    return exitCode;
  }
  auto map = parseTextPairs(listOption(line, "map"), "--map", "folder=class");
  if (!map) return printError(map.error(), line.json, kExitUsage);
  nlohmann::json params = {{"model_file", line.values["model-file"].as<std::string>()},
                           {"data", line.values["data"].as<std::string>()},
                           {"map", *map},
                           {"model_params", {{"device", line.values["device"].as<std::string>()}}}};
  if (line.values.count("output")) params["output_dir"] = line.values["output"].as<std::string>();
  if (line.values.count("split")) params["split"] = line.values["split"].as<std::string>();
  auto report = runProjectlessStep("evaluate", params, line);
  if (!report) return printError(report.error(), line.json, exitFor(report.error()));
  if (line.json) {
    printJson(*report);
    return kExitOk;
  }
  std::cout << "evaluated on " << (*report)["data"].get<std::string>() << " (" << (*report)["rows_scored"] << " images"
            << ((*report)["rows_of_other_classes"].get<int>() > 0
                    ? ", " + (*report)["rows_of_other_classes"].dump() + " of classes the model does not know left out"
                    : std::string())
            << "):\n";
  std::cout << training::formatTestReport((*report)["test"]) << training::formatReportNotes(*report);
  return kExitOk;
}

int commandPredict(const std::vector<std::string>& args) {
  po::options_description options("predict options");
  options.add_options()("model-file", po::value<std::string>()->required(), "model.h5 from winnow train")(
      "image", po::value<std::vector<std::string>>()->composing(), "image files")(
      "device", po::value<std::string>()->default_value("auto"), "auto, cpu or cuda")(
      "plugin-path", po::value<std::vector<std::string>>()->composing(), "extra plugin folder");
  po::positional_options_description positional;
  positional.add("model-file", 1).add("image", -1);
  CommandLine line;
  int exitCode = kExitOk;
  if (!parseCommandLine("predict", "<model.h5> <image>...", options, positional, args, line, exitCode)) return exitCode;
  std::vector<std::filesystem::path> files;
  for (const auto& file : listOption(line, "image")) files.emplace_back(file);
  if (files.empty()) return printError(makeError(ErrorCode::InvalidArgument, "predict: no image files given"), line.json, kExitUsage);
  plugin::PluginHost host = makePluginHost(listOption(line, "plugin-path"));
  job::JobContext job(line.json ? job::ProgressStyle::Console : job::ProgressStyle::Silent);
  auto result = training::predictFiles(host, line.values["model-file"].as<std::string>(), files,
                                       {{"device", line.values["device"].as<std::string>()}}, job);
  if (!result) return printError(result.error(), line.json, exitFor(result.error()));
  bool anyBad = false;
  for (const auto& entry : (*result)["results"]) anyBad = anyBad || entry.contains("error");
  if (line.json) {
    printJson(*result);
  } else {
    for (const auto& entry : (*result)["results"]) {
      if (entry.contains("error")) {
        std::cerr << "error: " << entry["error"].get<std::string>() << "\n";
        continue;
      }
      std::cout << entry["file"].get<std::string>() << "\t" << entry["class"].get<std::string>() << "\t"
                << formatNumber(entry["probability"].get<double>(), 4) << "\n";
    }
    // On stderr: stdout stays one tab-separated line per picture for scripts.
    std::cerr << "probabilities: " << (*result).value("probability_meaning", std::string()) << " (temperature "
              << formatNumber((*result).value("temperature", 1.0), 3) << ")\n";
  }
  return anyBad ? kExitPartial : kExitOk;
}

}  // namespace winnow::cli
