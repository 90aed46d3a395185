#!/usr/bin/env bash
# The system packages the build and the tests need, installed with Debian's apt when missing, so
# `npm ci && npm test` sets up a fresh machine by itself (CI's .ci/run calls this same script).
# Each line: a file or command that proves the package is there, and the Debian package.
# Nothing is skipped: without root or apt, it names what is missing and exits non-zero.
set -euo pipefail

NEEDS=(
  "cmd:g++ g++"                                   # better-sqlite3 builds from source here
  "cmd:make make"
  "cmd:python3 python3"
  "cmd:pg_ctlcluster postgresql"                  # the PostgreSQL suites (a server on 127.0.0.1:5432); its server programs
                                                  # (initdb, pg_ctl, pg_basebackup, pg_verifybackup) run a private cluster in the physical-backup test
  "cmd:psql postgresql-client"
  "file:/usr/bin/chromium chromium"               # browser tests (playwright-core drives Debian's build)
  "cmd:openssl openssl"                           # the https probe tests make their certificates with the openssl CLI
  "cmd:tar tar"                                   # the export test reads the API's archive with GNU tar
  "cmd:promtool prometheus"                       # rules/runledger.rules.yml: promtool check/test rules
  "cmd:prometheus-alertmanager prometheus-alertmanager"  # the alert intake tests: a real Alertmanager 0.25 posts its webhooks
  "cmd:prometheus-blackbox-exporter prometheus-blackbox-exporter"  # the health.probes bench: Debian's blackbox_exporter 0.23 probes beside ours
)

missing=()
for need in "${NEEDS[@]}"; do
  probe="${need%% *}" pkg="${need#* }"
  case "$probe" in
    cmd:*) command -v "${probe#cmd:}" >/dev/null 2>&1 || missing+=("$pkg") ;;
    file:*) [ -e "${probe#file:}" ] || missing+=("$pkg") ;;
  esac
done
[ "${#missing[@]}" -eq 0 ] && exit 0

echo "system packages missing for the tests: ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "install them (Debian: sudo apt-get install -y ${missing[*]}) and run the tests again" >&2
  exit 1
fi
echo "installing with apt-get (about a minute for chromium)…" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
