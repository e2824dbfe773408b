#include "winnow/split/sample_groups.hpp"

#include <algorithm>
#include <cstdlib>
#include <tuple>
#include <vector>

#include "winnow/store/split_queries.hpp"

namespace winnow::split {

namespace {

class UnionFind {
 public:
  std::int64_t find(std::int64_t id) {
    auto found = parent_.find(id);
    if (found == parent_.end()) {
      parent_.emplace(id, id);
      return id;
    }
    std::int64_t root = id;
    while (parent_[root] != root) root = parent_[root];
    while (parent_[id] != root) {  // path compression
      const std::int64_t next = parent_[id];
      parent_[id] = root;
      id = next;
    }
    return root;
  }
  // True when a and b were in different groups. The smaller root survives, so a group's id is
  // its smallest member.
  bool unite(std::int64_t a, std::int64_t b) {
    a = find(a);
    b = find(b);
    if (a == b) return false;
    if (b < a) std::swap(a, b);
    parent_[b] = a;
    return true;
  }

 private:
  std::map<std::int64_t, std::int64_t> parent_;
};

int digits(const std::string& text, std::size_t at, std::size_t count) {
  int value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (i >= text.size() || text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t daysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

}  // namespace

std::optional<std::int64_t> parseCaptureTime(const std::string& text) {
  if (text.size() < 19 || text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != ' ') ||
      text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  const int year = digits(text, 0, 4);
  const int month = digits(text, 5, 2);
  const int day = digits(text, 8, 2);
  const int hour = digits(text, 11, 2);
  const int minute = digits(text, 14, 2);
  const int second = digits(text, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 ||
      minute < 0 || minute > 59 || second < 0 || second > 60) {
    return std::nullopt;
  }
  return daysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
         hour * 3600 + minute * 60 + second;
}

Result<SampleGroups> computeSampleGroups(store::ProjectStore& store, const GroupingOptions& options) {
  auto facts = store::sampleGroupingFacts(store);
  if (!facts) return facts.error();
  const std::vector<store::SampleGroupingFacts>& rows = *facts;
  UnionFind groups;
  SampleGroups result;
  for (const auto& row : rows) groups.find(row.id);
  auto join = [&](std::int64_t a, std::int64_t b, const char* kind) {
    if (groups.unite(a, b)) ++result.joinsByKind[kind];
  };

  {
    auto memberships = store::duplicateClusterMemberships(store);
    if (!memberships) return memberships.error();
    std::map<std::int64_t, std::int64_t> firstOfCluster;
    for (const auto& [clusterId, sampleId] : *memberships) {
      const auto [it, inserted] = firstOfCluster.emplace(clusterId, sampleId);
      if (!inserted) join(it->second, sampleId, "duplicate_cluster");
    }
  }
  {
    // The number of joins is the number of groups merged, whatever the order of the links.
    auto parents = store.lineageParents();
    if (!parents) return parents.error();
    for (const auto& [child, parent] : *parents) join(child, parent, "lineage");
  }
  std::map<std::string, std::int64_t> firstOfIdentity;
  std::map<std::string, std::int64_t> firstOfVideo;
  std::vector<std::tuple<std::int64_t, std::int64_t, std::int64_t>> timed;  // source, time, id
  for (const auto& row : rows) {
    if (row.identity && !row.identity->empty()) {
      const auto [it, inserted] = firstOfIdentity.emplace(*row.identity, row.id);
      if (!inserted) join(it->second, row.id, "identity");
    }
    if (row.format == "video-frame") {
      const auto [it, inserted] = firstOfVideo.emplace(row.originalPath, row.id);
      if (!inserted) join(it->second, row.id, "video");
    }
    if (row.captureTime && options.burstSeconds > 0.0) {
      if (auto seconds = parseCaptureTime(*row.captureTime)) timed.emplace_back(row.sourceId, *seconds, row.id);
    }
  }
  std::sort(timed.begin(), timed.end());
  for (std::size_t i = 1; i < timed.size(); ++i) {
    const auto& [sourceA, timeA, idA] = timed[i - 1];
    const auto& [sourceB, timeB, idB] = timed[i];
    if (sourceA == sourceB && static_cast<double>(timeB - timeA) <= options.burstSeconds) {
      join(idA, idB, "burst");
    }
  }
  for (const auto& row : rows) result.groupOf[row.id] = groups.find(row.id);
  return result;
}

}  // namespace winnow::split
