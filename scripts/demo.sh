#!/usr/bin/env bash
# make demo: build the environment, make a synthetic population and walk it through the flow.
set -euo pipefail
cd "$(dirname "$0")/.."
CALDICOTT="uv run --frozen caldicott"
PATIENTS="${DEMO_PATIENTS:-10000}"
export CALDICOTT_HOME="${CALDICOTT_HOME:-$PWD/.caldicott}"
EXPORT="$CALDICOTT_HOME/synthetic-export"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Control plane ($CALDICOTT_HOME)"
$CALDICOTT db upgrade

step "Synthetic population: $PATIENTS patients"
rm -rf "$EXPORT"
$CALDICOTT synth --patients "$PATIENTS" --seed 2026 --out "$EXPORT"
