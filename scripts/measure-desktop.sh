#!/usr/bin/env bash
# Cold start and idle memory of the desktop app with 100,000 cached users (issue 7), on an
# optimised build: `scripts/measure-desktop.sh [--no-build] [--app PATH] [--users N] [--launches N]
# [--idle-secs N] [--modes shipped,jit,compositing] [--drop-caches]`.
#
# Builds the UI, the sandbox and the app (the `bench` profile: release optimisation without LTO),
# then runs tests/examples/measure-desktop.rs inside what the app needs on a headless machine: a
# D-Bus session, an unlocked gnome-keyring (the session is kept there) and Xvfb. `--no-build`
# measures the binaries already built; `--app PATH` another app binary (e.g. the dev-profile
# target/e2e/bailiwick-desktop, whose figures are then dev-build figures). The example prints
# per-launch figures and a table. `--drop-caches` (root only; it empties the page cache of the
# whole machine) makes the first launch of each mode a start with nothing in the page cache.
set -euo pipefail
cd "$(dirname "$0")/.."

# The app keeps its session in the Secret Service and takes a single-instance lock on the session
# bus: both need a D-Bus session of their own, as a desktop user has (and as `make test` does).
if [[ -z "${MEASURE_DESKTOP_IN_SESSION:-}" ]]; then
    exec env MEASURE_DESKTOP_IN_SESSION=1 dbus-run-session -- "$0" "$@"
fi

build=1
app=target/release/bailiwick-desktop
example_args=()
while (($#)); do
    case "$1" in
        --no-build) build=0 ;;
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
            echo "unknown option $1 (--no-build, --app PATH, --users N, --launches N, --idle-secs N, --modes LIST, --drop-caches)" >&2
            exit 2
            ;;
    esac
    shift
done

step() { printf '\n=== %s\n' "$*"; }

if ((build)); then
    step "Build: the UI, the sandbox (dev, as the other benchmarks) and the optimised app"
    npm run --silent build
    # One cargo build at a time: the machines this runs on have few cores.
    cargo build --locked -p bailiwick-sandbox
    # The bench profile (Cargo.toml): release optimisation without LTO, which would take many
    # minutes to link; it writes to target/release/.
    cargo build --locked --profile bench -p bailiwick-desktop --features custom-protocol
    cargo build --locked -p bailiwick-tests --example measure-desktop
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
