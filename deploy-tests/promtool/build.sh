#!/usr/bin/env bash
# Builds Prometheus's promtool from the Go module proxy, for AlertsTest: `promtool check rules` and `promtool test
# rules` on k8s/components/monitoring/alerts.yaml, the alerts evaluated by Prometheus's own rule engine.
#
# These machines only reach package registries, not Prometheus's release downloads, so we build the released module
# ourselves (Prometheus 3.x is published as github.com/prometheus/prometheus v0.3xx.y).
#
# The binary lands in ~/.cache/poolstream/promtool/<version>/promtool, where AlertsTest looks for it (or set
# POOLSTREAM_PROMTOOL to a promtool of your own). Idempotent: with the binary present it exits at once.
# Cold: a few minutes on a 2-core machine and about 0.6 GB of modules; warm: under a second.
set -euo pipefail

VERSION="${POOLSTREAM_PROMETHEUS_VERSION:-v0.316.0}"
TARGET="${POOLSTREAM_PROMTOOL_DIR:-$HOME/.cache/poolstream/promtool/$VERSION}"

if [[ -x "$TARGET/promtool" ]]; then
  echo "promtool: $TARGET/promtool present"
  exit 0
fi
command -v go >/dev/null || { echo "promtool: Go is needed to build promtool (go.dev; Debian's golang-go is too old)" >&2; exit 1; }

WORK="${POOLSTREAM_PROMTOOL_BUILD:-$HOME/.cache/poolstream/promtool-build/$VERSION}"
mkdir -p "$WORK" "$TARGET"
cd "$WORK"
export GOFLAGS="${GOFLAGS:-} -mod=mod" GOTOOLCHAIN=local CGO_ENABLED=0
go_version="$(go mod download -json "github.com/prometheus/prometheus@$VERSION" \
  | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p' | xargs sed -n 's/^go \([0-9.]*\)$/\1/p')"
cat > go.mod <<MOD
module poolstream.dev/promtool-build

go $go_version

require github.com/prometheus/prometheus $VERSION
MOD
cat > tools.go <<'GO'
//go:build tools

package tools

import _ "github.com/prometheus/prometheus/cmd/promtool"
GO
go mod tidy >/dev/null 2>&1 || go mod download
echo "promtool: building promtool of github.com/prometheus/prometheus $VERSION into $TARGET"
go build -trimpath -ldflags "-s -w -X github.com/prometheus/common/version.Version=$VERSION" -o "$TARGET/promtool.partial" github.com/prometheus/prometheus/cmd/promtool
mv "$TARGET/promtool.partial" "$TARGET/promtool"
"$TARGET/promtool" --version | head -1
