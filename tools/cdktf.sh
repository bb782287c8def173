#!/usr/bin/env bash
# `cdktf` for people who call the CLI themselves: `make setup` installs this file as .tools/cli/cdktf,
# beside .tools/cli/terraform (the project's Terraform). With .tools/cli on PATH, `cdktf synth` and the
# CLI's other commands run the pinned CLI (node_modules/) as make does: no call to HashiCorp's checkpoint
# service or the npm registry, Terraform 1.15.5 from .venv/bin first on PATH, never one that happens to be
# on the machine. `cdktf diff <stack>` and `cdktf deploy <stack>` are make's (below). The app silences jsii's
# banners itself.
root=$(cd "$(dirname "$0")/../.." && pwd)
export CHECKPOINT_DISABLE="${CHECKPOINT_DISABLE:-1}"
export DISABLE_VERSION_CHECK="${DISABLE_VERSION_CHECK:-1}"
# A machine-wide TF_CLI_CONFIG_FILE naming a file that does not exist only makes Terraform warn, on every call.
if [ -n "${TF_CLI_CONFIG_FILE:-}" ] && [ ! -e "$TF_CLI_CONFIG_FILE" ]; then
    unset TF_CLI_CONFIG_FILE
fi
# `cdktf deploy` and `cdktf diff` through here go through the plan guard, as `make deploy` and `make diff` do (the
# CLI itself plans and applies without it): each named stack is `make deploy STACK=<stack>` (`--auto-approve`:
# AUTO_APPROVE=1; `--output DIR`: CDKTF_OUTDIR). Any other option is the CLI's alone, and is refused with the way
# to run the CLI without the guard.
case "${1:-}" in
deploy | diff)
    command=$1
    shift
    stacks=()
    auto=
    while [ $# -gt 0 ]; do
        case "$1" in
        --auto-approve) auto=1 ;;
        --output=* | -o=*) export CDKTF_OUTDIR="${1#*=}" ;;
        --output | -o)
            [ $# -gt 1 ] || { echo "error: cdktf $command $1: expected a folder after it" >&2; exit 2; }
            export CDKTF_OUTDIR="$2"
            shift
            ;;
        -*)
            printf 'error: cdktf %s: %q is an option of the cdktf CLI that make %s does not take; make %s goes through the plan guard, the CLI does not (node_modules/.bin/cdktf %s runs it without the guard: docs/commands.md)\n' \
                "$command" "$1" "$command" "$command" "$command" >&2
            exit 2
            ;;
        *) stacks+=("$1") ;;
        esac
        shift
    done
    if [ ${#stacks[@]} -eq 0 ]; then
        echo "error: cdktf $command: name the stacks, one or more: cdktf $command <stack>... (make $command STACK=<stack> for each, through the plan guard)" >&2
        exit 2
    fi
    for stack in "${stacks[@]}"; do
        make -s --no-print-directory -C "$root" "$command" STACK="$stack" ${auto:+AUTO_APPROVE=1} || exit $?
    done
    exit 0
    ;;
esac
PATH="$root/.venv/bin:$root/node_modules/.bin:$PATH"
export PATH
# Outside a terminal (a CI log, `make deploy > log`) the CLI would fill stdout with spinner frames and escape
# codes: there it runs in its CI mode without colours, and the one spinner frame that mode still prints
# ("⠋  Processing": a Braille character, U+2800..U+28FF, its bytes matched below) is left out, and so
# are the colour codes some commands (`cdktf output`) pass on from Terraform despite --no-color. Exit code and stderr are the CLI's own. In a terminal it runs as it is.
if [ -t 1 ]; then
    exec "$root/node_modules/.bin/cdktf" "$@"
fi
export CI="${CI:-1}"
export FORCE_COLOR=0
"$root/node_modules/.bin/cdktf" "$@" --no-color \
    | LC_ALL=C sed -u -e '/^\xe2[\xa0-\xa3][\x80-\xbf]  *[A-Z][a-z]*$/d' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g'
exit "${PIPESTATUS[0]}"
