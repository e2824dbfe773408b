// The Suggestions view without a window: the board's cursor and removal, class-name completion
// (more classes than keys), its key mapping, and the script verbs that drive it in app tests.
#include <gtest/gtest.h>

#include "winnow/workbench/suggestion_board.hpp"
#include "winnow/workbench/workbench_script.hpp"

namespace winnow::workbench {
namespace {

std::vector<review::StoredSuggestion> rows(const std::vector<std::pair<std::int64_t, double>>& idConfidence) {
  std::vector<review::StoredSuggestion> out;
  for (const auto& [id, confidence] : idConfidence) {
    review::StoredSuggestion row;
    row.sampleId = id;
    row.label = id % 2 == 0 ? "Tom_Hanks" : "Will_Smith";
    row.confidence = confidence;
    out.push_back(row);
  }
  return out;
}

TEST(SuggestionBoard, CursorFollowsItsSampleAndRemovedRowsBringTheNextOne) {
  SuggestionBoard board;
  EXPECT_FALSE(board.loaded());
  EXPECT_EQ(board.current(), nullptr);
  board.replace(rows({{10, 0.4}, {11, 0.6}, {12, 0.95}, {13, 0.99}}));
  EXPECT_TRUE(board.loaded());
  board.move(Motion::NextItem, 8);
  EXPECT_EQ(board.current()->sampleId, 11);
  // A retraining reorders: the cursor stays on sample 11.
  board.replace(rows({{13, 0.3}, {10, 0.5}, {11, 0.7}, {12, 0.9}}));
  EXPECT_EQ(board.current()->sampleId, 11);
  // Deciding the cursor's sample brings the next one under the cursor; removing one before it
  // keeps the cursor on its sample.
  board.remove({11});
  EXPECT_EQ(board.current()->sampleId, 12);
  board.remove({13});
  EXPECT_EQ(board.current()->sampleId, 12);
  EXPECT_EQ(board.rows().size(), 2U);
  board.move(Motion::Last, 8);
  board.remove({12});
  EXPECT_EQ(board.current()->sampleId, 10);
  board.remove({10});
  EXPECT_EQ(board.current(), nullptr);

  board.replace(rows({{1, 0.2}, {2, 0.91}, {3, 0.9}, {4, 0.5}}));
  EXPECT_EQ(board.idsAtOrAbove(0.9), (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(board.find(4), 3U);
  EXPECT_FALSE(board.find(99));
}

TEST(SuggestionBoard, RetrainIsDueAfterTenDecisions) {
  SuggestionBoard board;
  board.noteDecisions(9);
  EXPECT_FALSE(board.retrainDue());
  board.noteDecisions(1);
  EXPECT_TRUE(board.retrainDue());
  board.noteRetrainStarted();
  EXPECT_FALSE(board.retrainDue());
  EXPECT_EQ(board.decisionsSinceRetrain(), 0U);
}

TEST(SuggestionBoard, TypedClassNamesCompleteOverEveryClass) {
  // Fifteen people: more than the nine class keys.
  const std::vector<std::string> classes = {"Barack_Obama", "Daniel_Radcliffe", "Drew_Barrymore", "Gwyneth_Paltrow",
                                            "Halle_Berry",  "Hugh_Jackman",     "Hugh_Laurie",    "James_Spader",
                                            "Jennifer_Aniston", "Jennifer_Lopez", "Jessica_Alba", "Kate_Winslet",
                                            "Keanu_Reeves", "Tom_Hanks",        "Will_Smith"};
  EXPECT_EQ(completeClassName("hugh", classes), (std::vector<std::string>{"Hugh_Jackman", "Hugh_Laurie"}));
  // Prefix matches first, then names containing the text.
  EXPECT_EQ(completeClassName("ja", classes), (std::vector<std::string>{"James_Spader", "Hugh_Jackman"}));
  EXPECT_TRUE(completeClassName("", classes).empty());
  EXPECT_EQ(completeClassName("e", classes, 3).size(), 3U);
  EXPECT_EQ(resolveClassName("will", classes), "Will_Smith");
  EXPECT_EQ(resolveClassName("tom_hanks", classes), "Tom_Hanks");
  EXPECT_FALSE(resolveClassName("jennifer", classes));  // two of them
  EXPECT_FALSE(resolveClassName("nobody", classes));
}

TEST(SuggestionBoard, KeysOfTheSuggestionsView) {
  auto command = [](const char* chord) { return suggestionCommandForChord(*parseKeyChord(chord)); };
  EXPECT_EQ(command("Enter")->kind, SuggestionCommandKind::Accept);
  EXPECT_EQ(command("3")->kind, SuggestionCommandKind::AssignClass);
  EXPECT_EQ(command("3")->classIndex, 2);
  EXPECT_EQ(command("Down")->motion, Motion::NextItem);
  EXPECT_EQ(command("Tab")->kind, SuggestionCommandKind::TypeClass);
  EXPECT_EQ(command("Delete")->kind, SuggestionCommandKind::Reject);
  EXPECT_EQ(command("ctrl+Z")->kind, SuggestionCommandKind::Undo);
  EXPECT_EQ(command("ctrl+shift+Z")->kind, SuggestionCommandKind::Redo);
  EXPECT_FALSE(command("R"));  // letters start a class name in this view
  EXPECT_FALSE(command("Z"));
  // The grid ignores Tab.
  EXPECT_FALSE(commandForChord(*parseKeyChord("Tab")));
}

TEST(SuggestionBoard, ScriptVerbsParseAndBadValuesNameTheLine) {
  auto steps = parseScript("view suggestions\nsuggest\nsuggest 50\naccept-suggestion 12\ncorrect 13 Tom_Hanks\n"
                           "accept-above 0.95\ntype-class hu\naccept-identity 2\nshow-group 1\n",
                           "s.txt");
  ASSERT_TRUE(steps) << steps.error().message;
  ASSERT_EQ(steps->size(), 9U);
  EXPECT_EQ((*steps)[1].verb, ScriptVerb::Suggest);
  EXPECT_EQ((*steps)[1].count, 600);
  EXPECT_EQ((*steps)[2].count, 50);
  EXPECT_EQ((*steps)[4].args[1], "Tom_Hanks");
  EXPECT_DOUBLE_EQ((*steps)[5].value, 0.95);
  EXPECT_EQ((*steps)[7].count, 2);
  auto bad = parseScript("frames 1\naccept-above 1.5\n", "s.txt");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("line 2"), std::string::npos) << bad.error().message;
  EXPECT_FALSE(parseScript("correct x Tom\n", "s.txt"));
  EXPECT_FALSE(parseScript("accept-identity 0\n", "s.txt"));
}

}  // namespace
}  // namespace winnow::workbench
