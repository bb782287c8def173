#!/usr/bin/env bash
# The google Terraform provider 6.50.0 in the project's filesystem mirror, for the tests and
# `make rehearse` (never for `make synth`). Called by make with the mirror folder:
#   tools/google-provider.sh .tools/terraform-mirror
# Two ways, tried in this order, and the one taken is said on stdout and in the stamp:
#   1. `terraform providers mirror` from the Terraform registry: no Go needed (a laptop, a CI with network);
#   2. `go build` of the provider's Go module (tools/google-provider/go.mod) through the Go module
#      proxy: our machines, which reach no Terraform registry. Go's module and build caches stay at
#      Go's defaults (per user), so another clone on the same machine rebuilds in a minute or two.
set -euo pipefail

mkdir -p "$1"
mirror=$(cd "$1" && pwd)
version=6.50.0
root=$(cd "$(dirname "$0")/.." && pwd)
terraform="$root/.venv/bin/terraform"
unpacked="$mirror/registry.terraform.io/hashicorp/google/$version/linux_amd64/terraform-provider-google_v$version"
stamp="$mirror/.google-$version"

from_registry() {
    local work
    work=$(mktemp -d)
    trap 'rm -rf "$work"' RETURN
    printf '%s\n' '{"terraform": {"required_providers": {"google": {"source": "hashicorp/google", "version": "'$version'"}}}}' \
        > "$work/main.tf.json"
    # A CLI config of its own: only the registry, no machine-wide mirror or plugin cache.
    : > "$work/terraform.rc"
    (cd "$work" && TF_CLI_CONFIG_FILE="$work/terraform.rc" CHECKPOINT_DISABLE=1 timeout 300 \
        "$terraform" providers mirror -no-color -platform=linux_amd64 "$work/mirror") > "$work/log" 2>&1 || {
        echo "google provider: the Terraform registry cannot be reached ($(grep -m1 'Error' "$work/log" | sed 's/^[^A-Za-z]*//' || echo 'no answer'))"
        return 1
    }
    cp -r "$work/mirror/." "$mirror/"
}

from_go_module() {
    if ! command -v go > /dev/null; then
        echo "google provider: no Terraform registry and no Go toolchain: install Go (1.23 or later) or give this machine the registry" >&2
        return 1
    fi
    local build="$root/.tools/google-provider-build"
    rm -rf "$build" && mkdir -p "$build" "$(dirname "$unpacked")"
    cp "$root/tools/google-provider/go.mod" "$root/tools/google-provider/go.sum" "$build/"
    echo "google provider: building $version from its Go module with $(go version | cut -d' ' -f3) (about 6 minutes on 2 cores the first time; seconds once Go's caches are warm)"
    # -mod=mod: go.mod names only the provider; Go takes the rest of the graph from the provider's own go.mod,
    # checked against go.sum. The version string is what the provider reports (version/version.go). The flags
    # are the release's (the module's .goreleaser.yml: CGO_ENABLED=0, -trimpath, -s -w): without symbol tables
    # and DWARF the binary is 126 MB instead of 174, which Terraform hashes against the lock file and loads at
    # every command.
    (cd "$build" && GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath \
        -ldflags "-s -w -X github.com/hashicorp/terraform-provider-google/version.ProviderVersion=$version" \
        -o "$unpacked.tmp" github.com/hashicorp/terraform-provider-google)
    mv "$unpacked.tmp" "$unpacked"
    rm -rf "$build"
}

start=$(date +%s)
if from_registry; then
    way="terraform providers mirror (Terraform registry)"
else
    from_go_module
    way="go build of github.com/hashicorp/terraform-provider-google@v1.20.1-0.20250919180509-956f510990a7 (tag v$version)"
fi
echo "$way" > "$stamp"
echo "google provider $version: $way, in $(( $(date +%s) - start )) s, into $mirror"
