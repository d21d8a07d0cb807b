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
# to a file first: under pipefail, `| head` would fail the demo when it closes the pipe
$CALDICOTT quality report --format json --out "$CALDICOTT_HOME/reports/quality.json" > /dev/null
head -n 20 "$CALDICOTT_HOME/reports/quality.json"

step "Patients' choices: National Data Opt-outs, Type 1 opt-outs and FHIR Consents"
$CALDICOTT consent import-optouts "$EXPORT/national-opt-outs.csv" --actor demo-import
$CALDICOTT consent import-optouts "$EXPORT/type1-opt-outs.csv" --type1 --actor demo-import
$CALDICOTT consent import-fhir "$EXPORT/Consent.ndjson"
$CALDICOTT consent stats
$CALDICOTT consent snapshot --purpose research

step "SQL on FHIR views: the built-in library, run on the warehouse"
$CALDICOTT view list
$CALDICOTT view run patient_demographics --format parquet
$CALDICOTT view run conditions --format csv
SUITE="${CALDICOTT_SQL_ON_FHIR_SUITE:-$PWD/../shared/conformance/sql-on-fhir}"
if [ -d "$SUITE" ]; then
  $CALDICOTT view test "$SUITE" --engine duckdb --report "$CALDICOTT_HOME/reports/sql-on-fhir-duckdb.json"
fi

step "Governance: people, training and three applications"
EX=examples/agreements
ADMIN=admin@northshire.example; CUSTODIAN=custodian@northshire.example
PANEL1=panel1@northshire.example; PANEL2=panel2@northshire.example
RESEARCHER=r.patel@york.example; ANALYST=j.smith@york.example
SUPPLIER=s.okafor@kidneyai.example; MARKETER=sales@adco.example
TODAY=$(date -u +%F)
if ! $CALDICOTT people show "$ADMIN" --json > /dev/null 2>&1; then
  $CALDICOTT org add RX1 --name "Northshire Teaching Hospitals" --kind nhs
  $CALDICOTT people add "$ADMIN" --name "Alex Admin" --org RX1 --role administrator
  $CALDICOTT org add UNI-YORK --name "University of York" --kind academic --as "$ADMIN"
  $CALDICOTT org add KIDNEYAI --name "KidneyAI Ltd" --kind commercial --as "$ADMIN"
  $CALDICOTT org add ADCO --name "AdCo Marketing Ltd" --kind commercial --as "$ADMIN"
  $CALDICOTT people add "$CUSTODIAN" --name "Casey Custodian" --org RX1 --role custodian --as "$ADMIN"
  $CALDICOTT people add "$PANEL1" --name "Pat Panel" --org RX1 --role panel-member --as "$ADMIN"
  $CALDICOTT people add "$PANEL2" --name "Sam Panel" --org RX1 --role panel-member --as "$ADMIN"
  $CALDICOTT people add "$RESEARCHER" --name "Dr R Patel" --org UNI-YORK --role researcher --as "$ADMIN"
  $CALDICOTT people add "$ANALYST" --name "J Smith" --org UNI-YORK --role researcher --as "$ADMIN"
  $CALDICOTT people add "$SUPPLIER" --name "S Okafor" --org KIDNEYAI --role supplier --as "$ADMIN"
  $CALDICOTT people add "$MARKETER" --name "AdCo Sales" --org ADCO --role supplier --as "$ADMIN"
  for who in "$RESEARCHER" "$ANALYST" "$SUPPLIER" "$MARKETER"; do
    $CALDICOTT people train "$who" --completed "$TODAY" --as "$ADMIN" > /dev/null
  done
fi
ref() { $CALDICOTT agreement create "$1" --as "$2" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["agreement"])'; }

echo "-- 1. a research study: panel support, approved, active"
R=$(ref "$EX/research-diabetes-kidney.yaml" "$RESEARCHER")
$CALDICOTT agreement submit "$R" --as "$RESEARCHER"
$CALDICOTT agreement review vote "$R" --vote support --comment "Clear public benefit" --as "$PANEL1"
$CALDICOTT agreement decide "$R" --approve --reason "Supported by the panel; all checks passed" --as "$CUSTODIAN"
$CALDICOTT agreement activate "$R" --as "$RESEARCHER"

echo "-- 2. commercial product development: a panel concern answered, approved with conditions"
C=$(ref "$EX/commercial-aki-algorithm.yaml" "$SUPPLIER")
$CALDICOTT agreement submit "$C" --as "$SUPPLIER"
$CALDICOTT agreement review vote "$C" --vote support --as "$PANEL1"
CONCERN=$($CALDICOTT agreement review concern "$C" --text "Could the company sell the data on?" --as "$PANEL2" --json \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["concern"])')
$CALDICOTT agreement review answer "$CONCERN" --text "No: onward sharing is forbidden by a condition." --as "$CUSTODIAN"
$CALDICOTT agreement decide "$C" --approve --reason "Fair benefit sharing agreed" \
  --condition "No onward sharing" --condition "Publish the evaluation" --as "$CUSTODIAN"
$CALDICOTT agreement activate "$C" --as "$SUPPLIER"

echo "-- 3. a marketing request: refused automatically"
M=$(ref "$EX/marketing-request.yaml" "$MARKETER")
$CALDICOTT agreement submit "$M" --as "$MARKETER" || true

$CALDICOTT agreement list --as "$CUSTODIAN"
$CALDICOTT register export --format csv --out "$CALDICOTT_HOME/reports/register.csv"
echo "Data Uses Register: $CALDICOTT_HOME/reports/register.csv"

step "Transparency log: every event above, signed and verifiable by anyone"
$CALDICOTT log checkpoint
$CALDICOTT log verify
rm -rf "$CALDICOTT_HOME/log-export"
$CALDICOTT log export --out "$CALDICOTT_HOME/log-export"
$CALDICOTT log verify --from-export "$CALDICOTT_HOME/log-export" \
  --key "$(head -n 1 "$CALDICOTT_HOME/keys/log-verifier-keys.txt")"
$CALDICOTT log audit-report --from 2026-01-01 --to 2030-12-31 --format html \
  --out "$CALDICOTT_HOME/reports/audit.html"
echo "audit report: $CALDICOTT_HOME/reports/audit.html"

step "Done"
echo "Data folder: $CALDICOTT_HOME (reports in $CALDICOTT_HOME/reports)"
echo "The web portal and HTTP API are not built yet; see README.md for what comes next."
