# jobqueue: two commands for a new user, `make run` and `make test`.
# Everything installs into virtualenvs inside the repo; only python3 and make are needed.

PYTHON ?= python3
VENV := .venv
SAM_VENV := .venv-sam
# checkov pins boto3 and packaging below what requirements-dev.txt needs: a venv of its own (inside
# .venv, so that it is ignored and cleaned with it).
CHECKOV_VENV := $(VENV)/checkov
CHECKOV_VERSION := 3.3.30
PY := $(VENV)/bin/python
PIP_QUIET := --quiet --disable-pip-version-check
export AWS_DEFAULT_REGION ?= us-east-1
export AWS_REGION ?= us-east-1
export SAM_CLI_TELEMETRY := 0

.PHONY: run test lint template-check test-unit test-integration test-template test-e2e bench bench-activity soak fuzz build clean venv sam-venv checkov checkov-venv cost

venv: $(VENV)/.installed
$(VENV)/.installed: requirements-dev.txt layers/jobqueue/requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "jobqueue needs Python 3.11 or newer (found %s)" % sys.version.split()[0])'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "installing dependencies into $(VENV) ..."
	@$(PY) -m pip install $(PIP_QUIET) --upgrade pip
	@$(PY) -m pip install $(PIP_QUIET) -r requirements-dev.txt
	@touch $@

sam-venv: $(SAM_VENV)/.installed
$(SAM_VENV)/.installed:
	@test -x $(SAM_VENV)/bin/python || $(PYTHON) -m venv $(SAM_VENV)
	@echo "installing aws-sam-cli into $(SAM_VENV) ..."
	@$(SAM_VENV)/bin/python -m pip install $(PIP_QUIET) --upgrade pip
	@$(SAM_VENV)/bin/python -m pip install $(PIP_QUIET) "aws-sam-cli==1.170.0"
	@touch $@

run: venv
	@$(PY) -m local

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

checkov-venv: $(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION)
$(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION):
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	@echo "installing checkov $(CHECKOV_VERSION) into $(CHECKOV_VENV) ..."
	@$(CHECKOV_VENV)/bin/python -m pip install $(PIP_QUIET) "checkov==$(CHECKOV_VERSION)"
	@touch $@

# Zero failed checks on the SAM template; each skip sits in its resource's Metadata with its reason
# (docs/security.md). tests/template/test_hardening.py runs it on the transformed template too.
checkov: checkov-venv
	CKV_SKIP_PACKAGE_UPDATE_CHECK=true $(CHECKOV_VENV)/bin/checkov -f template.yaml --framework cloudformation \
		--compact --quiet --skip-download

# `sam validate --lint` runs cfn-lint on the SAM template; tests/template lints the transformed one.
template-check: venv sam-venv
	$(SAM_VENV)/bin/sam validate --lint --template template.yaml --region $(AWS_DEFAULT_REGION)

test-unit: venv
	$(PY) -m pytest tests/unit -q

test-integration: venv
	$(PY) -m pytest tests/integration -q

test-template: venv
	$(PY) -m pytest tests/template -q

test-e2e: venv
	$(PY) -m pytest tests/e2e -q

# Three workers, a test file each at a time (end-to-end files share their worker's local stack),
# then the tests that measure latency, alone on the machine. The template is checked by
# tests/template (the SAM transform, cfn-lint on its result) and checkov; `make template-check`
# adds `sam validate --lint`, which needs the SAM CLI's own virtualenv (a minute to install).
test: lint checkov
	$(PY) -m pytest -q -n 3 --dist loadfile -m "not timing"
	$(PY) -m pytest -q -m timing

bench: venv
	$(PY) -m bench.local_stack

bench-activity: venv
	PYTHONPATH=layers/jobqueue $(PY) -m bench.activity

# The cost model (docs/cost.md): dollars a month and per million jobs, single and in batches of 100.
cost: venv
	$(PY) -m bench.cost

# A long API fuzzing run (make test runs a short one): Schemathesis on the local stack, every
# phase, as a tenant and as an admin (docs/reliability.md).
fuzz: venv
	JOBQ_FUZZ_EXAMPLES=$${JOBQ_FUZZ_EXAMPLES:-150} $(PY) -m pytest tests/e2e/test_fuzz.py -q -s -p no:cacheprovider

# The fault soak through the local stack (docs/reliability.md): about 5 minutes on 2 cores;
# `make soak ARGS="--jobs 10000"` for the long one, ARGS="--json soak.json" for the figures.
soak: venv
	$(PY) -m bench.soak $(ARGS)

build: sam-venv
	$(SAM_VENV)/bin/sam build --template template.yaml

clean:
	rm -rf $(VENV) $(SAM_VENV) .aws-sam .pytest_cache .ruff_cache
