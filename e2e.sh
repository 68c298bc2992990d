#!/usr/bin/env bash
# The process tier: the services as separate JVMs from their runnable jars, against a Kafka broker process (KRaft),
# a real kube-apiserver and etcd, moto and a simulated kubelet, all on 127.0.0.1. See docs/e2e.md.
#   ./e2e.sh                  every scenario: scale-up, scale-down, kill -9 of each service and of the broker mid
#                             scale-up and mid scale-down, two pools at once, pool deletion, failover between two
#                             replicas, bad inputs beside a healthy pool, poison records
#   ./e2e.sh --smoke          scale-up and kill-status-service only (CI; about 3 minutes)
#   ./e2e.sh --help           every option
# Needs: a JDK 17+, python3 with moto ("pip install 'moto[server]'"), and kube-apiserver, etcd and kubectl from
# test-support/kube-api/build.sh. Exit code 0 when every scenario passed, 1 when one failed, 2 when it could not run.
set -uo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
TARGET=$ROOT/e2e/target
WORK=$TARGET/e2e-run
PIDS=$WORK/pids
KUBE_VERSION=${POOLSTREAM_KUBE_VERSION:-1.34.4}
KUBE_BIN=${KUBE_API_TEST_DIR:-$HOME/.kubeapitest}/k8s/$KUBE_VERSION-linux-amd64
SERVICES=watcher-service,reconciler-service,status-service,provider-aws-service

build=true
args=()
for arg in "$@"; do
  case "$arg" in
    --no-build) build=false ;;
    -h|--help)
      cat <<'USAGE'
usage: ./e2e.sh [--smoke] [--scenarios=a,b,...] [--boot-delay=3s..8s] [--seed=42] [--timeout=180s]
                [--kill-after=1s] [--delete-replicas=20] [--set=<service>:<property>=<value>]... [--no-build]
  --smoke       scale-up and kill-status-service only (CI)
  --scenarios   any of (default: all, in this order)
                  scale-up, scale-down,
                  kill-<target>, kill-<target>-down   for each target of watcher-service, reconciler-service,
                                                      status-service, provider-aws-service, broker
                                                      (kill -9 mid 5 -> 20, and mid 20 -> 5)
                  two-pools, delete-pool, failover-reconciler-service, failover-status-service,
                  bad-infrastructure-pool, bad-bootstrap-secret, poison-records, bad-kubeconfig
                services by short name too: kill-status, kill-status-down, failover-reconciler
  --boot-delay  the simulated kubelet's boot per instance (uniform in the range, drawn from --seed)
  --timeout     how long a scenario may take to converge before it fails
  --kill-after  how long into the scale the kill comes
  --delete-replicas  the size of the pool delete-pool deletes (10 to save time)
  --set         an extra property for a service's JVM, to try a setting (service "all" for the four), e.g.
                --set=reconciler-service:spring.kafka.consumer.properties[session.timeout.ms]=6000
  --no-build    use the jars and classpaths of the last build
Environment: E2E_JAVA_OPTS (the services' JVM options), POOLSTREAM_PYTHON (the python with moto).
Logs of every process: e2e/target/e2e-run/<name>.log. See docs/e2e.md.
USAGE
      exit 0 ;;
    *) args+=("$arg") ;;
  esac
done

fail() { echo "e2e: $*" >&2; echo "0 passed, 1 failed"; exit 2; }

# --- what the run needs -------------------------------------------------------------------------------------------
command -v java >/dev/null || fail "a JDK 17 or newer is needed"
"${POOLSTREAM_PYTHON:-python3}" -c "import moto.server" 2>/dev/null \
  || fail "moto is needed: python3 -m pip install 'moto[server]==5.2.1'"
for binary in kube-apiserver etcd; do
  [[ -x "$KUBE_BIN/$binary" ]] || fail "$KUBE_BIN/$binary is missing: build it with test-support/kube-api/build.sh"
done

