#!/usr/bin/env bash
# OPA v1.22.3 into .tools/opa/, for the tests of the HCP Terraform policy set (policy/, `opa test` and the
# guard's equivalence test); never needed by `make synth`, `make diff` or `make deploy`. Called by make:
#   tools/opa.sh .tools/opa
# Built from OPA's Go module (tools/opa/go.mod, go.sum) through the Go module proxy, as the google provider
# is (tools/google-provider.sh); Go's module and build caches stay at Go's defaults (per user), so another
# clone on the same machine builds in seconds. The stamp holds the version the binary reports.
set -euo pipefail

version=1.22.3
mkdir -p "$1"
out=$(cd "$1" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
stamp="$out/.opa-$version"

if ! command -v go > /dev/null; then
    echo "opa: no Go toolchain: install Go 1.26 or later (OPA v$version needs it) to run the policy set's tests" >&2
    exit 1
fi
start=$(date +%s)
build="$root/.tools/opa-build"
rm -rf "$build" && mkdir -p "$build"
cp "$root/tools/opa/go.mod" "$root/tools/opa/go.sum" "$build/"
echo "opa: building v$version from its Go module with $(go version | cut -d' ' -f3) (2½ minutes of CPU the first time, 11 minutes on a loaded 2-core machine; about 30 s once Go's caches are warm)"
(cd "$build" && GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath \
    -o "$out/opa.tmp" github.com/open-policy-agent/opa)
mv "$out/opa.tmp" "$out/opa"
rm -rf "$build"
reported=$("$out/opa" version | sed -n 's/^Version: //p')
if [ "$reported" != "$version" ]; then
    echo "opa: the binary built reports version '$reported', expected $version" >&2
    exit 1
fi
echo "go build of github.com/open-policy-agent/opa@v$version" > "$stamp"
echo "opa $version: built from its Go module in $(( $(date +%s) - start )) s, into $out/opa"
