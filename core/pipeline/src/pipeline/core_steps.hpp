// The core steps' declarations (core_steps.cpp), read once by the step registry.
// Private to core (core/src is on core's include path only).
#pragma once

#include <vector>

#include "winnow/pipeline/step_registry.hpp"

namespace winnow::pipeline {

// In pipeline order: ingest, stats, detect, crops, embed, identity, dupes, quality, report, audit,
// mislabels, balance, split, export, train, evaluate.
std::vector<StepDefinition> coreSteps();

}  // namespace winnow::pipeline
