#include "face_commands.hpp"

#include <iostream>

#include "cli_support.hpp"
#include "winnow/util/display_text.hpp"
#include "winnow/faces/face_detection.hpp"
#include "winnow/review/decision_batch.hpp"
#include "winnow/review/identity_clusters.hpp"
#include "winnow/review/suggestions.hpp"
#include "winnow/store/project_store.hpp"

namespace winnow::cli {

namespace {

// For a step on stored faces: a "detector" parameter must name a loaded detector or one that has
// run on the project (else a typo would silently find no faces).
Status checkStoredDetector(store::ProjectStore& store, pipeline::StepHost& host, const nlohmann::json& params) {
  if (!params.contains("detector") || !params["detector"].is_string()) return okStatus();
  auto detectors = knownDetectors(store, host.get());
  if (!detectors) return detectors.error();
  return checkKnownName("--detector", "detector", params["detector"].get<std::string>(), *detectors,
                        "detectors (loaded or run on the project)");
}

}  // namespace


int commandDetect(const std::vector<std::string>& args) {
  po::options_description options("detect options");
  options.add_options()("project", po::value<std::string>()->required(), "project folder")(
      "detector,d", po::value<std::string>(), ("detector capability id" + defaultNote("detect", "detector")).c_str())(
      "param,p", po::value<std::vector<std::string>>()->composing(),
      "detector parameter key=value (repeatable), e.g. -p rotation_max_degrees=0")(
      "max-decode-side", po::value<int>(), ("decode large images reduced to about this side" + defaultNote("detect", "max_decode_side")).c_str())(
      "redo", "detect again where this detector already ran")(
      "threads", po::value<int>(), ("detector instances in parallel (0 = one per core)" + defaultNote("detect", "threads")).c_str())(
      "plugin-path", po::value<std::vector<std::string>>()->composing(), "extra plugin folder");
  po::positional_options_description positional;
  positional.add("project", 1);
  CommandLine line;
  int exitCode = kExitOk;
  if (!parseCommandLine("detect", "<project> [--detector yunet] [-p key=value]...", options,
                        positional, args, line, exitCode)) {
    return exitCode;
  }
  auto detectorParams = parseKeyValues(listOption(line, "param"), "--param");
  if (!detectorParams) return printError(detectorParams.error(), line.json, kExitUsage);
  StepCommand command;
  command.step = "detect";
  command.params = {{"detector_params", *detectorParams}, {"redo", line.values.count("redo") > 0}};
  if (line.values.count("detector")) command.params["detector"] = line.values["detector"].as<std::string>();
  if (line.values.count("max-decode-side")) command.params["max_decode_side"] = line.values["max-decode-side"].as<int>();
  if (line.values.count("threads")) command.params["threads"] = line.values["threads"].as<int>();
  command.checkNames = [](store::ProjectStore&, pipeline::StepHost& host, const nlohmann::json& params) {
    if (!params.contains("detector")) return okStatus();
    return checkCapability(host.get(), plugin::CapabilityKind::Detector, "--detector", params["detector"].get<std::string>());
  };
  command.printText = [](const pipeline::StepResult& result, const nlohmann::json&) {
    const nlohmann::json& summary = result.summary;
    std::cout << "detector " << summary["detector"].get<std::string>() << ": " << summary["samples"] << " samples, "
              << summary["one_face"] << " with one face, " << summary["several_faces"] << " with several, "
              << summary["no_face"] << " with none (flagged), " << summary["failed"] << " failed, "
              << summary["skipped_already_done"] << " already done\n";
  };
  return runStepCommand(line, command);
}

int commandFaces(const std::vector<std::string>& args) {
  po::options_description options("faces options");
  options.add_options()("image", po::value<std::string>()->required(), "image file")(
      "detector,d", po::value<std::string>()->default_value("yunet"), "detector capability id")(
      "param,p", po::value<std::vector<std::string>>()->composing(), "detector parameter key=value")(
      "max-decode-side", po::value<int>()->default_value(1024),
      "decode large images reduced to about this side")(
      "plugin-path", po::value<std::vector<std::string>>()->composing(), "extra plugin folder");
  po::positional_options_description positional;
  positional.add("image", 1);
  CommandLine line;
  int exitCode = kExitOk;
  if (!parseCommandLine("faces", "<image> [--detector yunet] [-p key=value]...", options, positional,
                        args, line, exitCode)) {
    return exitCode;
  }
  auto detectorParams = parseKeyValues(listOption(line, "param"), "--param");
  if (!detectorParams) return printError(detectorParams.error(), true, kExitUsage);
  plugin::PluginHost host = makePluginHost(listOption(line, "plugin-path"));
  if (Status known = checkCapability(host, plugin::CapabilityKind::Detector, "--detector",
                                     line.values["detector"].as<std::string>());
      !known) {
    return printError(known.error(), true, kExitUsage);
  }
  auto result = faces::detectFacesInFile(host, line.values["image"].as<std::string>(),
                                         line.values["detector"].as<std::string>(), *detectorParams,
                                         line.values["max-decode-side"].as<int>());
  // Always JSON: this command exists to print boxes for scripts.
  if (!result) return printError(result.error(), true);
  printJson(*result);
  return kExitOk;
}

int commandCrops(const std::vector<std::string>& args) {
  po::options_description options("crops options");
  addParamOption(options);
  options.add_options()("detector,d", po::value<std::string>(), ("whose faces to crop" + defaultNote("crops", "detector")).c_str())(
      "size", po::value<int>(), ("output side in pixels" + defaultNote("crops", "size")).c_str())(
      "margin", po::value<double>(), ("margin on every side, fraction of the face" + defaultNote("crops", "margin")).c_str())(
      "multiple", po::value<std::string>(),
      ("several faces: largest | central | most_confident | all | flag" + defaultNote("crops", "multiple")).c_str());
  CommandLine line;
  int exitCode = kExitOk;
  if (!parseProjectCommand("crops", "<project> [--detector yunet] [--size 224] [-p key=value]...",
                           options, args, line, exitCode)) {
    return exitCode;
  }
  StepCommand command = paramStepCommand("crops");
  if (line.values.count("detector")) command.params["detector"] = line.values["detector"].as<std::string>();
  if (line.values.count("size")) command.params["size"] = line.values["size"].as<int>();
  if (line.values.count("margin")) command.params["margin"] = line.values["margin"].as<double>();
  if (line.values.count("multiple")) command.params["multiple"] = line.values["multiple"].as<std::string>();
  command.checkNames = checkStoredDetector;
  command.printText = [](const pipeline::StepResult&, const nlohmann::json& r) {
    std::cout << "crops from " << r.at("detector").get<std::string>() << ": " << r.at("crops")
              << " written to " << r.at("folder").get<std::string>() << " (" << r.at("samples")
              << " samples; " << r.at("no_face") << " without a face and " << r.at("multiple_faces")
              << " with several, flagged; " << r.at("not_detected") << " not detected yet; "
              << r.at("failed") << " unreadable)\n";
  };
  return runStepCommand(line, command);
}

int commandEmbed(const std::vector<std::string>& args) {
  po::options_description options("embed options");
  addParamOption(options);
  options.add_options()("model,m", po::value<std::string>(), ("model capability" + defaultNote("embed", "model")).c_str())(
      "source", po::value<std::string>(), "faces (aligned chip of the largest face) | image (whole image)")(
      "detector,d", po::value<std::string>(), "whose faces (default: faceapi_ssd when it has stored detections, else the detector with the most, e.g. yunet after winnow detect)")(
      "redo", "embed again samples that already have a vector")(
      "plugin-path", po::value<std::vector<std::string>>()->composing(), "extra plugin folder");
  CommandLine line;
  int exitCode = kExitOk;
  if (!parseProjectCommand("embed", "<project> [--model faceapi_recognition] [--source faces|image]", options,
                           args, line, exitCode)) {
    return exitCode;
  }
  StepCommand command = paramStepCommand("embed");
  if (line.values.count("model")) command.params["model"] = line.values["model"].as<std::string>();
  if (line.values.count("source")) command.params["source"] = line.values["source"].as<std::string>();
  if (line.values.count("detector")) command.params["detector"] = line.values["detector"].as<std::string>();
  if (line.values.count("redo")) command.params["redo"] = true;
  command.checkNames = [](store::ProjectStore& store, pipeline::StepHost& host, const nlohmann::json& p) -> Status {
    if (p.contains("model") && p["model"].is_string()) {
      if (Status known = checkCapability(host.get(), plugin::CapabilityKind::Model, "--model", p["model"].get<std::string>());
          !known) {
        return known;
      }
    }
    return checkStoredDetector(store, host, p);
  };
  command.printText = [](const pipeline::StepResult&, const nlohmann::json& r) {
    std::cout << "embedded " << r.at("embedded") << " samples with " << r.at("model").get<std::string>() << " ("
              << r.at("dimension") << "-d, " << formatNumber(r.at("images_per_second").get<double>(), 1)
              << " images/s); " << r.at("no_face") << " without a face, " << r.at("already_embedded")
              << " already done, " << r.at("failed") << " unreadable\n";
    if (r.contains("detector")) {
      std::cout << "  faces of " << r.at("detector").get<std::string>()
                << (r.value("detector_chosen", false) ? " (the stored detections; --detector to choose)" : "") << "\n";
    }
    for (const auto& warning : r.value("warnings", nlohmann::json::array())) {
      std::cout << "WARNING: " << warning.get<std::string>() << "\n";
    }
  };
  return runStepCommand(line, command);
}

int commandIdentity(const std::vector<std::string>& args) {
  po::options_description options("identity options");
  addParamOption(options);
  options.add_options()("extractor", po::value<std::string>(), "embeddings to use (default faceapi_recognition)")(
      "png", po::value<std::string>(), "write the distance histograms to this PNG");
  CommandLine line;
  int exitCode = kExitOk;
  if (!parseProjectCommand("identity", "<project> [--png histograms.png]", options, args, line, exitCode)) {
    return exitCode;
  }
  StepCommand command = paramStepCommand("identity");
  if (line.values.count("extractor")) command.params["extractor"] = line.values["extractor"].as<std::string>();
  if (line.values.count("png")) command.params["png"] = line.values["png"].as<std::string>();
  command.printText = [](const pipeline::StepResult&, const nlohmann::json& r) {
    std::cout << r.at("samples") << " samples of " << r.at("identities") << " people: nearest-neighbour "
              << "leave-one-out accuracy " << formatNumber(100 * r.at("nearest_neighbour_loo_accuracy").get<double>())
              << "%\n  same person: median distance "
              << formatNumber(r.at("same_person").at("median").get<double>(), 3) << "; different people: "
              << formatNumber(r.at("different_people").at("median").get<double>(), 3)
              << "\n  best threshold " << formatNumber(r.at("best_threshold").get<double>(), 3) << " (pair accuracy "
              << formatNumber(100 * r.at("pair_accuracy_at_best_threshold").get<double>()) << "%; at 0.6: "
              << formatNumber(100 * r.at("pair_accuracy_at_0_6").get<double>()) << "%)\n";
    if (r.contains("png")) std::cout << "  histograms: " << r.at("png").get<std::string>() << "\n";
  };
  return runStepCommand(line, command);
}

namespace {

// Applies "GROUP=class" names (1-based groups) as one decision batch each.
Status nameGroups(store::ProjectStore& store, const std::vector<std::vector<std::int64_t>>& groups,
                  const std::vector<std::pair<std::size_t, std::string>>& names, const std::string& how,
                  nlohmann::json& named) {
  for (const auto& [group, className] : names) {
    auto applied = review::applyDecisionBatch(store, groups[group - 1], "label", className, "user:cli",
                                              how + " identity group " + std::to_string(group));
    if (!applied) return applied.error();
    named.push_back({{"group", group}, {"class", className}, {"labelled", applied->size()}, {"how", how}});
  }
  return okStatus();
}

Result<std::size_t> groupNumber(const std::string& text, std::size_t groupCount, const std::string& option) {
  std::size_t group = 0;
  try {
    std::size_t used = 0;
    group = static_cast<std::size_t>(std::stoul(text, &used));
    if (used != text.size()) group = 0;
  } catch (const std::exception&) {
    group = 0;
  }
  if (group < 1 || group > groupCount) {
    return makeError(ErrorCode::InvalidArgument, "identities: " + option + " " + text + ": expected a group from 1 to " +
                                                     std::to_string(groupCount));
  }
  return group;
}

// Groups stored face descriptors by identity (review::groupByIdentity, as the workbench's
// Identities panel does), gives each group the nearest named class (review::nearestNamedGroups),
// and then, for each "N=class" in params.names, labels every sample of group N in one
// transaction; for each N in params.accept_nearest, labels group N with its nearest named class.
// Groups are numbered from 1, largest first. params.show: print every member of that group.
Result<nlohmann::json> runIdentityGroups(store::ProjectStore& store, const nlohmann::json& params,
                                         job::JobContext& /*job*/, std::optional<std::int64_t> /*runId*/) {
  std::string extractor = params.value("extractor", std::string());
  if (extractor.empty()) {
    auto extractors = review::listEmbeddingExtractors(store);
    if (!extractors) return extractors.error();
    if (extractors->empty()) {
      return makeError(ErrorCode::InvalidArgument, store.projectDir().string() + ": no stored embeddings (run winnow embed first)");
    }
    extractor = extractors->front();
  }
  review::IdentityClusterOptions clustering;
  clustering.maxDistance = params.value("max_distance", review::kDefaultIdentityDistance);
  if (!(clustering.maxDistance > 0)) return makeError(ErrorCode::InvalidArgument, "identities: max_distance must be above 0");
  const std::string methodName = params.value("method", std::string(review::identityClusteringName(review::kDefaultIdentityClustering)));
  clustering.method = review::parseIdentityClustering(methodName);
  if (clustering.method == review::IdentityClustering::Invalid) {
    if (Status known = checkKnownName("--method", "method", methodName, review::identityClusteringNames(), "methods"); !known) {
      return known.error();
    }
  }
  const bool all = params.value("all", false);
  auto embeddings = review::loadEmbeddings(store, extractor, /*unlabelledOnly=*/!all);
  if (!embeddings) return embeddings.error();
  const auto groups = review::groupByIdentity(*embeddings, clustering);
  auto nearest = review::nearestNamedGroups(store, extractor, groups);
  if (!nearest) return nearest.error();
  const bool defaults = !params.contains("method") && !params.contains("max_distance");
  nlohmann::json result = {{"extractor", extractor},
                           {"method", review::identityClusteringName(clustering.method)},
                           {"max_distance", clustering.maxDistance},
                           {"defaults", defaults},
                           {"unlabelled_only", !all},
                           {"samples", embeddings->sampleIds.size()},
                           {"group_count", groups.size()},
                           {"singletons", 0},
                           {"groups", nlohmann::json::array()},
                           {"named", nlohmann::json::array()}};
  std::size_t singletons = 0;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    nlohmann::json labels = nlohmann::json::object();
    for (std::int64_t id : groups[g]) {
      auto sample = store.getSample(id);
      if (!sample) return sample.error();
      const std::string label = sample->label.value_or("");
      labels[label.empty() ? "(unlabelled)" : label] = labels.value(label.empty() ? "(unlabelled)" : label, 0) + 1;
    }
    singletons += groups[g].size() == 1 ? 1 : 0;
    nlohmann::json entry = {{"group", g + 1}, {"size", groups[g].size()}, {"labels", labels}, {"sample_ids", groups[g]}};
    if ((*nearest)[g]) {
      entry["nearest_named"] = nlohmann::json{{"class", (*nearest)[g]->label},
                                              {"distance", (*nearest)[g]->distance},
                                              {"named_samples", (*nearest)[g]->namedSamples}};
    }
    result["groups"].push_back(std::move(entry));
  }
  result["singletons"] = singletons;
  if (params.contains("show")) {
    const auto shown = groupNumber(params["show"].is_string() ? params["show"].get<std::string>() : params["show"].dump(),
                                   groups.size(), "--show");
    if (!shown) return shown.error();
    nlohmann::json members = nlohmann::json::array();
    for (std::int64_t id : groups[*shown - 1]) {
      auto sample = store.getSample(id);
      if (!sample) return sample.error();
      members.push_back({{"id", id},
                         {"label", sample->label ? nlohmann::json(*sample->label) : nlohmann::json()},
                         {"path", store.pixelPath(*sample).string()}});
    }
    result["shown"] = nlohmann::json{{"group", *shown}, {"members", members}};
  }
  std::vector<std::pair<std::size_t, std::string>> names;
  const nlohmann::json givenNames = params.value("names", nlohmann::json::object());
  for (const auto& [key, value] : givenNames.items()) {
    const auto group = groupNumber(key, groups.size(), "--name");
    if (!group || !value.is_string() || value.get<std::string>().empty()) {
      return makeError(ErrorCode::InvalidArgument, "identities: --name " + key + "=" + (value.is_string() ? value.get<std::string>() : value.dump()) +
                                                       ": expected GROUP=class with GROUP from 1 to " + std::to_string(groups.size()));
    }
    names.emplace_back(*group, value.get<std::string>());
  }
  std::vector<std::pair<std::size_t, std::string>> acceptNearest;
  for (const auto& item : params.value("accept_nearest", nlohmann::json::array())) {
    const auto group = groupNumber(item.is_string() ? item.get<std::string>() : item.dump(), groups.size(), "--accept-nearest");
    if (!group) return group.error();
    if (!(*nearest)[*group - 1]) {
      return makeError(ErrorCode::InvalidArgument, "identities: --accept-nearest " + std::to_string(*group) +
                                                       ": no named class to suggest yet (name a group or label samples first)");
    }
    acceptNearest.emplace_back(*group, (*nearest)[*group - 1]->label);
  }
  const std::string setting = "(" + extractor + ", " + review::identityClusteringName(clustering.method) + " at " +
                              formatNumber(clustering.maxDistance, 3) + ")";
  if (Status status = nameGroups(store, groups, names, "named " + setting, result["named"]); !status) return status.error();
  if (Status status = nameGroups(store, groups, acceptNearest, "accepted nearest named class for " + setting, result["named"]);
      !status) {
    return status.error();
  }
  return result;
}

void printIdentityGroups(const nlohmann::json& r) {
  std::cout << r.at("group_count") << " identity groups (" << r.at("singletons") << " of one face) of " << r.at("samples")
            << " " << (r.at("unlabelled_only").get<bool>() ? "unlabelled " : "") << "samples ("
            << r.at("extractor").get<std::string>() << ", " << r.at("method").get<std::string>() << " at max distance "
            << formatNumber(r.at("max_distance").get<double>(), 3) << ")\n";
  if (r.at("defaults").get<bool>()) {
    std::cout << "  (the defaults; --method average_linkage|chinese_whispers|leader and --max-distance change them)\n";
  }
  for (const auto& group : r.at("groups")) {
    std::cout << "group " << group.at("group") << ": " << group.at("size") << " samples";
    std::string labels;
    for (const auto& [label, count] : group.at("labels").items()) labels += (labels.empty() ? "" : ", ") + displayText(label) + " " + count.dump();
    std::cout << " [" << labels << "]";
    if (group.contains("nearest_named")) {
      const auto& nearest = group.at("nearest_named");
      std::cout << " nearest named: " << displayText(nearest.at("class").get<std::string>()) << " ("
                << formatNumber(nearest.at("distance").get<double>(), 3) << ")";
    }
    std::cout << " ids";
    std::size_t shown = 0;
    for (const auto& id : group.at("sample_ids")) {
      if (++shown > 12) {
        std::cout << " ... (--show " << group.at("group") << " lists all)";
        break;
      }
      std::cout << " " << id;
    }
    std::cout << "\n";
  }
  if (r.contains("shown")) {
    std::cout << "members of group " << r.at("shown").at("group") << ":\n";
    for (const auto& member : r.at("shown").at("members")) {
      std::cout << "  " << member.at("id") << "\t" << (member.at("label").is_null() ? "-" : displayText(member.at("label").get<std::string>()))
                << "\t" << displayText(member.at("path").get<std::string>()) << "\n";
    }
  }
  for (const auto& named : r.at("named")) {
    std::cout << "group " << named.at("group") << " named " << displayText(named.at("class").get<std::string>()) << ": "
              << named.at("labelled") << " samples labelled\n";
  }
}

}  // namespace

