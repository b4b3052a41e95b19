#!/usr/bin/env bash
# Installs the system packages Bailiwick needs on Debian/Ubuntu, only those that are missing,
# and checks the toolchains it cannot install for you. Usage: setup-system.sh demo|test
set -euo pipefail
purpose=${1:-demo}

# Building the desktop app (Tauri on WebKitGTK), the keyring's Secret Service client, and
# SQLCipher's crypto (libcrypto from libssl-dev).
packages=(build-essential pkg-config curl libwebkit2gtk-4.1-dev libdbus-1-dev libssl-dev)
if [ "$purpose" = test ]; then
  # Headless desktop tests (Xvfb, WebKitWebDriver), a real Secret Service for keyring tests.
  packages+=(xvfb xauth webkit2gtk-driver gnome-keyring dbus dbus-x11 keyutils)
fi

case "$(uname -s)" in
  Linux)
    if command -v dpkg-query >/dev/null; then
      missing=()
      for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
      done
      if [ ${#missing[@]} -gt 0 ]; then
        echo "Installing system packages: ${missing[*]}"
        sudo_cmd=()
        [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
        "${sudo_cmd[@]}" apt-get update -qq
        DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
      fi
    else
      echo "Not a Debian/Ubuntu system: install the equivalents of: ${packages[*]}" >&2
    fi
    ;;
  Darwin) xcode-select -p >/dev/null 2>&1 || { echo "Install the Xcode command line tools: xcode-select --install" >&2; exit 1; } ;;
esac

command -v cargo >/dev/null || { echo "Rust is missing: install it from rustup (https://rustup.rs), then run make again." >&2; exit 1; }
command -v node >/dev/null || { echo "Node.js 20.19 or newer is missing: install it, then run make again." >&2; exit 1; }
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || { echo "Node.js $(node --version) is too old: Vite needs 20.19 or newer." >&2; exit 1; }
python3 -c 'import venv' 2>/dev/null || [ "$purpose" = demo ] || { echo "Python 3 with venv is needed for the interop tests." >&2; exit 1; }
