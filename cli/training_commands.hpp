// Subcommands of training: train (a dataset file), evaluate (a model on a dataset file or a class
// folder tree), predict (a model on image files).
#pragma once

#include <string>
#include <vector>

namespace winnow::cli {

int commandTrain(const std::vector<std::string>& args);
int commandEvaluate(const std::vector<std::string>& args);
int commandPredict(const std::vector<std::string>& args);

}  // namespace winnow::cli