# --- build: the services' runnable jars, this module, and the classpaths ------------------------------------------
maven() {
  # Offline first (everything is usually in ~/.m2); online only when something is missing there.
  local log=$TARGET/build.log
  mkdir -p "$TARGET"
  if ./mvnw -B -q -o "$@" >"$log" 2>&1; then return 0; fi
  # Missing from ~/.m2: an artifact, or a plugin named by its prefix (dependency:) on a fresh machine.
  if grep -q -e "offline" -e "Could not resolve" -e "Cannot access" -e "No plugin found for prefix" "$log"; then
    ./mvnw -B -q "$@" >"$log" 2>&1 && return 0
  fi
  grep -v 'Generating:' "$log" | tail -40 >&2
  fail "the build failed (the whole log: $log)"
}
if $build; then
  echo "building the services' runnable jars and the e2e driver (log: $TARGET/build.log)..."
  maven -pl "e2e,$SERVICES" -am package -DskipTests dependency:build-classpath \
    -Dmdep.outputFile=target/e2e.classpath -Dmdep.includeScope=runtime
  echo "resolving the Kafka broker's jars (the version Spring Boot manages)..."
  rm -rf "$TARGET/kafka/libs"
  maven -f e2e/broker/pom.xml dependency:copy-dependencies -DoutputDirectory="$TARGET/kafka/libs" \
    -DincludeScope=runtime
fi
for f in e2e/target/e2e.classpath test-support/target/e2e.classpath; do
  [[ -s "$f" ]] || fail "$f is missing: run without --no-build"
done
ls "$TARGET"/kafka/libs/kafka_2.13-*.jar >/dev/null 2>&1 || fail "the broker's jars are missing: run without --no-build"
rm -rf "$WORK"
mkdir -p "$WORK/lib"
# The checkout's own jars are copied into the run: a build of the same checkout during the run (other work goes on
# beside it) cannot change what the run's JVMs load. The services' jars are copied by the driver.
own() { # a classpath, with every entry under the checkout replaced by a copy in $WORK/lib
  local out=() entry copy
  IFS=: read -ra entries <<<"$1"
  for entry in "${entries[@]}"; do
    if [[ "$entry" == "$ROOT"/* ]]; then
      copy="$WORK/lib/$(echo "${entry#"$ROOT"/}" | tr '/' '_')"
      cp -r "$entry" "$copy"
      entry=$copy
    fi
    out+=("$entry")
  done
  (IFS=:; echo "${out[*]}")
}
E2E_CP=$(own "$ROOT/e2e/target/classes:$(cat e2e/target/e2e.classpath)")
TEST_SUPPORT_CP=$(own "$(ls "$ROOT"/test-support/target/test-support-*.jar | grep -v -e sources -e tests | head -1):$(cat test-support/target/e2e.classpath)")

# --- run, and end whatever the run started on any exit ------------------------------------------------------------
alive() { # pid, start time as recorded: the same process still runs
  [[ -r /proc/$1/stat ]] && [[ "$(sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f20)" == "$2" ]]
}
cleanup() {
  [[ -f "$PIDS" ]] || return 0
  local pid start name left
  while read -r pid start name; do alive "$pid" "$start" && kill -TERM "$pid" 2>/dev/null; done <"$PIDS"
  for _ in $(seq 1 100); do # up to 20 s for SIGTERM to work (the API server's launcher stops etcd itself)
    left=0
    while read -r pid start name; do alive "$pid" "$start" && left=1; done <"$PIDS"
    [[ $left == 0 ]] && return 0
    sleep 0.2
  done
  while read -r pid start name; do
    alive "$pid" "$start" && { echo "e2e: killing $name (pid $pid)" >&2; kill -KILL "$pid" 2>/dev/null; }
  done <"$PIDS"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

java -Xmx512m -cp "$E2E_CP" dev.poolstream.e2e.E2eMain --root="$ROOT" --work="$WORK" \
  --kafka-libs="$TARGET/kafka/libs" --test-support-classpath="$TEST_SUPPORT_CP" --e2e-classpath="$E2E_CP" \
  "${args[@]+"${args[@]}"}" &
driver=$!
echo "$driver $(sed 's/.*) //' "/proc/$driver/stat" | cut -d' ' -f20) driver" >>"$PIDS"
wait "$driver"
exit $?
