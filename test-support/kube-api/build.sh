#!/usr/bin/env bash
# Builds kube-apiserver and etcd from the Go module proxy, for the real-API-server test tier.
#
# io.fabric8:kube-api-test would download these binaries from the internet; these machines only reach package
# registries, so we build the same versions ourselves. k8s.io/kubernetes cannot be `go install`ed (its go.mod
# replaces the staging modules k8s.io/api, k8s.io/apiserver, ... with ./staging paths), so a small wrapper module
# requires it and points each staging module at its published v0.X.Y twin. etcd comes from the version Kubernetes
# itself requires.
#
# The binaries land where kube-api-test looks for them: ~/.kubeapitest/k8s/<version>-linux-amd64/.
# Idempotent: with both binaries present it exits at once. Cold: about 7 minutes on an idle 2-core machine,
# 0.8 GB of modules and 2.8 GB of Go build cache; warm: under a second.
set -euo pipefail

K8S_VERSION="${POOLSTREAM_KUBE_VERSION:-1.34.4}"
STAGING_VERSION="v0.${K8S_VERSION#1.}"
TARGET="${POOLSTREAM_KUBE_API_DIR:-${KUBE_API_TEST_DIR:-$HOME/.kubeapitest}/k8s/${K8S_VERSION}-linux-amd64}"

if [[ -x "$TARGET/kube-apiserver" && -x "$TARGET/etcd" && -x "$TARGET/kubectl" ]]; then
  echo "kube-api: binaries of Kubernetes $K8S_VERSION present in $TARGET"
  exit 0
fi
command -v go >/dev/null || { echo "kube-api: Go is needed to build kube-apiserver and etcd (apt-get install golang, or go.dev)" >&2; exit 1; }

WORK="${POOLSTREAM_KUBE_API_BUILD:-$HOME/.cache/poolstream/kube-api-build/$K8S_VERSION}"
mkdir -p "$WORK" "$TARGET"
cd "$WORK"
export GOFLAGS="${GOFLAGS:-} -mod=mod" GOTOOLCHAIN=local CGO_ENABLED=0

# The wrapper module: kubernetes itself, every staging module at its published twin.
kube_mod="$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
etcd_version="$(sed -n 's/^[[:space:]]*go\.etcd\.io\/etcd\/server\/v3 \(v[^ ]*\).*/\1/p' "$kube_mod")"
{
  echo "module poolstream.dev/kube-api-build"
  echo
  echo "go 1.24"
  echo
  echo "require ("
  echo "  k8s.io/kubernetes v$K8S_VERSION"
  echo "  go.etcd.io/etcd/server/v3 $etcd_version"
  echo ")"
  echo
  grep -o 'k8s.io/[a-z0-9-]* => ./staging/src/k8s.io/[a-z0-9-]*' "$kube_mod" | awk -v v="$STAGING_VERSION" '{print "replace " $1 " => " $1 " " v}'
} > go.mod
cat > tools.go <<'GO'
//go:build tools

package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
go mod tidy >/dev/null 2>&1 || go mod download
echo "kube-api: building kube-apiserver, kubectl $K8S_VERSION and etcd $etcd_version into $TARGET"
go build -trimpath -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=v$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$(echo "$K8S_VERSION" | cut -d. -f2)" \
  -o "$TARGET/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
go build -trimpath -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=v$K8S_VERSION" -o "$TARGET/kubectl" k8s.io/kubernetes/cmd/kubectl
go build -trimpath -ldflags "-s -w" -o "$TARGET/etcd" go.etcd.io/etcd/server/v3
"$TARGET/kube-apiserver" --version
"$TARGET/etcd" --version | head -1
