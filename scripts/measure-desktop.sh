#!/usr/bin/env bash
# Cold start and idle memory of the desktop app with 100,000 cached users (issue 7), on the build
# that ships: `scripts/measure-desktop.sh [--no-build] [--app PATH] [--users N] [--launches N]
# [--idle-secs N] [--modes shipped,jit,compositing] [--baseline] [--drop-caches]`.
#
# Builds the UI, the sandbox and the app (the release profile, with link-time optimisation, as in
# the .deb: minutes to link; its binary's size is part of the memory measured), then runs
# tests/examples/measure-desktop.rs inside what the app needs on a headless machine: a D-Bus
# session, an unlocked gnome-keyring (the session is kept there) and Xvfb. `--no-build` measures
# the binaries already built; `--app PATH` another app binary (e.g. the dev-profile
# target/e2e/bailiwick-desktop, whose figures are then dev-build figures). `--baseline` also builds
# and measures tests/minimal-app, a Tauri app with one heading, and prints the app's idle memory
# beside it, process by process. The example prints per-launch figures and a table.
# `--drop-caches` (root only; it empties the page cache of the whole machine) makes the first
# launch of each mode a start with nothing in the page cache.
set -euo pipefail
cd "$(dirname "$0")/.."

# The app keeps its session in the Secret Service and takes a single-instance lock on the session
# bus: both need a D-Bus session of their own, as a desktop user has (and as `make test` does).
if [[ -z "${MEASURE_DESKTOP_IN_SESSION:-}" ]]; then
    exec env MEASURE_DESKTOP_IN_SESSION=1 dbus-run-session -- "$0" "$@"
fi

build=1
baseline=0
app=target/release/bailiwick-desktop
minimal_app=target/release/minimal-tauri-app
example_args=()
while (($#)); do
    case "$1" in
        --no-build) build=0 ;;
        --baseline) baseline=1 ;;
        --drop-caches) example_args+=("$1") ;;
        --app)
            app=${2:?--app needs a path}
            shift
            ;;
        --users | --launches | --idle-secs | --modes)
            example_args+=("$1" "${2:?$1 needs a value}")
            shift
            ;;
        *)
            echo "unknown option $1 (--no-build, --app PATH, --users N, --launches N, --idle-secs N, --modes LIST, --baseline, --drop-caches)" >&2
            exit 2
            ;;
    esac
    shift
done

step() { printf '\n=== %s\n' "$*"; }

if ((build)); then
    step "Build: the UI, the sandbox (dev, as the other benchmarks) and the app as it ships"
    npm run --silent build
    # One cargo build at a time: the machines this runs on have few cores.
    cargo build --locked -p bailiwick-sandbox
    cargo build --locked --release -p bailiwick-desktop --features custom-protocol
    cargo build --locked -p bailiwick-tests --example measure-desktop
    if ((baseline)); then
        # Outside the workspace (its own lock file, the same versions); into the workspace's
        # target directory, whose compiled dependencies it shares.
        cargo build --locked --release --manifest-path tests/minimal-app/Cargo.toml --target-dir target
    fi
fi
if ((baseline)); then
    example_args+=(--baseline "$minimal_app")
fi

# The app measured is a copy, so that a cargo command started meanwhile cannot replace it mid-run.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$app" "$work/bailiwick-desktop"

step "Secret Service (gnome-keyring) for this session"
# A throwaway HOME keeps the daemon off the user's own keyrings.
mkdir -p "$work/keyring-home"
eval "$(printf 'measure' | HOME="$work/keyring-home" gnome-keyring-daemon --unlock --components=secrets --daemonize)"
export GNOME_KEYRING_CONTROL

step "Measuring (a first run syncs the users through the app, then every start is offline)"
xvfb-run -a --server-args="-screen 0 1400x900x24" \
    target/debug/examples/measure-desktop --app "$work/bailiwick-desktop" "${example_args[@]}"
