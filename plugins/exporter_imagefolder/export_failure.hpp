// ExportFailure: the one exception type the exporter's own code throws. the SDK's guardCall
// turns it into the winnow_status it carries plus its one-line message; nothing throws across the C ABI.
#pragma once

#include <stdexcept>
#include <string>

#include "winnow/sdk/plugin_abi.h"
#include "winnow/sdk/plugin_helpers.hpp"

namespace winnow::exporter_imagefolder {

class ExportFailure : public winnow::sdk::Failure {
 public:
  using winnow::sdk::Failure::Failure;
};

}  // namespace winnow::exporter_imagefolder
