#!/usr/bin/env bash
# Prints core's module graph as the build declares it: one line per link between core modules
# (and the SDK), "private" where the link is PRIVATE, "grant" for a module's *_internal headers.
# The picture in docs/architecture.md ("Core modules") is this output.
#   scripts/module_graph.sh [build-dir]     (default: build)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cmake --graphviz="$out/graph.dot" "$build" >/dev/null
modules='base|image|store|plot|plugin_host|faces|curation|pipeline'
grep -E "// winnow_($modules) -> winnow_(($modules)(_internal)?|plugin_sdk)\$" "$out/graph.dot" |
  sed -E 's/.*style = dotted.*\/\/ (.*)/\1 (private)/; s/.*style = dashed.*\/\/ (.*)/\1/; s/.*\/\/ (.*)/\1/' |
  sed -E 's/winnow_([a-z_]+)_internal \(private\)/\1 headers (grant)/; s/winnow_//g' | sort -u
