# Developer shortcuts; each target calls the same commands that README.md and CI use.
#   make start TRANSPORT=sse    run the server (release build): stdio, sse or streamable-http
#   make test                   the whole test suite (bash tests/run.sh, as CI runs it)
#   make lint                   rustfmt, clippy, hadolint, Kubernetes manifests

TRANSPORT ?= stdio
ARGS ?=
CARGO ?= cargo

.PHONY: start build test lint fmt client k8s

start:
	$(CARGO) run --release -- --transport=$(TRANSPORT) $(ARGS)

build:
	$(CARGO) build --release --locked

test:
	bash tests/run.sh

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	$(CARGO) build --locked --bin opik-mcp
	bash tests/suites/60-container.sh
	bash tests/suites/61-k8s-manifests.sh

fmt:
	$(CARGO) fmt --all

# The server with the browser client at http://localhost:3001/client/
client:
	$(CARGO) run --release -- --transport=sse --serve-client $(ARGS)

# Render a Kubernetes overlay: make k8s OVERLAY=production
OVERLAY ?= dev
k8s:
	kubectl kustomize deploy/k8s/overlays/$(OVERLAY)
