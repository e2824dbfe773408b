#include "winnow/workbench/review_state.hpp"

#include <algorithm>
#include <cmath>

namespace winnow::workbench {

ReviewState::ReviewState(review::ReviewCatalog catalog) : catalog_(std::move(catalog)) { refresh(); }

void ReviewState::replaceCatalog(review::ReviewCatalog catalog) {
  catalog_ = std::move(catalog);
  ++catalogRevision_;
  refresh();
}

void ReviewState::setFilter(GridFilter filter) {
  filter_ = std::move(filter);
  refresh();
}

void ReviewState::setSort(GridSort sort) {
  sort_ = std::move(sort);
  refresh();
}

bool ReviewState::matches(const review::CatalogItem& item) const {
  if (filter_.label) {
    if (*filter_.label == kUnlabelledFilter ? item.label.has_value() : item.label != *filter_.label) return false;
  }
  if (filter_.source && item.source != *filter_.source) return false;
  if (filter_.split && item.split != *filter_.split) return false;
  if (filter_.status && item.status != *filter_.status) return false;
  if (filter_.flag) {
    const auto flag = catalog_.flagIndex(*filter_.flag);
    if (!flag || std::find(item.flags.begin(), item.flags.end(), static_cast<int>(*flag)) == item.flags.end()) {
      return false;
    }
  }
  if (filter_.sampleIds &&
      !std::binary_search(filter_.sampleIds->begin(), filter_.sampleIds->end(), item.sampleId)) {
    return false;
  }
  return true;
}

void ReviewState::refresh() {
  const std::optional<std::int64_t> cursorSample = cursorSampleId();
  const std::size_t oldCursor = cursor_;
  visible_.clear();
  for (std::size_t i = 0; i < catalog_.items.size(); ++i) {
    if (matches(catalog_.items[i])) visible_.push_back(i);
  }
  const auto column = sort_.measure.empty() ? std::nullopt : catalog_.measureIndex(sort_.measure);
  if (column) {
    // Items are in sample-id order already; a stable sort keeps ties in that order.
    std::stable_sort(visible_.begin(), visible_.end(), [&](std::size_t a, std::size_t b) {
      const float va = catalog_.measure(a, *column);
      const float vb = catalog_.measure(b, *column);
      if (std::isnan(va) || std::isnan(vb)) return !std::isnan(va) && std::isnan(vb);
      return sort_.descending ? va > vb : va < vb;
    });
  } else if (sort_.descending) {
    std::reverse(visible_.begin(), visible_.end());
  }
  cursor_ = visible_.empty() ? 0 : std::min(oldCursor, visible_.size() - 1);
  if (cursorSample) {
    for (std::size_t p = 0; p < visible_.size(); ++p) {
      if (catalog_.items[visible_[p]].sampleId == *cursorSample) {
        cursor_ = p;
        break;
      }
    }
  }
  anchor_ = std::min(anchor_, visible_.empty() ? 0 : visible_.size() - 1);
}

std::optional<std::int64_t> ReviewState::cursorSampleId() const {
  if (cursor_ >= visible_.size()) return std::nullopt;
  return catalog_.items[visible_[cursor_]].sampleId;
}

void ReviewState::selectRange(std::size_t from, std::size_t to, bool keepExisting) {
  if (!keepExisting) selected_.clear();
  if (from > to) std::swap(from, to);
  for (std::size_t p = from; p <= to && p < visible_.size(); ++p) selected_.insert(visibleItem(p).sampleId);
}

void ReviewState::moveCursorTo(std::size_t position, bool extendSelection) {
  if (visible_.empty()) return;
  cursor_ = std::min(position, visible_.size() - 1);
  if (extendSelection) {
    selectRange(anchor_, cursor_, false);
  } else {
    anchor_ = cursor_;
    selected_.clear();
    selected_.insert(visibleItem(cursor_).sampleId);
  }
}

void ReviewState::move(Motion motion, bool extendSelection) {
  if (visible_.empty()) return;
  const auto last = static_cast<std::ptrdiff_t>(visible_.size() - 1);
  const auto cursor = static_cast<std::ptrdiff_t>(cursor_);
  const auto page = static_cast<std::ptrdiff_t>(columns_) * pageRows_;
  std::ptrdiff_t target = cursor;
  switch (motion) {
    case Motion::PreviousItem: target = cursor - 1; break;
    case Motion::NextItem: target = cursor + 1; break;
    case Motion::PreviousRow: target = cursor - columns_; break;
    case Motion::NextRow: target = cursor + columns_; break;
    case Motion::PreviousPage: target = cursor - page; break;
    case Motion::NextPage: target = cursor + page; break;
    case Motion::First: target = 0; break;
    case Motion::Last: target = last; break;
    case Motion::Invalid: return;
  }
  // A row move off either end stays put (as in a file manager grid); item moves clamp.
  if ((motion == Motion::PreviousRow || motion == Motion::NextRow) && (target < 0 || target > last)) {
    target = cursor;
  }
  moveCursorTo(static_cast<std::size_t>(std::clamp<std::ptrdiff_t>(target, 0, last)), extendSelection);
}

void ReviewState::click(std::size_t position, bool ctrl, bool shift) {
  if (position >= visible_.size()) return;
  if (shift) {
    cursor_ = position;
    selectRange(anchor_, cursor_, ctrl);
    return;
  }
  cursor_ = position;
  anchor_ = position;
  if (ctrl) {
    toggleSelectAtCursor();
  } else {
    selected_.clear();
    selected_.insert(visibleItem(position).sampleId);
  }
}

void ReviewState::toggleSelectAtCursor() {
  const auto id = cursorSampleId();
  if (!id) return;
  if (!selected_.erase(*id)) selected_.insert(*id);
  anchor_ = cursor_;
}

void ReviewState::selectAll() {
  if (!visible_.empty()) selectRange(0, visible_.size() - 1, false);
}

void ReviewState::clearSelection() { selected_.clear(); }

std::vector<std::int64_t> ReviewState::targetSampleIds() const {
  std::vector<std::int64_t> targets;
  for (std::size_t index : visible_) {
    if (selected_.count(catalog_.items[index].sampleId)) targets.push_back(catalog_.items[index].sampleId);
  }
  if (targets.empty()) {
    if (auto id = cursorSampleId()) targets.push_back(*id);
  }
  std::sort(targets.begin(), targets.end());
  return targets;
}

void ReviewState::setItemField(std::int64_t sampleId, const std::string& field,
                               const std::optional<std::string>& value) {
  const auto index = catalog_.itemIndex(sampleId);
  if (!index) return;
  review::CatalogItem& item = catalog_.items[*index];
  ++catalogRevision_;
  if (field == "label") {
    item.label = value;
    if (value && !std::binary_search(catalog_.labels.begin(), catalog_.labels.end(), *value)) {
      catalog_.labels.insert(std::lower_bound(catalog_.labels.begin(), catalog_.labels.end(), *value), *value);
    }
  } else if (field == "status") {
    item.status = value.value_or("");
  } else if (field == "split") {
    item.split = value.value_or("");
  }
}

}  // namespace winnow::workbench
