# Sourced by the scripts: make sure .venv exists and holds pagerd with its pinned
# dependencies (requirements.lock); reinstall only when the lock or pyproject changed.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv="$root/.venv"
python=${PYTHON:-python3}
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
stamp="$venv/.pagerd-installed"
want=$(cat "$root/requirements.lock" "$root/pyproject.toml" | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "Installing pagerd and its pinned dependencies into .venv ..." >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    -c "$root/requirements.lock" -e "$root[dev]"
  echo "$want" > "$stamp"
fi
