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

# Alerts and incidents: an Alertmanager integration (its token in a 0600 file), and a pager inbox on the
# demo service that Runledger's signed webhooks reach (GET http://127.0.0.1:$DEMO_PORT/notifications).
ops="$RUNLEDGER_HOME/operations.yaml"
if [ ! -f "$ops" ]; then
  say "alerts and incidents: $ops"
  umask 077
  node -e 'process.stdout.write(require("crypto").randomBytes(24).toString("hex"))' > "$RUNLEDGER_HOME/alertmanager.token"
  node -e 'process.stdout.write("whsec_" + require("crypto").randomBytes(32).toString("base64"))' > "$RUNLEDGER_HOME/webhook.secret"
  umask 022
  cat > "$ops" <<YAML
# The demo's operations file (docs/operations.md has every key; examples/operations/operations.yaml is seed 001's).
integrations:
  - name: prometheus          # POST /api/v1/integrations/alertmanager/prometheus, bearer token in alertmanager.token
    type: alertmanager
    secret: file:$RUNLEDGER_HOME/alertmanager.token
receivers:
  - name: demo-pager
    webhook:
      url: http://127.0.0.1:$DEMO_PORT/notifications
      secret: file:$RUNLEDGER_HOME/webhook.secret
  - name: oncall-mail
    email: { to: [oncall@demo.test], from: runledger@demo.test, smtp: { host: 127.0.0.1, port: 2525 } }
route:
  receiver: demo-pager
  groupBy: [alertname, service]
  routes:
    # Seed 001's escalation drill (runledger drill run escalation): level 1 mails who is on call, level 2
    # mails bob after the deadline. A drill's mail goes only to the drill's own mail sink (docs/drills.md).
    - matchers: ['alertname="RunledgerEscalationDrill"']
      receiver: oncall-mail
      escalation: drill-page
people:
  - name: alice
    email: alice@demo.test
  - name: bob
    email: bob@demo.test
schedules:
  - name: primary
    timeZone: UTC
    layers:
      - name: weekly
        users: [alice, bob]
        start: 2026-12-07T09:00
        every: 7d
escalationPolicies:
  - name: page
    levels:
      - after: 0m
        targets: [receiver:demo-pager]
      - after: deadline
        targets: [receiver:demo-pager]
  - name: drill-page
    levels:
      - after: 0m
        targets: [schedule:primary]
      - after: deadline
        targets: [person:bob]
incidents:
  ackDeadlines: { SEV-1: 15m, SEV-2: 30m, SEV-3: 4h }
YAML
fi

# Continuous health: the demo service (backend and proxy), Runledger itself, and the machine's PostgreSQL
# and Redis, checked every few seconds; seed 002's checklist for the demo service (docs/catalog.md).
catalog="$RUNLEDGER_HOME/catalog.yaml"
if [ ! -f "$catalog" ]; then
  say "service catalog: $catalog"
  cat > "$catalog" <<YAML
