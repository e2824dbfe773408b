// example.csv: an exporter that needs no pixels (the manifest says "needs_pixels": false, so the
// host decodes nothing) written against the installed SDK: a C++ class, the SDK's exporter base
// and parameter reader, the identity from the generated manifest header.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "winnow/sdk/capability.hpp"
#include "winnow_plugin_manifest.h"

namespace {

class CsvExporter final : public winnow::sdk::Exporter {
 public:
  CsvExporter(const winnow::sdk::Params& params, const winnow_host_api* /*host*/)
      : header_(params.boolean("header", true)), delimiter_(params.text("delimiter", ",")) {
    if (delimiter_.size() != 1) throw std::invalid_argument("params/delimiter: one character");
  }

  void begin(const winnow::sdk::ExportBegin& info) override {
    output_ = info.outputPath;
    temp_ = output_ + ".tmp-" + std::to_string(::getpid());
    out_.open(temp_, std::ios::binary | std::ios::trunc);
    if (!out_) throw std::runtime_error(temp_ + ": cannot write");
    if (header_) {
      const char* names[] = {"filename", "label", "split", "source", "content_hash", "sample_id", "augmented"};
      for (std::size_t i = 0; i < 7; ++i) out_ << (i ? delimiter_ : "") << names[i];
      out_ << '\n';
    }
  }

  void write(const winnow_export_sample& sample) override {
    out_ << field(sample.original_path) << delimiter_ << field(sample.label) << delimiter_ << field(sample.split)
         << delimiter_ << field(sample.source) << delimiter_ << field(sample.content_hash) << delimiter_
         << sample.sample_id << delimiter_ << static_cast<int>(sample.augmented) << '\n';
    if (!out_) throw std::runtime_error(temp_ + ": write failed");
  }

  void finish() override {
    out_.flush();
    out_.close();
    if (!out_) throw std::runtime_error(temp_ + ": write failed");
    if (std::rename(temp_.c_str(), output_.c_str()) != 0) throw std::runtime_error(output_ + ": cannot rename into place");
  }

  void abort() noexcept override {
    out_.close();
    std::remove(temp_.c_str());
  }

 private:
  // RFC 4180: quoted when it holds the delimiter, a quote or a line break; quotes doubled.
  std::string field(const char* text) const {
    const std::string value = text != nullptr ? text : "";
    if (value.find_first_of(delimiter_ + "\"\r\n") == std::string::npos) return value;
    std::string quoted = "\"";
    for (char c : value) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
  }

  bool header_;
  std::string delimiter_;
  std::string output_, temp_;
  std::ofstream out_;
};

const winnow_capability kCapabilities[] = {
    winnow::sdk::exporterCapability<CsvExporter>(WINNOW_MANIFEST_CAPABILITY_0_ID)};
const winnow_plugin_info kInfo = winnow::sdk::pluginInfo(WINNOW_MANIFEST_PLUGIN_ID, WINNOW_MANIFEST_VERSION,
                                                        WINNOW_MANIFEST_API_LEVEL, kCapabilities);

}  // namespace

extern "C" WINNOW_PLUGIN_EXPORT const winnow_plugin_info* winnow_plugin_init_v1(const winnow_host_api* /*host*/,
                                                                              winnow_error_sink /*error*/) {
  return &kInfo;
}
