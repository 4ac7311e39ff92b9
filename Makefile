# Two entry points, both doing their own set-up: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.massaudit-installed

.PHONY: demo test setup lint format bench clean image

demo: setup
	$(BIN)/massaudit demo --out out/demo

# Four pytest workers on any machine: most of the suite waits (on Chromium, servers, retries),
# so four keep two cores busy. Each test module stays on one worker (its fixtures set up once),
# modules in the order tests/conftest.py gives them: the long ones first.
test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -q -n 4 --dist loadscope --no-loadscope-reorder

setup: $(STAMP)
	@scripts/ensure_chromium.sh $(BIN)/python

# The distributed extra too: its tests (RabbitMQ, Redis) are part of `make test`.
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -c 'import sys; sys.exit("massaudit needs Python 3.11 or newer" if sys.version_info < (3, 11) else 0)'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev,distributed]'
	touch $(STAMP)

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format:
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The container image (deploy/Dockerfile), then `massaudit doctor` inside it (with the demo's
# sites file); skipped, saying why, where no Docker daemon answers.
IMAGE ?= massaudit:$(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
DOCKER ?= docker
image:
	@if ! command -v $(DOCKER) >/dev/null 2>&1; then \
	  echo "make image: not built: no $(DOCKER) command here"; \
	elif ! $(DOCKER) info >/dev/null 2>&1; then \
	  echo "make image: not built: no Docker daemon answers ($(DOCKER) info failed)"; \
	else \
	  $(DOCKER) build -f deploy/Dockerfile -t $(IMAGE) . && \
	  $(DOCKER) run --rm -v "$(CURDIR)/massaudit/demo/sites.toml:/data/sites.toml:ro" \
	    $(IMAGE) massaudit doctor; \
	fi

clean:
	rm -rf out .pytest_cache .ruff_cache
