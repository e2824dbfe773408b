// winnow.balancer.basic through the plugin host and the typed Balancer wrapper: one plan per
// class, deterministic for a seed, most_diverse picks spread-out samples, class weights.
#include <gtest/gtest.h>

#include <set>

#include "winnow/plugin/balancer.hpp"
#include "winnow/plugin/plugin_host.hpp"

namespace winnow {
namespace {

plugin::PluginHost& host() {
  static plugin::PluginHost* instance = [] {
    auto* created = new plugin::PluginHost();
    created->discover({WINNOW_PLUGIN_BUILD_DIR});
    return created;
  }();
  return *instance;
}

Result<plugin::Balancer> makeBalancer(const std::string& id, const nlohmann::json& params) {
  auto instance = host().create(id, params);
  if (!instance) return instance.error();
  return plugin::Balancer::wrap(std::move(instance).value());
}

plugin::BalanceClass makeClass(const std::string& name, std::int64_t firstId, std::int64_t count) {
  plugin::BalanceClass c;
  c.name = name;
  for (std::int64_t i = 0; i < count; ++i) c.sampleIds.push_back(firstId + i);
  return c;
}

TEST(BalancerPlugin, TargetCountPlansEveryClassDeterministically) {
  for (const auto& record : host().plugins()) {
    if (record.id == "winnow.balancer.basic") {
      ASSERT_EQ(record.state, plugin::PluginState::Loaded) << record.rejectionReason;
    }
  }
  auto balancer = makeBalancer("target_count", {{"target", "median"}});
  ASSERT_TRUE(balancer.ok()) << balancer.error().message;
  const std::vector<plugin::BalanceClass> classes = {makeClass("a", 1, 100), makeClass("b", 1000, 40),
                                                     makeClass("c", 2000, 10)};
  auto plans = balancer->plan(classes, 7);
  ASSERT_TRUE(plans.ok()) << plans.error().message;
  ASSERT_EQ(plans->size(), 3U);
  EXPECT_EQ((*plans)[0].action, plugin::BalanceAction::Undersample);
  EXPECT_EQ((*plans)[0].targetCount, 40U);
  EXPECT_EQ((*plans)[0].sampleIds.size(), 40U);
  EXPECT_EQ((*plans)[1].action, plugin::BalanceAction::Keep);
  EXPECT_EQ((*plans)[2].action, plugin::BalanceAction::Augment);
  EXPECT_EQ((*plans)[2].sampleIds.size(), 30U);
  auto again = balancer->plan(classes, 7);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)[0].sampleIds, (*plans)[0].sampleIds);
  EXPECT_EQ((*again)[2].sampleIds, (*plans)[2].sampleIds);
  auto otherSeed = balancer->plan(classes, 8);
  ASSERT_TRUE(otherSeed.ok());
  EXPECT_NE((*otherSeed)[0].sampleIds, (*plans)[0].sampleIds);
  // Class order does not change a class's plan.
  auto reversed = balancer->plan({classes[2], classes[1], classes[0]}, 7);
  ASSERT_TRUE(reversed.ok());
  EXPECT_EQ((*reversed)[2].sampleIds, (*plans)[0].sampleIds);
}

TEST(BalancerPlugin, ExplicitTargetsOversampleAndGrowthCap) {
  auto oversample = makeBalancer("target_count", {{"target", "count"}, {"target_count", 25}, {"small_classes", "oversample"}});
  ASSERT_TRUE(oversample.ok()) << oversample.error().message;
  auto plans = oversample->plan({makeClass("a", 1, 10), makeClass("b", 100, 30)}, 1);
  ASSERT_TRUE(plans.ok()) << plans.error().message;
  EXPECT_EQ((*plans)[0].action, plugin::BalanceAction::Oversample);
  EXPECT_EQ((*plans)[0].sampleIds.size(), 25U);
  EXPECT_EQ(std::set<std::int64_t>((*plans)[0].sampleIds.begin(), (*plans)[0].sampleIds.end()).size(), 10U);
  EXPECT_EQ((*plans)[1].action, plugin::BalanceAction::Undersample);
  auto capped = makeBalancer("target_count", {{"target", "class"}, {"target_class", "b"}, {"max_growth_factor", 2}});
  ASSERT_TRUE(capped.ok());
  auto cappedPlans = capped->plan({makeClass("a", 1, 10), makeClass("b", 100, 30)}, 1);
  ASSERT_TRUE(cappedPlans.ok());
  EXPECT_EQ((*cappedPlans)[0].targetCount, 20U);
  EXPECT_EQ((*cappedPlans)[0].sampleIds.size(), 10U);
  auto missing = makeBalancer("target_count", {{"target", "class"}, {"target_class", "zzz"}});
  ASSERT_TRUE(missing.ok());
  auto failed = missing->plan({makeClass("a", 1, 10)}, 1);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().message.find("zzz"), std::string::npos);
  EXPECT_FALSE(makeBalancer("target_count", {{"target", "bogus"}}).ok());
}

TEST(BalancerPlugin, MostDiverseSpreadsOverClusters) {
  // Four tight clusters of 25 points in 2-D; keeping 4 must take one from each cluster.
  plugin::BalanceClass c = makeClass("x", 1, 100);
  c.featureDim = 2;
  const float centres[4][2] = {{0, 0}, {100, 0}, {0, 100}, {100, 100}};
  for (int i = 0; i < 100; ++i) {
    c.features.push_back(centres[i % 4][0] + static_cast<float>(i % 7) * 0.1F);
    c.features.push_back(centres[i % 4][1] + static_cast<float>(i % 5) * 0.1F);
  }
  auto balancer = makeBalancer("target_count", {{"target", "count"}, {"target_count", 4}, {"undersample_method", "most_diverse"}});
  ASSERT_TRUE(balancer.ok());
  for (std::uint64_t seed : {1ULL, 2ULL, 3ULL}) {
    auto plans = balancer->plan({c}, seed);
    ASSERT_TRUE(plans.ok()) << plans.error().message;
    std::set<std::int64_t> clusters;
    for (std::int64_t id : (*plans)[0].sampleIds) clusters.insert((id - 1) % 4);
    EXPECT_EQ(clusters.size(), 4U) << "seed " << seed;
  }
}

TEST(BalancerPlugin, ClassWeightsKeepEverything) {
  auto balancer = makeBalancer("class_weights", nlohmann::json::object());
  ASSERT_TRUE(balancer.ok()) << balancer.error().message;
  auto plans = balancer->plan({makeClass("a", 1, 300), makeClass("b", 1000, 100)}, 0);
  ASSERT_TRUE(plans.ok());
  EXPECT_EQ((*plans)[0].action, plugin::BalanceAction::Keep);
  EXPECT_NEAR((*plans)[0].lossWeight, 400.0 / (2 * 300), 1e-5);
  EXPECT_NEAR((*plans)[1].lossWeight, 400.0 / (2 * 100), 1e-5);
}

TEST(BalancerWrapper, RefusesOtherKinds) {
  auto instance = host().create("rotate", nlohmann::json::object());
  ASSERT_TRUE(instance.ok());
  EXPECT_FALSE(plugin::Balancer::wrap(std::move(instance).value()).ok());
}

}  // namespace
}  // namespace winnow
