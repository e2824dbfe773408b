// Near-duplicate subcommands: dupes (find and store clusters), not-duplicate, keeper.
#include "dupes_commands.hpp"

#include <iostream>

#include "cli_support.hpp"
#include "winnow/util/display_text.hpp"
#include "winnow/dedupe/dupes.hpp"
#include "winnow/dedupe/label_conflicts.hpp"
#include "winnow/store/project_store.hpp"

namespace winnow::cli {

namespace {

std::string labelText(const nlohmann::json& label) {
  return label.is_null() ? "(unlabelled)" : displayText(label.get<std::string>());
}

// '*' marks the cluster keeper, '+' another kept member (a keeper of another label, a kept frame).
void printClusters(const nlohmann::json& clusters, std::ostream& out) {
  for (const auto& cluster : clusters) {
    out << "cluster " << cluster["id"].get<std::int64_t>() << " [" << cluster["method"].get<std::string>()
        << "]" << (cluster["label_conflict"].get<bool>() ? " LABEL CONFLICT" : "") << " keeper "
        << cluster["keeper"].get<std::int64_t>() << ": " << cluster["keeper_reason"].get<std::string>() << "\n";
    for (const auto& m : cluster["members"]) {
      const char* mark = m["keeper"].get<bool>() ? "* " : m["kept"].get<bool>() ? "+ " : "  ";
      out << "  " << mark << m["sample_id"].get<std::int64_t>() << "\t" << labelText(m["label"])
          << "\tphash d=" << m["phash_distance"].get<double>() << "\tdhash d=" << m["dhash_distance"].get<int>()
          << "\t" << m["width"].get<int>() << "x" << m["height"].get<int>() << "\t"
          << m["status"].get<std::string>() << "\t" << displayText(m["path"].get<std::string>()) << "\n";
    }
  }
}

void printActiveByClass(const nlohmann::json& byClass, std::ostream& out) {
  out << "active samples per class (before -> after):";
  for (const auto& [label, counts] : byClass.items()) {
    out << "  " << displayText(label) << " " << counts.value("before", 0) << " -> " << counts.value("after", 0);
  }
  out << "\n";
}

}  // namespace

int commandDupes(const std::vector<std::string>& args) {
  po::options_description options("dupes options");
  options.add_options()("project", po::value<std::string>()->required(), "project folder")(
      "phash-distance", po::value<int>(), ("largest pHash distance of a pair" + defaultNote("dupes", "phash_distance")).c_str())(
      "dhash-distance", po::value<int>(), ("largest dHash distance of a pair" + defaultNote("dupes", "dhash_distance")).c_str())(
      "video-distance", po::value<int>(),
      ("consecutive video frames within this distance group" + defaultNote("dupes", "video_distance")).c_str())(
      "frame-keep-distance", po::value<int>(),
      ("a video frame is kept unless within this distance of a kept frame" + defaultNote("dupes", "frame_keep_distance")).c_str())(
      "min-cosine", po::value<double>(), ("embedding cosine similarity of a pair" + defaultNote("dupes", "min_cosine")).c_str())(
      "no-embeddings", "ignore the embeddings table")(
      "apply", "store clusters and mark non-keepers 'duplicate' (the default)")(
      "dry-run", "only print the clusters; statuses and stored clusters stay as they are")(
      "threads", po::value<int>(), "worker threads (0 = one per core)");
  po::positional_options_description positional;
  positional.add("project", 1);
  CommandLine line;
  int exitCode = kExitOk;
  if (!parseCommandLine("dupes", "<project> [--phash-distance N] [--dhash-distance N] [--dry-run]",
                        options, positional, args, line, exitCode)) {
    return exitCode;
  }
  if (line.values.count("apply") && line.values.count("dry-run")) {
    return printError(makeError(ErrorCode::InvalidArgument, "--apply and --dry-run exclude each other"),
                      line.json, kExitUsage);
  }
  StepCommand command;
  command.step = "dupes";
  nlohmann::json& params = command.params;
  if (line.values.count("phash-distance")) params["phash_distance"] = line.values["phash-distance"].as<int>();
  if (line.values.count("dhash-distance")) params["dhash_distance"] = line.values["dhash-distance"].as<int>();
  if (line.values.count("video-distance")) params["video_distance"] = line.values["video-distance"].as<int>();
  if (line.values.count("frame-keep-distance")) {
    params["frame_keep_distance"] = line.values["frame-keep-distance"].as<int>();
  }
  if (line.values.count("min-cosine")) params["min_cosine"] = line.values["min-cosine"].as<double>();
  if (line.values.count("no-embeddings")) params["embeddings"] = false;
  if (line.values.count("threads")) params["threads"] = line.values["threads"].as<int>();
  params["apply"] = line.values.count("dry-run") == 0;
  command.partial = [](const pipeline::StepResult&) { return false; };
  command.printText = [](const pipeline::StepResult& result, const nlohmann::json&) {
    const auto& s = result.summary;
    printClusters(s["cluster_list"], std::cout);
    std::cout << s["clusters"].get<std::int64_t>() << " clusters, " << s["samples_in_clusters"].get<std::int64_t>()
              << " samples in clusters, of " << s["samples_considered"].get<std::int64_t>() << " considered ("
              << s["hashed"].get<std::int64_t>() << " newly hashed, " << s["hash_failures"].get<std::int64_t>()
              << " unreadable)\n";
    if (s["applied"].get<bool>()) {
      std::cout << s["marked_duplicate"].get<std::int64_t>() << " marked duplicate, "
                << s["restored_active"].get<std::int64_t>() << " restored to active"
                << " (undo with: winnow undo <project> --count N)\n";
      printActiveByClass(s["active_by_class"], std::cout);
    } else {
      std::cout << "dry run: nothing stored\n";
    }
    if (s["label_conflicts"].get<std::int64_t>() > 0) {
      std::cout << "WARNING: " << s["label_conflicts"].get<std::int64_t>()
                << " clusters mix labels (label conflicts, " << s["samples_in_label_conflicts"].get<std::int64_t>()
                << " samples): one keeper per label, nothing demoted across labels, each cluster one split "
                   "group; review with: winnow conflicts <project>\n";
    }
  };
  return runStepCommand(line, command);
}

int commandNotDuplicate(const std::vector<std::string>& args) {
  po::options_description options("not-duplicate options");
  options.add_options()("project", po::value<std::string>()->required(), "project folder")(
      "a", po::value<std::int64_t>()->required(), "first sample id")(
      "b", po::value<std::int64_t>()->required(), "second sample id")(
      "actor", po::value<std::string>()->default_value("user:cli"), "who decides");
  po::positional_options_description positional;
  positional.add("project", 1).add("a", 1).add("b", 1);
  CommandLine line;
  int exitCode = kExitOk;
  if (!parseCommandLine("not-duplicate", "<project> <id-a> <id-b>", options, positional, args, line,
                        exitCode)) {
    return exitCode;
  }
  auto opened = store::ProjectStore::open(line.values["project"].as<std::string>());
  if (!opened) return printError(opened.error(), line.json);
  const auto a = line.values["a"].as<std::int64_t>();
  const auto b = line.values["b"].as<std::int64_t>();
  if (Status s = dedupe::markNotDuplicate(**opened, a, b, line.values["actor"].as<std::string>()); !s) {
    return printError(s.error(), line.json);
  }
  if (line.json) {
    printJson({{"ok", true}, {"sample_a", std::min(a, b)}, {"sample_b", std::max(a, b)}});
  } else {
    std::cout << "samples " << a << " and " << b << " are marked not duplicates\n";
  }
  return kExitOk;
}

int commandKeeper(const std::vector<std::string>& args) {
  po::options_description options("keeper options");
  options.add_options()("project", po::value<std::string>()->required(), "project folder")(
      "cluster", po::value<std::int64_t>()->required(), "duplicate cluster id")(
      "sample", po::value<std::int64_t>()->required(), "member to keep")(
      "actor", po::value<std::string>()->default_value("user:cli"), "who decides");
  po::positional_options_description positional;
  positional.add("project", 1).add("cluster", 1).add("sample", 1);
  CommandLine line;
  int exitCode = kExitOk;
  if (!parseCommandLine("keeper", "<project> <cluster-id> <sample-id>", options, positional, args, line,
                        exitCode)) {
    return exitCode;
  }
  auto opened = store::ProjectStore::open(line.values["project"].as<std::string>());
  if (!opened) return printError(opened.error(), line.json);
  const auto cluster = line.values["cluster"].as<std::int64_t>();
  const auto sample = line.values["sample"].as<std::int64_t>();
  if (Status s = dedupe::setKeeper(**opened, cluster, sample, line.values["actor"].as<std::string>()); !s) {
    return printError(s.error(), line.json);
  }
  if (line.json) {
    printJson({{"ok", true}, {"cluster", cluster}, {"keeper", sample}});
  } else {
    std::cout << "sample " << sample << " is now the keeper of cluster " << cluster << "\n";
  }
  return kExitOk;
}

int commandConflicts(const std::vector<std::string>& args) {
  po::options_description options("conflicts options");
  options.add_options()("project", po::value<std::string>()->required(), "project folder")(
      "all", "also list conflicts already reviewed (keep all)")(
      "keep-all", po::value<std::int64_t>(), "resolve: keep every member of this cluster as labelled (reviewed)")(
      "reopen", po::value<std::int64_t>(), "undo a keep-all review of this cluster")(
      "reason", po::value<std::string>()->default_value("label conflict reviewed: all members kept"),
      "why (recorded with --keep-all)")(
      "actor", po::value<std::string>()->default_value("user:cli"), "who decides");
  po::positional_options_description positional;
  positional.add("project", 1);
  CommandLine line;
  int exitCode = kExitOk;
  if (!parseCommandLine("conflicts", "<project> [--all] [--keep-all CLUSTER] [--reopen CLUSTER]", options,
                        positional, args, line, exitCode)) {
    return exitCode;
  }
  if (line.values.count("keep-all") && line.values.count("reopen")) {
    return printError(makeError(ErrorCode::InvalidArgument, "--keep-all and --reopen exclude each other"),
                      line.json, kExitUsage);
  }
  auto opened = store::ProjectStore::open(line.values["project"].as<std::string>());
  if (!opened) return printError(opened.error(), line.json);
  store::ProjectStore& store = **opened;
  if (line.values.count("keep-all") || line.values.count("reopen")) {
    const bool keep = line.values.count("keep-all") != 0;
    const auto cluster = line.values[keep ? "keep-all" : "reopen"].as<std::int64_t>();
    const Status done = keep ? dedupe::keepAllLabelConflict(store, cluster, line.values["actor"].as<std::string>(),
                                                            line.values["reason"].as<std::string>())
                             : dedupe::reopenLabelConflict(store, cluster);
    if (!done) {
      const bool usage = done.error().code == ErrorCode::InvalidArgument || done.error().code == ErrorCode::NotFound;
      return printError(done.error(), line.json, usage ? kExitUsage : kExitFailure);
    }
    if (line.json) {
      printJson({{"ok", true}, {"cluster", cluster}, {"open", !keep}});
    } else {
      std::cout << "label conflict in cluster " << cluster << (keep ? " resolved: all members kept" : " reopened")
                << "\n";
    }
    return kExitOk;
  }
  auto conflicts = dedupe::listLabelConflicts(store, line.values.count("all") != 0);
  if (!conflicts) return printError(conflicts.error(), line.json);
  auto stats = store.stats();
  if (!stats) return printError(stats.error(), line.json);
  if (line.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& conflict : *conflicts) list.push_back(dedupe::toJson(conflict));
    printJson({{"label_conflicts", stats->labelConflicts},
               {"open", stats->openLabelConflicts},
               {"samples", stats->samplesInLabelConflicts},
               {"conflicts", std::move(list)}});
    return kExitOk;
  }
  for (const auto& conflict : *conflicts) {
    std::cout << "cluster " << conflict.clusterId << " [" << conflict.method << "] "
              << (conflict.open ? "open" : "reviewed") << ", labels:";
    for (const auto& [label, count] : conflict.labelCounts) std::cout << " " << displayText(label) << "=" << count;
    std::cout << "\n";
    for (const auto& m : conflict.members) {
      std::cout << "  " << (m.kept ? "kept " : "     ") << m.sampleId << "\t"
                << (m.label ? displayText(*m.label) : "(unlabelled)") << "\t" << m.status << "\t" << displayText(m.source)
                << "\t" << displayText(m.path) << "\n";
    }
  }
  std::cout << stats->labelConflicts << " label conflicts (" << stats->openLabelConflicts << " open, "
            << stats->samplesInLabelConflicts << " samples)";
  if (stats->labelConflicts > 0) {
    std::cout << ": nothing was demoted across labels and each cluster stays one split group.\n"
              << "resolve with: winnow label <project> <class> <ids> | winnow reject <project> <ids> | "
                 "winnow conflicts <project> --keep-all <cluster>\n";
  } else {
    std::cout << "\n";
  }
  return kExitOk;
}

}  // namespace winnow::cli
