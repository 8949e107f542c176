# Sourced by the scripts: make sure .venv exists and holds pagerd with its pinned
# dependencies (requirements.lock); reinstall only when the lock or pyproject changed.
#
# `./scripts/serve` needs pagerd and its runtime dependencies only (a lean environment);
# `./scripts/test` and `./scripts/check` set `with_dev=1` before sourcing this file to add
# the development tools (pyproject's `dev` extra). A stamp per kind makes re-runs instant;
# an environment with the development tools also satisfies `serve`.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv="$root/.venv"
python=${PYTHON:-python3}
with_dev=${with_dev:-0}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "pagerd needs Python 3.11 or newer as '$python' (set PYTHON=/path/to/python3.11)." >&2
  exit 1
fi
if [ ! -x "$venv/bin/python" ]; then
  if ! "$python" -m venv "$venv"; then
    echo "Could not create a virtual environment. On Debian or Ubuntu: apt-get install python3-venv" >&2
    exit 1
  fi
fi
want=$(cat "$root/requirements.lock" "$root/pyproject.toml" | sha256sum | cut -d' ' -f1)
runtime_stamp="$venv/.pagerd-installed"
dev_stamp="$venv/.pagerd-installed-dev"
_pagerd_stamp_ok() { [ -f "$1" ] && [ "$(cat "$1")" = "$want" ]; }
if [ "$with_dev" = 1 ]; then
  if ! _pagerd_stamp_ok "$dev_stamp"; then
    echo "Installing pagerd, its pinned dependencies and the development tools into .venv ..." >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
      -c "$root/requirements.lock" -e "$root[dev]"
    echo "$want" > "$dev_stamp"
    echo "$want" > "$runtime_stamp"
  fi
elif ! _pagerd_stamp_ok "$runtime_stamp"; then
  echo "Installing pagerd and its pinned runtime dependencies into .venv ..." >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    -c "$root/requirements.lock" -e "$root"
  echo "$want" > "$runtime_stamp"
fi
