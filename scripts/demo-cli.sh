#!/usr/bin/env bash
# The command-line tour (`npm run demo:cli`): a ledger in ./.runledger-demo (or $RUNLEDGER_HOME),
# the demo service, the release-smoke runbook run and approved by a second person, then the ledger
# exported and verified offline.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f packages/cli/dist/main.js ] || npm run build >/dev/null
export RUNLEDGER_HOME="${RUNLEDGER_HOME:-$PWD/.runledger-demo}"
export DEMO_HOME="${DEMO_HOME:-$RUNLEDGER_HOME/demo-service}" DEMO_PORT="${DEMO_PORT:-7390}" DEMO_PROXY_PORT="${DEMO_PROXY_PORT:-7391}"
rl() { node packages/cli/bin/runledger.js "$@"; }
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

if [ ! -f "$RUNLEDGER_HOME/trust.vkeys" ]; then
  rl init --origin "demo.runledger.local/ledger"
fi

say "the demo service (port $DEMO_PORT, proxy $DEMO_PROXY_PORT)"
mkdir -p "$DEMO_HOME"
printf 'DEMO_AUDIT_DSN=postgres://audit_writer@127.0.0.1:5432/audit\nDEMO_PROXY_PORT=%s\n' "$DEMO_PROXY_PORT" > "$DEMO_HOME/env"
examples/demo-service/ctl.sh start >/dev/null
examples/demo-service/ctl.sh status

say "lint the example runbooks"
rl lint examples/runbooks

say "release smoke: three checks, then a gate that a release manager must approve"
set +e
RUNLEDGER_ACTOR=alice rl run examples/runbooks/release-smoke.md --env local --input version=1.0.0 --input "public_url=http://127.0.0.1:$DEMO_PROXY_PORT" --input "demo_port=$DEMO_PORT" --input "demo_home=$DEMO_HOME"
code=$?
set -e
run_id="$(rl runs --json --limit 1 | node -pe 'JSON.parse(require("fs").readFileSync(0,"utf8").split("\n")[0]).id')"
if [ "$code" = 4 ]; then
  say "bob (a release manager) approves run $run_id"
  RUNLEDGER_ACTOR=bob RUNLEDGER_ROLES=release-manager rl approve "$run_id" --comment "smoke checks green; release notes ready"
fi
rl show "$run_id"

say "the ledger"
rl ledger show --limit 12
rl ledger head

out="$(mktemp -d)/export"
say "export and offline verification (an auditor needs only trust.vkeys and runledger-verify)"
rl ledger export "$out"
node packages/ledger/bin/runledger-verify.js "$out" --trust "$RUNLEDGER_HOME/trust.vkeys"

printf '\nData: %s   Demo service: http://127.0.0.1:%s (stop: DEMO_HOME=%s examples/demo-service/ctl.sh stop)\n' "$RUNLEDGER_HOME" "$DEMO_PORT" "$DEMO_HOME"
