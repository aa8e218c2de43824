#!/usr/bin/env bash
# The project's test command (README.md): unit, integration and snapshot tests.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --locked
