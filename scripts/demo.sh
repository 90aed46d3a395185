#!/usr/bin/env bash
# The main job (`npm run demo`): Runledger on the embedded default (SQLite in ./.runledger-demo), the
# demo service it operates, the example runbooks, and the web UI — with demo tokens printed so a new
# user can sign in, run release-smoke, approve it as a second person and verify the ledger.
# Ctrl-C stops the server (it drains) and the demo service.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f packages/cli/dist/main.js ] && [ -f packages/web/dist/index.html ] || npm run build >/dev/null
export RUNLEDGER_HOME="${RUNLEDGER_HOME:-$PWD/.runledger-demo}"
# The runbooks' input defaults point at this demo service: ./.demo, port 7390, proxy 7391.
export DEMO_HOME="${DEMO_HOME:-$PWD/.demo}" DEMO_PORT="${DEMO_PORT:-7390}" DEMO_PROXY_PORT="${DEMO_PROXY_PORT:-7391}"
PORT="${RUNLEDGER_PORT:-7340}"
rl() { node packages/cli/bin/runledger.js "$@"; }
say() { printf '\033[1m== %s\033[0m\n' "$*" >&2; }

if [ ! -f "$RUNLEDGER_HOME/trust.vkeys" ]; then
  say "a new ledger in $RUNLEDGER_HOME"
  rl init --origin "demo.runledger.local/ledger" >&2
fi

# Demo tokens: created once, kept 0600 beside the data so a restart prints the same ones.
tokens="$RUNLEDGER_HOME/demo-tokens.env"
if [ ! -f "$tokens" ]; then
  say "demo API tokens (admin ada, operator alice, approver bob who is also a release manager)"
  umask 077
  {
    printf 'ADMIN_TOKEN=%s\n' "$(rl tokens create --name ada --role admin 2>/dev/null)"
    printf 'OPERATOR_TOKEN=%s\n' "$(rl tokens create --name alice --role operator 2>/dev/null)"
    printf 'APPROVER_TOKEN=%s\n' "$(rl tokens create --name bob --role approver --groups release-manager 2>/dev/null)"
  } > "$tokens.partial"
  mv "$tokens.partial" "$tokens"
  umask 022
fi
# shellcheck disable=SC1090
. "$tokens"

say "the demo service (port $DEMO_PORT, proxy $DEMO_PROXY_PORT, state in $DEMO_HOME)"
mkdir -p "$DEMO_HOME"
[ -f "$DEMO_HOME/env" ] || printf 'DEMO_AUDIT_DSN=postgres://audit_writer@127.0.0.1:5432/audit\nDEMO_PROXY_PORT=%s\n' "$DEMO_PROXY_PORT" > "$DEMO_HOME/env"
examples/demo-service/ctl.sh status >/dev/null 2>&1 || examples/demo-service/ctl.sh start >&2
rl lint examples/runbooks >&2

stop() {
  [ -n "${server:-}" ] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  examples/demo-service/ctl.sh stop >/dev/null 2>&1 || true
}
trap stop EXIT
trap 'exit 130' INT TERM

# node itself in the background (not through the rl function, whose subshell would hide its pid).
RUNLEDGER_LOG_LEVEL="${RUNLEDGER_LOG_LEVEL:-warn}" node packages/cli/bin/runledger.js serve --port "$PORT" --runbooks examples/runbooks &
server=$!
for _ in $(seq 1 100); do
  node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "http://127.0.0.1:$PORT/ready" && break
  kill -0 "$server" 2>/dev/null || { echo "runledger serve exited; see the lines above" >&2; exit 1; }
  sleep 0.1
done

cat >&2 <<EOF

  Runledger is up:   http://127.0.0.1:$PORT/
  Sign in with one of these tokens (paste it on the sign-in page):
    admin     ada    $ADMIN_TOKEN
    operator  alice  $OPERATOR_TOKEN
    approver  bob    $APPROVER_TOKEN   (release manager: approves release-smoke)

  Try: sign in as alice → Runbooks → "Release smoke gate" → Start (version 1.0.0, environment local);
  it stops at the announce gate. Sign in as bob (another browser profile) → approve with a comment.
  Then Ledger → Verify. Tokens are kept in $tokens (mode 0600).

  The CLI on the same data (its runs show in the UI):
    export RUNLEDGER_HOME=$RUNLEDGER_HOME
    npx runledger run examples/runbooks/release-smoke.md --input version=1.0.0 --env local

  Ctrl-C stops the server and the demo service.

EOF
wait "$server"
