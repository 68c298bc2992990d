#!/usr/bin/env bash
# Benchmarks: builds what they need, then runs one (./bench.sh with no argument lists them). See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")"
if ! ./mvnw -q -B -pl bench -am install -DskipTests > target-bench-build.log 2>&1; then
  grep -v 'Generating:' target-bench-build.log >&2
  echo "the benchmarks did not build (log above)" >&2
  exit 1
fi
rm -f target-bench-build.log
exec java -jar bench/target/bench-0.1.0-SNAPSHOT-exec.jar "$@"
