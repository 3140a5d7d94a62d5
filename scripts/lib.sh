# Shared by scripts/setup, scripts/run and scripts/test. Source it; do not run it.
# Tools that are not Rust crates live in SETTLE_TOOLS_DIR (outside the clone, so
# a fresh clone on the same machine reuses them; a new machine installs them).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SETTLE_TOOLS_DIR="${SETTLE_TOOLS_DIR:-$HOME/.cache/settle-tools}"
export SETTLE_TOOLS_DIR
export PATH="$SETTLE_TOOLS_DIR/npm/node_modules/.bin:$HOME/.cargo/bin:$PATH"

CARGO_LEPTOS_VERSION=0.3.10
BINARYEN_VERSION=132.0.0

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Where cargo puts build outputs (CARGO_TARGET_DIR or ./target).
target_dir() {
  if [ -n "${CARGO_TARGET_DIR:-}" ]; then echo "$CARGO_TARGET_DIR"; else echo "$ROOT/target"; fi
}

# Runs a command as root (directly, or through sudo when available).
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "need root to run: $* (install it by hand or run as root)"; fi
}

# The exact wasm-bindgen version Cargo.lock pins; the CLI must match it.
locked_wasm_bindgen() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}
