#!/usr/bin/env bash
# Mutation testing of the domain packages with PIT (docs/mutation.md).
#
#   ./mutation.sh                      the six modules below
#   ./mutation.sh status-service       some of them
#   ./mutation.sh -o status-service    arguments starting with '-' go to Maven
#
# Runs `./mvnw -Pmutation -am -pl <modules> test` (-am: a fresh clone has nothing installed) (PIT on the unit tests, *Test, never *IT), then prints the mutation
# score (mutants killed / mutants generated) of every module and every domain package from each module's
# target/pit-reports/mutations.xml, the surviving mutants, and the time taken. Exits non-zero when Maven failed or
# any package is below the bar (POOLSTREAM_MUTATION_THRESHOLD, default 85).
set -euo pipefail
cd "$(dirname "$0")"

threshold="${POOLSTREAM_MUTATION_THRESHOLD:-85}"
modules=()
maven_args=()
for arg in "$@"; do
  case "$arg" in
    -*) maven_args+=("$arg") ;;
    *) modules+=("$arg") ;;
  esac
done
if [ ${#modules[@]} -eq 0 ]; then
  modules=(provider-core provider-aws-service provider-azure-service watcher-service status-service reconciler-service)
fi

start=$(date +%s)
for m in "${modules[@]}"; do rm -rf "$m/target/pit-reports"; done
set +e
./mvnw -B -ntp -fae -Pmutation -Dpit.mutationThreshold="$threshold" -am -pl "$(IFS=,; echo "${modules[*]}")" \
  "${maven_args[@]+"${maven_args[@]}"}" test
maven_rc=$?
set -e
elapsed=$(( $(date +%s) - start ))

status=$maven_rc
echo
echo "Mutation score (killed / generated; bar ${threshold}% per package)"
for m in "${modules[@]}"; do
  xml="$m/target/pit-reports/mutations.xml"
  if [ ! -f "$xml" ]; then
    echo "  $m: no report ($xml missing)"
    status=1
    continue
  fi
  # One <mutation> element per line: status and class are read from it; a package is the class name up to its last dot.
  awk -v module="$m" -v bar="$threshold" '
    /<mutation / {
      detected = ($0 ~ /detected=.true./)
      match($0, /status=.[A-Z_]+/); st = substr($0, RSTART + 8, RLENGTH - 8)
      match($0, /<mutatedClass>[^<]+/); cls = substr($0, RSTART + 14, RLENGTH - 14)
      pkg = cls; sub(/\.[^.]+$/, "", pkg)
      match($0, /<lineNumber>[0-9]+/); line = substr($0, RSTART + 12, RLENGTH - 12)
      match($0, /<description>[^<]*/); desc = substr($0, RSTART + 13, RLENGTH - 13)
      gsub(/&lt;/, "<", desc); gsub(/&gt;/, ">", desc); gsub(/&amp;/, "\\&", desc)
      total++; total_pkg[pkg]++
      if (detected) { killed++; killed_pkg[pkg]++ }
      else { survivors[++n] = sprintf("      %-9s %s:%s %s", st, cls, line, desc) }
    }
    END {
      if (total == 0) { printf "  %-24s no mutants\n", module; exit 0 }
      printf "  %-24s %5.1f%%  (%d/%d)\n", module, 100 * killed / total, killed, total
      failed = 0
      for (p in total_pkg) {
        score = 100 * killed_pkg[p] / total_pkg[p]
        flag = (score < bar) ? "  BELOW THE BAR" : ""
        if (score < bar) failed = 1
        printf "    %-40s %5.1f%%  (%d/%d)%s\n", p, score, killed_pkg[p], total_pkg[p], flag
      }
      if (n > 0) { print "    not killed:"; for (i = 1; i <= n; i++) print survivors[i] }
      exit failed
    }' "$xml" || status=1
  echo "    report: $m/target/pit-reports/index.html"
done
printf 'Took %dm%02ds for %s\n' $((elapsed / 60)) $((elapsed % 60)) "${modules[*]}"
exit $status
