#!/usr/bin/env bash
# Makes the legacy database fixture of tests/app/test_legacy_database.py the way a user
# does: `qurb db init`, then registry edits, a siting scenario and a caravan campaign with
# recorded visits, all through the command line.
#
# The committed fixture was made by the code of commit
#   76ead146f1f5cb485363603932ce250a2c1b381c (main)
# at Alembic revision 0004. Run it again from a checkout of that commit:
#
#   tests/app/legacy/make_legacy_db.sh [OUTPUT_DIR]
#
# QURB (default: `qurb`) is the command to run. The ids of the scenario and the campaign
# are new on every run, and the caravan plan may differ with the machine (the solver stops
# at a time limit), so a new run makes a different fixture: the test's known answers are
# those of the committed file.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="${1:-$(mktemp -d)}"
QURB="${QURB:-qurb}"
export QURB_USER=amina # who saves the scenario and the campaign (they take no --by)
mkdir -p "$OUT"
cd "$OUT"
rm -f qurb.sqlite qurb.sqlite-wal qurb.sqlite-shm

# The database in the working directory, with the bundled national dataset.
$QURB db init

# Registry: one facility added, one updated twice (category and beds, then services),
# one closed; each change is kept in the facility's history with who and why.
$QURB facilities add --name "Centre de santé Douar Legacy" --category DR \
  --commune "Ain Bida" --beds 2 --by amina --reason "opened by the commune in 2025"
$QURB facilities update essp-03.231.81.03-ain-bida --category CSR-2 --beds 4 \
  --by amina --reason "upgraded: delivery unit opened"
$QURB facilities update essp-03.231.81.03-ain-bida --add-service laboratory \
  --remove-service chronic_disease_followup --by youssef \
  --reason "laboratory opened; chronic follow-up moved to the CSU"
$QURB facilities close hosp-03.131.01.05-s-ahmed-b-driss-missouri --by youssef \
  --reason "merged with the provincial hospital of Missour"

# A saved siting scenario: one more general hospital in Boulemane, 60 minutes.
$QURB site -t Boulemane --level secondary --add 1 --within 60 \
  --name "Boulemane: one more hospital" --format json > scenario.json

# A caravan campaign planned a week before it starts, then two visits recorded after it.
$QURB caravan plan "$HERE/../../../examples/caravan-boulemane.toml" --today 2027-01-04 \
  --time-limit 5 --seed 1 --format json > campaign.json
CAMPAIGN="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' campaign.json)"
cat > record.csv <<'CSV'
stop,kind,item,sex,age_band,count,facility,service
1,consultation,general_medicine,F,15-49,12,,
1,consultation,general_medicine,M,60+,8,,
1,consultation,paediatrics,M,0-4,7,,
1,screening,glycaemia,,,9,,
1,medicine,paracetamol,,,20,,
1,referral,general_medicine,F,60+,2,hosp-03.131.01.03-marche-verte,general_surgery
2,consultation,ophthalmology,M,50-59,4,,
CSV
$QURB caravan record "$CAMPAIGN" record.csv --by youssef --today 2027-01-25

# What is inside, for the fixture's README and the test's known answers.
$QURB scenarios list --format json > scenarios.json
$QURB caravan report "$CAMPAIGN" --format json > report.json
echo "database: $OUT/qurb.sqlite; campaign $CAMPAIGN"
