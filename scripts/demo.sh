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

step "Ingest: validate and load the population (2% of a second export made defective on purpose)"
DEFECTIVE="$CALDICOTT_HOME/synthetic-defects"
rm -rf "$DEFECTIVE"
$CALDICOTT synth --patients 500 --seed 7 --invalid-rate 0.02 --out "$DEFECTIVE" --json > /dev/null
$CALDICOTT ingest "$EXPORT" --source synthetic-gp
$CALDICOTT ingest "$DEFECTIVE" --source synthetic-defects
echo "defects written by synth: $(($(wc -l < "$DEFECTIVE/defects.csv") - 1)); quarantined:"
$CALDICOTT quarantine list | tail -n 5

step "Data quality"
$CALDICOTT quality report --format html --out "$CALDICOTT_HOME/reports/quality.html" > /dev/null
echo "quality report: $CALDICOTT_HOME/reports/quality.html"
$CALDICOTT quality report --format json | head -n 20

step "Patients' choices: National Data Opt-outs, Type 1 opt-outs and FHIR Consents"
$CALDICOTT consent import-optouts "$EXPORT/national-opt-outs.csv" --actor demo-import
$CALDICOTT consent import-optouts "$EXPORT/type1-opt-outs.csv" --type1 --actor demo-import
$CALDICOTT consent import-fhir "$EXPORT/Consent.ndjson"
$CALDICOTT consent stats
