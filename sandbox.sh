#!/usr/bin/env bash
# The sandbox: builds what it needs (first run: a few minutes), then runs a scenario on the whole pipeline in one JVM.
#   ./sandbox.sh                      the MachinePool scale-up benchmark: one pool, 5 -> 20 replicas
#   ./sandbox.sh --help               every option (--scenario, --replicas, --scale-to, --boot-delay, ...)
set -euo pipefail
cd "$(dirname "$0")"
# -q keeps the build quiet; the model generator's progress line is dropped.
if ! ./mvnw -q -B -pl sandbox -am install -DskipTests > target-sandbox-build.log 2>&1; then
  grep -v 'Generating:' target-sandbox-build.log >&2
  echo "the sandbox did not build (log above, and in target-sandbox-build.log)" >&2
  exit 1
fi
rm -f target-sandbox-build.log
exec java -jar sandbox/target/sandbox-0.1.0-SNAPSHOT-exec.jar "$@"
