#!/usr/bin/env bash
# Benchmarks: builds what they need, then runs one (./bench.sh with no argument lists them). See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")"
# cloud-calls drives the AWS adapter against moto, the AWS emulator from PyPI (POOLSTREAM_PYTHON picks the python).
if [ "${1:-}" = cloud-calls ] && ! "${POOLSTREAM_PYTHON:-python3}" -c 'import moto.server' > /dev/null 2>&1; then
  echo "./bench.sh cloud-calls needs moto, the AWS emulator: ${POOLSTREAM_PYTHON:-python3} -m pip install \"moto[server]\"" >&2
  exit 1
fi
if ! ./mvnw -q -B -pl bench -am install -DskipTests > target-bench-build.log 2>&1; then
  grep -v 'Generating:' target-bench-build.log >&2
  echo "the benchmarks did not build (log above)" >&2
  exit 1
fi
rm -f target-bench-build.log
exec java -jar bench/target/bench-0.1.0-SNAPSHOT-exec.jar "$@"
