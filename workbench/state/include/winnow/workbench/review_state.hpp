// Window-free state of the review grid: which catalog items are visible (filters), in which order
// (sort by any measure), where the cursor is and what is selected. No store access and no
// drawing: ReviewSession writes decisions, the app draws. Not thread-safe (UI thread only).
//
// Selection follows file managers: a plain move or click selects just the item under the cursor;
// shift extends a range from the anchor (replacing the selection, or adding to it with ctrl);
// ctrl+click and Space toggle one item. The selection is kept as sample ids, so it survives
// re-sorting and re-filtering (hidden items stay selected but are not targets).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "winnow/review/review_catalog.hpp"
#include "winnow/workbench/key_mapping.hpp"

namespace winnow::workbench {

// Value of GridFilter::label that selects unlabelled samples.
inline constexpr const char* kUnlabelledFilter = "<unlabelled>";

struct GridFilter {
  std::optional<std::string> label;   // kUnlabelledFilter for "no label"
  std::optional<std::string> source;
  std::optional<std::string> split;   // "" = unassigned
  std::optional<std::string> status;
  std::optional<std::string> flag;
  std::optional<std::vector<std::int64_t>> sampleIds;  // restrict to these (sorted ascending)
  std::string description;  // what sampleIds stand for, e.g. "true cat, predicted dog"
};

struct GridSort {
  std::string measure;  // "" = sample id; else a catalog measure name
  bool descending = false;
  // Samples without the measure always come last, in sample-id order.
};

class ReviewState {
 public:
  explicit ReviewState(review::ReviewCatalog catalog);

  const review::ReviewCatalog& catalog() const { return catalog_; }
  // Increases whenever the catalog's contents change (reload or setItemField), so views that
  // summarise the whole catalog (counts, charts) recompute only then, not every frame.
  std::uint64_t catalogRevision() const { return catalogRevision_; }
  void replaceCatalog(review::ReviewCatalog catalog);  // reload; keeps filter, sort, cursor sample

  void setFilter(GridFilter filter);
  const GridFilter& filter() const { return filter_; }
  void setSort(GridSort sort);
  const GridSort& sort() const { return sort_; }
  // Recomputes the visible list. The cursor stays on its sample when still visible, else keeps
  // its position (clamped), so the item after a relabelled-away one comes under the cursor.
  void refresh();

  bool matches(const review::CatalogItem& item) const;

  const std::vector<std::size_t>& visible() const { return visible_; }  // catalog item indices
  const review::CatalogItem& visibleItem(std::size_t position) const {
    return catalog_.items[visible_[position]];
  }
  std::size_t cursor() const { return cursor_; }
  std::optional<std::int64_t> cursorSampleId() const;
  // Grid geometry for row and page moves; both at least 1.
  void setColumns(int columns) { columns_ = columns < 1 ? 1 : columns; }
  int columns() const { return columns_; }
  void setPageRows(int rows) { pageRows_ = rows < 1 ? 1 : rows; }

  void move(Motion motion, bool extendSelection);
  void click(std::size_t position, bool ctrl, bool shift);
  void toggleSelectAtCursor();
  void selectAll();
  void clearSelection();
  bool isSelected(std::int64_t sampleId) const { return selected_.count(sampleId) > 0; }
  std::size_t selectionSize() const { return selected_.size(); }
  // What an action applies to: the visible selected samples, or the cursor's sample when none
  // is selected; ascending sample ids; empty when nothing is visible.
  std::vector<std::int64_t> targetSampleIds() const;

  // Keeps the catalog in step with a decision just written to the store (label/split/status).
  void setItemField(std::int64_t sampleId, const std::string& field, const std::optional<std::string>& value);

 private:
  void selectRange(std::size_t from, std::size_t to, bool keepExisting);
  void moveCursorTo(std::size_t position, bool extendSelection);

  review::ReviewCatalog catalog_;
  GridFilter filter_;
  GridSort sort_;
  std::vector<std::size_t> visible_;
  std::size_t cursor_ = 0;
  std::size_t anchor_ = 0;
  std::set<std::int64_t> selected_;
  int columns_ = 1;
  int pageRows_ = 1;
  std::uint64_t catalogRevision_ = 0;
};

}  // namespace winnow::workbench
