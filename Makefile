# The two commands of the README, and their setup steps. Each step is idempotent and cheap
# when already done, so `make test` is safe to run again and again.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PEERS_VENV := tests/peers/.venv
TAURI_DRIVER := $(HOME)/.cargo/bin/tauri-driver

.PHONY: help demo test setup-demo setup-test ui-deps peers tauri-driver

help:
	@echo "make demo   run the desktop app on the demo workspace (builds what is missing)"
	@echo "make test   run every test (installs what the tests need)"

demo: setup-demo
	npm run --silent build
	cargo run --locked -p bailiwick-desktop --features custom-protocol

test: setup-test
	dbus-run-session -- scripts/run-tests.sh

setup-demo:
	scripts/setup-system.sh demo
	$(MAKE) --no-print-directory ui-deps

setup-test:
	scripts/setup-system.sh test
	$(MAKE) --no-print-directory ui-deps peers tauri-driver

ui-deps: node_modules/.package-lock.json

node_modules/.package-lock.json: package-lock.json package.json
	npm ci --no-audit --no-fund
	@touch $@

peers: tests/peers/oidc-provider/node_modules/.package-lock.json tests/peers/openid-client/node_modules/.package-lock.json \
	$(PEERS_VENV)/.installed

tests/peers/oidc-provider/node_modules/.package-lock.json: tests/peers/oidc-provider/package-lock.json
	cd tests/peers/oidc-provider && npm ci --no-audit --no-fund
	@touch $@

tests/peers/openid-client/node_modules/.package-lock.json: tests/peers/openid-client/package-lock.json
	cd tests/peers/openid-client && npm ci --no-audit --no-fund
	@touch $@

$(PEERS_VENV)/.installed: tests/peers/scim2-server/requirements.txt
	python3 -m venv $(PEERS_VENV)
	$(PEERS_VENV)/bin/pip install --quiet --disable-pip-version-check -r tests/peers/scim2-server/requirements.txt
	@touch $@

tauri-driver: $(TAURI_DRIVER)

$(TAURI_DRIVER):
	cargo install tauri-driver --locked --version 2.1.0