int commandIdentities(const std::vector<std::string>& args) {
  po::options_description options("identities options");
  options.add_options()("extractor", po::value<std::string>(), "embeddings to group (default: the one with most rows)")(
      "method", po::value<std::string>(), "average_linkage (default), chinese_whispers or leader")(
      "max-distance", po::value<double>(), "largest distance that joins faces (default 0.55; average linkage: mean pairwise)")(
      "all", "group every sample with an embedding, not only the unlabelled ones")(
      "show", po::value<std::string>(), "GROUP: list every member of that group (id, class, path)")(
      "name", po::value<std::vector<std::string>>()->composing(), "GROUP=class: label every face of that group (repeatable)")(
      "accept-nearest", po::value<std::vector<std::string>>()->composing(),
      "GROUP: label that group with its nearest named class (repeatable)");
  CommandLine line;
  int exitCode = kExitOk;
  if (!parseProjectCommand("identities",
                           "<project> [--method M] [--max-distance 0.55] [--all] [--show GROUP] [--name GROUP=class]... "
                           "[--accept-nearest GROUP]...",
                           options, args, line, exitCode)) {
    return exitCode;
  }
  nlohmann::json params = {{"all", line.values.count("all") > 0}};
  if (line.values.count("max-distance")) params["max_distance"] = line.values["max-distance"].as<double>();
  if (line.values.count("method")) params["method"] = line.values["method"].as<std::string>();
  if (line.values.count("extractor")) params["extractor"] = line.values["extractor"].as<std::string>();
  if (line.values.count("show")) params["show"] = line.values["show"].as<std::string>();
  auto names = parseTextPairs(listOption(line, "name"), "--name", "GROUP=class");
  if (!names) return printError(names.error(), line.json, kExitUsage);
  params["names"] = *names;
  params["accept_nearest"] = listOption(line, "accept-nearest");
  return runOperation("identities", line, params, runIdentityGroups, printIdentityGroups);
}

}  // namespace winnow::cli
