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

# Every cargo command below selects the same packages and features, so dependencies are built
# with one feature set and reused: a different selection would rebuild most of them.
cargo_args=(--locked --workspace --features bailiwick-desktop/custom-protocol)

step "Build: the UI, then every crate (the desktop app with the UI embedded)"
npm run --silent build
# Written as ASCII (vite.config.ts), so that WebKit keeps a single copy of the script.
if LC_ALL=C grep -lP '[^\x00-\x7F]' ui/dist/assets/*.js; then
    echo "the UI bundle above has non-ASCII bytes: vite.config.ts sets esbuild's charset to ascii" >&2
    exit 1
fi
cargo build "${cargo_args[@]}"
# The end-to-end test drives its own copy: later cargo commands may rebuild target/debug.
mkdir -p target/e2e
cp target/debug/bailiwick-desktop target/e2e/bailiwick-desktop

step "Clippy"
cargo clippy "${cargo_args[@]}" --all-targets -- -D warnings

step "Rust tests: unit, integration, CLI and desktop end to end, interop with peers"
mkdir -p tests/artifacts
# The keyring's own test first, alone: its first write creates the fresh keyring's collection
# before dozens of tests write at once (gnome-keyring once dropped writes racing into it).
cargo test "${cargo_args[@]}" --test keyring_store
# Xvfb for the desktop end-to-end test (WebKitGTK needs a display).
# Two at a time: with four, gnome-keyring-daemon once crashed under the concurrent sign-ins
# (DBus "recipient disconnected"), failing every later keyring call of that run.
xvfb-run -a --server-args="-screen 0 1400x900x24" cargo test "${cargo_args[@]}" -- --test-threads=2
