#!/usr/bin/env bash
# The main job on the embedded default (SQLite): initialise a ledger in ./.runledger-demo (or
# $RUNLEDGER_HOME), record a few operator entries, show the state, export and verify offline.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f packages/cli/dist/main.js ] || npm run build >/dev/null
export RUNLEDGER_HOME="${RUNLEDGER_HOME:-$PWD/.runledger-demo}"
rl() { node packages/cli/bin/runledger.js "$@"; }

if [ ! -f "$RUNLEDGER_HOME/trust.vkeys" ]; then
  rl init --origin "demo.runledger.local/ledger"
fi
echo
echo "== recording operator entries (idempotent: re-running the demo does not duplicate them)"
rl ledger append --type release.smoke.passed --subject release:1.4.2 --data '{"checks":["proxy /healthz","backend /healthz","audit DSN"]}' --idem demo-smoke-1.4.2 >/dev/null
rl ledger append --type release.announced --subject release:1.4.2 --data '{"channel":"#ops"}' --idem demo-announce-1.4.2 >/dev/null
rl ledger append --type deploy.rollback --subject service:api --data '{"from":"sha-abc123","to":"sha-def456","reason":"health-check-failure","scope":"image-only"}' --idem demo-rollback-1 >/dev/null
echo
echo "== entries"
rl ledger show
echo
echo "== head"
rl ledger head
echo
echo "== receipt for entry 1 (C2SP tlog-proof)"
rl ledger proof --index 1
out="$(mktemp -d)/export"
echo
echo "== export and offline verification"
rl ledger export "$out"
node packages/ledger/bin/runledger-verify.js "$out" --trust "$RUNLEDGER_HOME/trust.vkeys"
echo
echo "Data directory: $RUNLEDGER_HOME   (remove it to start over)"
