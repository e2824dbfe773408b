// ExportFailure: the one exception type the exporter's own code throws. plugin_entry.cpp turns it
// into the winnow_status it carries plus its one-line message; nothing throws across the C ABI.
#pragma once

#include <stdexcept>
#include <string>

#include "winnow/sdk/plugin_abi.h"

namespace winnow::exporter_imagefolder {

class ExportFailure : public std::runtime_error {
 public:
  ExportFailure(winnow_status status, const std::string& message)
      : std::runtime_error(message), status_(status) {}

  winnow_status status() const { return status_; }

 private:
  winnow_status status_ = WINNOW_STATUS_ERROR;
};

}  // namespace winnow::exporter_imagefolder
