// Typed C++ capabilities: write a class, get the C table of plugin_abi.h. This header includes
// every kind, so a plugin written against it keeps building; a plugin may instead include only the
// headers of the kinds it implements, each of which stands on its own:
//   capability_common.hpp     create/destroy, refusal wording (kName, kGuardStyle), pluginInfo
//   augmenter_capability.hpp  augmenterCapability<A>: OwnedImage apply(view, seed)
//   detector_capability.hpp   detectorCapability<D>: std::vector<FaceBox> detect(view)
//   exporter_capability.hpp   exporterCapability<E>, E deriving from Exporter
//   balancer_capability.hpp   balancerCapability<B>: std::vector<BalancePlan> plan(classes, seed)
//   model_capability.hpp      modelCapability<M>: embed / train / evaluate / loadModel / classify
//   progress_sink.hpp         ProgressSink: progress and cancellation of train and evaluate
// The trampolines are the only code that crosses the ABI; every one runs inside guardCall, so no
// exception leaves the plugin and every plugin maps exceptions onto statuses the same way.
#pragma once

#include "winnow/sdk/augmenter_capability.hpp"
#include "winnow/sdk/balancer_capability.hpp"
#include "winnow/sdk/capability_common.hpp"
#include "winnow/sdk/detector_capability.hpp"
#include "winnow/sdk/exporter_capability.hpp"
#include "winnow/sdk/model_capability.hpp"
#include "winnow/sdk/progress_sink.hpp"
