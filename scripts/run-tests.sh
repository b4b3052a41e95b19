#!/usr/bin/env bash
# Every test of the project. Runs inside `dbus-run-session` (see the Makefile) so that the
# keyring tests use a real Secret Service (gnome-keyring), as a desktop user's session has.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== %s\n' "$*"; }

step "Secret Service (gnome-keyring) for this session"
keyring_home=$(mktemp -d)
trap 'rm -rf "$keyring_home"' EXIT
# The daemon keeps its keyrings under HOME; a throwaway HOME keeps tests off the user's own.
eval "$(printf 'test' | HOME="$keyring_home" gnome-keyring-daemon --unlock --components=secrets --daemonize)"
export GNOME_KEYRING_CONTROL

step "Formatting and lints"
cargo fmt --all --check
npm run --silent lint
npm run --silent typecheck

step "UI unit tests (Vitest)"
npm test

step "Desktop app with the UI embedded, for the end-to-end test"
npm run --silent build
cargo build --locked -p bailiwick-desktop --features tauri/custom-protocol
mkdir -p target/e2e
cp target/debug/bailiwick-desktop target/e2e/bailiwick-desktop

step "Clippy"
cargo clippy --locked --workspace --all-targets -- -D warnings

step "Binaries the end-to-end tests drive"
cargo build --locked -p bailiwick-cli -p bailiwick-sandbox

step "Desktop shell unit tests"
# With the same features as the end-to-end binary above, so Tauri is compiled once, not twice.
cargo test --locked -p bailiwick-desktop --features tauri/custom-protocol

step "Rust tests: unit, integration, CLI and desktop end to end, interop with peers"
mkdir -p tests/artifacts
# Xvfb for the desktop end-to-end test (WebKitGTK needs a display).
xvfb-run -a --server-args="-screen 0 1400x900x24" \
  cargo test --locked --workspace --exclude bailiwick-desktop -- --test-threads=4
