#!/usr/bin/env bash
# `cdktf` for people who call the CLI themselves: `make setup` installs this file as .tools/cli/cdktf,
# beside .tools/cli/terraform (the project's Terraform). With .tools/cli on PATH, `cdktf synth`,
# `cdktf diff <stack>` and `cdktf deploy <stack>` run the pinned CLI (node_modules/) as make does:
# no call to HashiCorp's checkpoint service or the npm registry, Terraform 1.15.5 from .venv/bin
# first on PATH, never one that happens to be on the machine. The app silences jsii's banners itself.
root=$(cd "$(dirname "$0")/../.." && pwd)
export CHECKPOINT_DISABLE="${CHECKPOINT_DISABLE:-1}"
export DISABLE_VERSION_CHECK="${DISABLE_VERSION_CHECK:-1}"
# A machine-wide TF_CLI_CONFIG_FILE naming a file that does not exist only makes Terraform warn, on every call.
if [ -n "${TF_CLI_CONFIG_FILE:-}" ] && [ ! -e "$TF_CLI_CONFIG_FILE" ]; then
    unset TF_CLI_CONFIG_FILE
fi
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
