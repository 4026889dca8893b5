#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder's image (with network).
# It installs uv, then the kit's locked dependencies (pytest, pyright and the node it runs on)
# into /autograder/source/.venv, so that grading a submission downloads nothing.
set -euo pipefail

source_dir="${AUTOGRADER_ROOT:-/autograder}/source"
cd "$source_dir"

if ! command -v uv >/dev/null 2>&1; then
    if ! command -v curl >/dev/null 2>&1; then
        apt-get update
        apt-get install -y --no-install-recommends curl ca-certificates
    fi
    curl -LsSf https://astral.sh/uv/install.sh \
        | env UV_INSTALL_DIR=/usr/local/bin INSTALLER_NO_MODIFY_PATH=1 sh
fi

# The Python the verdicts are made with (any 3.10 or newer works: the kit asks the running
# interpreter, never one version's answers). uv downloads it if the image lacks it.
export UV_PYTHON="${UV_PYTHON:-3.12}"
uv sync --frozen --no-dev

# Run pyright once now: it unpacks what it needs here, not while a student waits.
.venv/bin/pyright --version