# The demo's service catalog (docs/catalog.md has every key; examples/catalog/catalog.yaml is seeds 004 and 002).
services:
  - name: demo
    description: The API of seed 002's operator runbook, played by examples/demo-service
    owner: team-ledger
    severity: SEV-2
    escalation: page
    runbooks: { deploy: upgrade-rolling, verify: readiness, rollback: rollback-image, downgrade: rollback-schema }
    # Releases (docs/catalog.md, \$.services[].release): gated by demo-release, a 5 s bake, rolled back
    # automatically when a gate fails, then seed 003's checks.
    release:
      checklist: demo-release
      postRollback: demo-post-rollback
      bake: 5s
      autoRollback: on
      inputs: { demo_port: "$DEMO_PORT", demo_home: "$DEMO_HOME", public_url: "http://127.0.0.1:$DEMO_PROXY_PORT" }
    dependsOn:
      - service: postgres
      - service: redis
        optional: true
    checks:
      - name: liveness
        http: { url: "http://127.0.0.1:$DEMO_PORT/health" }
        interval: 5s
        timeout: 2s
        conditions: ['status == 200', 'json.\$.status == "ok"', 'latency < 500ms']
      - name: ready
        http: { url: "http://127.0.0.1:$DEMO_PORT/ready" }
        interval: 5s
        timeout: 2s
        optional: true
        conditions: ['status == 200', 'json.\$.ready == true']
      - name: compliance-mode
        http: { url: "http://127.0.0.1:$DEMO_PORT/health" }
        interval: 15s
        conditions: ['json.\$.compliance_mode == true']
      - name: queue
        http: { url: "http://127.0.0.1:$DEMO_PORT/queue" }
        interval: 15s
  - name: demo-proxy
    description: The front proxy (seed 000's public /healthz)
    owner: team-ledger
    severity: SEV-2
    dependsOn: [{ service: demo }]
    checks:
      - name: healthz
        http: { url: "http://127.0.0.1:$DEMO_PROXY_PORT/healthz" }
        interval: 5s
        timeout: 2s
  - name: runledger
    description: This Runledger server
    owner: team-ledger
    checks:
      - name: ready
        http: { url: "http://127.0.0.1:$PORT/ready" }
        interval: 10s
        conditions: ['status == 200', 'json.\$.ready == true']
  - name: postgres
    description: The machine's PostgreSQL
    checks:
      - name: ready
        postgres: { url: "postgres://postgres@127.0.0.1:5432/postgres", query: "SELECT 1" }
        interval: 10s
  - name: redis
    description: The machine's Redis
    checks:
      - name: ping
        redis: { host: 127.0.0.1, port: 6379 }
        interval: 10s

checklists:
  # Seed 002's final health validation for the demo service. Its three Prometheus statements are in
  # examples/catalog/catalog.yaml; the demo runs no Prometheus, so they are left out here.
  - name: demo-healthy
    items:
      - name: Liveness endpoint returns healthy
        check: demo/liveness
      - name: Readiness endpoint returns ready with no failed checks
        check: demo/ready
      - name: System event ledger is queryable and verifies offline
        ledger: verifies
        mode: full
      - name: No emergency bypasses or insecure overrides remain enabled
        noBypass: true
      - name: No open SEV-1 incident
        noOpenIncident: { severity: SEV-1 }
      - name: Runledger itself is ready
        ready: runledger

  # Seed 000's gate for a demo release, and seed 003's checks after a rollback.
  - name: demo-release
    items:
      - check: demo/liveness
      - check: demo/ready
      - noOpenIncident: { severity: SEV-1, service: demo }
  # Recovery, measured (seed 001: RPO 15 min, RTO 60 min, a restore drill monthly, an escalation drill
  # each release cycle): the newest verified backup, the last drills, the ledger.
  - name: runledger-recovery
    items:
      - backup: fresh
      - drill: { kind: restore, within: 31d }
      - drill: { kind: escalation, within: 31d }
      - ledger: verifies
  - name: demo-post-rollback
    items:
      - check: demo/liveness
      - check: demo/ready
      - check: demo/queue
      - ledger: verifies
      - check: demo/compliance-mode

slos:
  - name: demo-availability
    service: demo
    checks: [demo/liveness]
    objective: 99.9
    window: 30d
  - name: demo-latency
    service: demo
    checks: [demo/liveness]
    objective: 95
    latency: 250ms
    window: 30d
YAML
fi

# Job schedules: a backup every ten minutes (seed 001's RPO is 15 min) and seed 001's monthly restore drill.
schedules="$RUNLEDGER_HOME/schedules.yaml"
if [ ! -f "$schedules" ]; then
  say "job schedules: $schedules"
  cat > "$schedules" <<YAML
# The demo's schedules (docs/schedules.md has every key; examples/schedules.yaml is seed 001's).
schedules:
  - name: store-backup
    description: Runledger's own store every ten minutes (RPO target 15 min, seed 001); the newest 6 kept
    cron: "*/10 * * * *"
    job: { backup: { keep: 6 } }
  - name: monthly-restore-drill
    description: seed 001's monthly restore drill
    cron: "0 4 1 * *"
    timezone: Europe/Berlin
    job: { drill: { kind: restore } }
YAML
fi

say "the demo service (port $DEMO_PORT, proxy $DEMO_PROXY_PORT, state in $DEMO_HOME)"
mkdir -p "$DEMO_HOME"
[ -f "$DEMO_HOME/env" ] || printf 'DEMO_AUDIT_DSN=postgres://audit_writer@127.0.0.1:5432/audit\nDEMO_PROXY_PORT=%s\nDEMO_COMPLIANCE_MODE=1\n' "$DEMO_PROXY_PORT" > "$DEMO_HOME/env"
examples/demo-service/ctl.sh status >/dev/null 2>&1 || examples/demo-service/ctl.sh start >&2
rl lint examples/runbooks >&2

stop() {
  [ -n "${server:-}" ] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  examples/demo-service/ctl.sh stop >/dev/null 2>&1 || true
}
trap stop EXIT
trap 'exit 130' INT TERM

# A first backup before the server starts, so its RPO check (RUNLEDGER_BACKUP_RPO, 15 min) holds from the start.
if [ ! -f "$RUNLEDGER_HOME/.demo-backup" ]; then
  say "a first backup of the store (docs/backups.md)"
  rl backup now >&2 && touch "$RUNLEDGER_HOME/.demo-backup"
fi

# node itself in the background (not through the rl function, whose subshell would hide its pid).
RUNLEDGER_LOG_LEVEL="${RUNLEDGER_LOG_LEVEL:-warn}" node packages/cli/bin/runledger.js serve --port "$PORT" --runbooks examples/runbooks --schedules "$schedules" &
server=$!
for _ in $(seq 1 100); do
  node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "http://127.0.0.1:$PORT/ready" && break
  kill -0 "$server" 2>/dev/null || { echo "runledger serve exited; see the lines above" >&2; exit 1; }
  sleep 0.1
done

# Two releases through the API, the first time only (before the demo alert, whose SEV-1 would fail the
# release gate): 1.1.0 is announced after its gates and bake; 2.0.0-bad fails and is rolled back to 1.1.0.
if [ ! -f "$RUNLEDGER_HOME/.demo-releases" ]; then
  say "releases: demo 1.1.0 (announced) and 2.0.0-bad (fails, rolled back automatically)"
  node scripts/demo-releases.mjs "http://127.0.0.1:$PORT" "$tokens" && touch "$RUNLEDGER_HOME/.demo-releases"
fi

# Two drills through the API, the first time only: a restore drill (RTO, RPO) and an escalation drill
# (mail in the built-in sink, level 2 after the deadline); each one's evidence verified offline.
if [ ! -f "$RUNLEDGER_HOME/.demo-drills" ]; then
  say "drills: restore (RTO/RPO) and escalation (mail sink), evidence verified offline"
  node scripts/demo-drills.mjs "http://127.0.0.1:$PORT" "$tokens" "$RUNLEDGER_HOME/trust.vkeys" && touch "$RUNLEDGER_HOME/.demo-drills"
fi

# One alert as Alertmanager would send it, the first time only: the Incidents page then has a SEV-1 to
# acknowledge. The token is read from its file by node, never put on a command line.
if [ ! -f "$RUNLEDGER_HOME/.demo-alert-sent" ]; then
  node -e '
    const [url, tokenFile] = process.argv.slice(1);
    const token = require("fs").readFileSync(tokenFile, "utf8").trim();
    const now = new Date().toISOString();
    const alert = (instance) => ({ status: "firing", labels: { alertname: "DemoLatencyHigh", service: "demo", instance, severity: "critical" },
      annotations: { summary: "Demo service p95 latency above 250 ms", runbook: "restart-demo" }, startsAt: now, endsAt: "0001-01-01T00:00:00Z",
      generatorURL: "", fingerprint: require("crypto").createHash("sha256").update(instance).digest("hex").slice(0, 16) });
    const body = { version: "4", groupKey: "{}:{alertname=\"DemoLatencyHigh\"}", truncatedAlerts: 0, status: "firing", receiver: "runledger",
      groupLabels: { alertname: "DemoLatencyHigh" }, commonLabels: { alertname: "DemoLatencyHigh", service: "demo", severity: "critical" },
      commonAnnotations: {}, externalURL: "http://alertmanager.demo:9093", alerts: [alert("demo-1:7390"), alert("demo-2:7390")] };
    fetch(url, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify(body) })
      .then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1));
  ' "http://127.0.0.1:$PORT/api/v1/integrations/alertmanager/prometheus" "$RUNLEDGER_HOME/alertmanager.token" && touch "$RUNLEDGER_HOME/.demo-alert-sent"
