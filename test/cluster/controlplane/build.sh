#!/bin/sh
# Builds the test control plane (etcd, kube-apiserver, kube-controller-manager) from the Go
# modules pinned in go.mod into a cache outside the repository, keyed by the versions, and
# prints the directory that holds them. A cache hit builds nothing.
#
#   KD_CONTROLPLANE_CACHE  cache root (default: $XDG_CACHE_HOME or ~/.cache, then
#                          kubedirector-hooks/controlplane)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

module_version() { go list -m -f '{{.Version}}' "$1"; }
kube_version=$(module_version k8s.io/kubernetes)
etcd_version=$(module_version go.etcd.io/etcd/server/v3)
go_version=$(go env GOVERSION)
# go.mod and go.sum pin every other module, so their digest completes the key.
sums=$(cat go.mod go.sum etcd/main.go build.sh | sha256sum | cut -c1-12)

root=${KD_CONTROLPLANE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubedirector-hooks/controlplane}
dir="$root/kubernetes-$kube_version-etcd-$etcd_version-$go_version-$sums"

if [ -x "$dir/etcd" ] && [ -x "$dir/kube-apiserver" ] && [ -x "$dir/kube-controller-manager" ]; then
  echo "$dir"
  exit 0
fi

echo "building the control plane into $dir (the first build takes several minutes)" >&2
start=$(date +%s)
tmp="$dir.partial.$$"
rm -rf "$tmp"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT

# The version variables hack/lib/version.sh sets, so /version reports the real release.
minor=$(echo "$kube_version" | cut -d. -f2)
build_date=$(go list -m -f '{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' k8s.io/kubernetes)
kube_ldflags="-s -w"
for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
  kube_ldflags="$kube_ldflags -X $pkg.gitVersion=$kube_version -X $pkg.gitMajor=1"
  kube_ldflags="$kube_ldflags -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  kube_ldflags="$kube_ldflags -X $pkg.buildDate=$build_date"
done

export CGO_ENABLED=0
go build -trimpath -ldflags "$kube_ldflags" -o "$tmp/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
go build -trimpath -ldflags "$kube_ldflags" -o "$tmp/kube-controller-manager" \
  k8s.io/kubernetes/cmd/kube-controller-manager
# etcd's version is a constant of the module itself; nothing to set.
go build -trimpath -ldflags "-s -w" -o "$tmp/etcd" ./etcd

mkdir -p "$root"
rm -rf "$dir"
mv "$tmp" "$dir"
trap - EXIT
echo "built in $(( $(date +%s) - start ))s" >&2
echo "$dir"
