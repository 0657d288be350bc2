#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image (Ubuntu); the zip's
# contents are in /autograder/source. It installs Python (3.11 or newer), a virtual environment
# in /autograder/venv, torch @torch@ (CPU build) and the grader with the versions it was built with.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
source_dir=/autograder/source

apt-get update -y
apt-get install -y --no-install-recommends python3 python3-venv python3-pip ca-certificates
python=python3
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    # Ubuntu 22.04 ships Python 3.10; its universe repository has 3.11.
    apt-get install -y --no-install-recommends python3.11 python3.11-venv
    python=python3.11
fi

"$python" -m venv /autograder/venv
pip=/autograder/venv/bin/pip
"$pip" install --quiet --upgrade pip
# The CPU build: Gradescope has no GPU, and the default build would pull several GB of CUDA.
"$pip" install --quiet torch==@torch@ --index-url https://download.pytorch.org/whl/cpu
"$pip" install --quiet --constraint "$source_dir/grader-src/constraints.txt" "$source_dir/grader-src"
/autograder/venv/bin/grade --version