fi

cat >&2 <<EOF

  Runledger is up:   http://127.0.0.1:$PORT/
  Sign in with one of these tokens (paste it on the sign-in page):
    admin     ada    $ADMIN_TOKEN
    operator  alice  $OPERATOR_TOKEN
    approver  bob    $APPROVER_TOKEN   (release manager: approves release-smoke)

  Try: sign in as alice → Runbooks → "Release smoke gate" → Start (version 1.0.0, environment local);
  it stops at the announce gate. Sign in as bob (another browser profile) → approve with a comment.
  Then Ledger → Verify. Tokens are kept in $tokens (mode 0600).

  Incidents: a SEV-1 (DemoLatencyHigh) came in as an Alertmanager webhook; acknowledge it as alice before
  its 15-minute deadline. Pages land in the demo service's inbox: http://127.0.0.1:$DEMO_PORT/notifications

  Releases: demo 1.1.0 was announced after its gates and bake window; 2.0.0-bad failed and was rolled
  back to 1.1.0 (Releases shows the timeline; each release its gates, runs and evidence).
    npx runledger release log                 # seed 003's rollback line, from the ledger

  Drills: a restore drill (RTO, RPO) and an escalation drill (mail sink, level 2 after the deadline)
  ran; Drills shows them against seed 001's targets, with charts and each one's evidence. Schedules
  shows a backup every ten minutes and the monthly restore drill ($schedules).
    npx runledger health runledger-recovery   # backup fresh, drills passed, ledger verifies

  Health: Services shows the demo service, its proxy, Runledger, PostgreSQL and Redis, checked every few
  seconds ($catalog). Break the demo service (examples/demo-service/ctl.sh break): within three checks
  it is down, the proxy is down because of it, and an incident opens; ctl.sh fix heals it.
    npx runledger health demo-healthy     # seed 002's checklist, each item with its evidence

  The CLI on the same data (its runs show in the UI):
    export RUNLEDGER_HOME=$RUNLEDGER_HOME
    npx runledger run examples/runbooks/release-smoke.md --input version=1.0.0 --env local

  Ctrl-C stops the server and the demo service.

EOF
wait "$server"
