// `runledger release create|deploy|status|rollback|approve|list|show|evidence|log`: flags in, the
// release driver (runtime) does the work in this process, the API's JSON shapes out with --json.
// Exit codes: 0 announced or rolled back as asked, 1 failed or rolled back by a gate, 2 bad input,
// 3 refused by policy or by a failed ledger verification, 4 waiting for an approval.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { configDuration, currentRelease, RELEASE_STATES, type Release } from '@runledger/core';
import {
  evidenceLedgerOf,
  HealthService,
  loaded,
  releaseWindow,
  sloReport,
  rollbackLogLines,
  RuntimeError,
  writeReleaseEvidence,
  type LedgerLocation,
  type PendingRollback,
  type ReleaseDriver,
} from '@runledger/runtime';
import { releaseJson } from '@runledger/server';
import { positiveInt } from '../args.js';
import { CATALOG_FLAG } from '../health/catalog.js';
import type { Io } from '../io.js';
import { whoFromEnv } from '../runs.js';
import { setReleaseExit } from './exit.js';
import { withReleases, type ReleaseCliOptions } from './open.js';
import { exitOf, printRelease, progressPrinter, releaseLine } from './text.js';

interface CommonOptions extends ReleaseCliOptions {
  readonly wait?: boolean;
}

const RUNBOOKS_FLAG = ['--runbooks <dir>', 'the runbooks directory (default: $RUNLEDGER_RUNBOOKS, else examples/runbooks)'] as const;

function common(c: Command): Command {
  return c
    .option(...CATALOG_FLAG)
    .option(...RUNBOOKS_FLAG)
    .option('--json', 'print the API’s JSON shape');
}

export function registerReleaseCommands(program: Command, io: Io, location: () => LedgerLocation, defaultUser: () => string): void {
  const who = () => whoFromEnv(io.env, defaultUser());
  const release = program.command('release').description('releases: create, deploy, status, rollback, approve, list, show, evidence, log');

  const print = (r: Release, pending: PendingRollback | null, o: { json?: boolean }): void => {
    if (o.json) io.out(`${JSON.stringify(releaseJson(r, pending))}\n`);
    else printRelease(io, r, pending);
  };

  /** Drives the release to rest here (the bake window included) printing its progress, unless --no-wait. */
  const settle = async (driver: ReleaseDriver, id: string, o: CommonOptions): Promise<Release> => {
    if (o.wait === false) return driver.service.get(id);
    const show = progressPrinter(io);
    const on = (r: Release): void => {
      if (r.id === id) show(r);
    };
    driver.service.events.on('changed', on);
    try {
      show(await driver.service.get(id));
      driver.start(1000);
      return await driver.settled(id);
    } finally {
      driver.service.events.off('changed', on);
    }
  };

  common(
    release
      .command('create')
      .description('a new release of a service in an environment, with the catalog’s gates (planned; --deploy starts it)')
      .argument('<service>', 'the catalog service')
      .argument('<version>', 'the version (seed 000: images pinned to :X.Y.Z)')
      .requiredOption('--env <name>', 'the environment')
      .requiredOption('--artifact <ref>', 'the artifact: an image reference, or any artifact’s name')
      .requiredOption('--digest <sha256:…>', 'the artifact’s SHA-256')
      .option('--manifest-digest <sha256:…>', 'the deployment manifest’s SHA-256')
      .option('--migration <id>', 'the schema migration it carries')
      .option('--migration-kind <kind>', 'additive | destructive (seed 000: decides image-only or downgrade rollbacks)', 'additive')
      .option('--migration-revision <rev>', 'the schema revision it leaves the database at')
      .option('--bake <duration>', 'the bake window (default: the catalog’s, else 10m)')
      .option('--deploy', 'start the deploy at once and drive it here')
      .option('--no-wait', 'with --deploy: return once it started'),
  ).action(
    async (
      service: string,
      version: string,
      o: CommonOptions & {
        env: string;
        artifact: string;
        digest: string;
        manifestDigest?: string;
        migration?: string;
        migrationKind: string;
        migrationRevision?: string;
        bake?: string;
        deploy?: boolean;
      },
    ) => {
      const kind = o.migrationKind;
      if (kind !== 'additive' && kind !== 'destructive' && kind !== 'none')
        throw new RuntimeError('USAGE', `--migration-kind ${kind}: expected additive, destructive or none`);
      const bakeMs = o.bake !== undefined ? configDuration(o.bake) : undefined;
      if (o.bake !== undefined && bakeMs === undefined) throw new RuntimeError('USAGE', `--bake ${o.bake}: expected a duration such as 30s, 10m or 1h`);
      await withReleases(io, location, o, async ({ driver }) => {
        const by = who().actor.id;
        let r = await driver.service.create({
          service,
          env: o.env,
          version,
          artifact: { ref: o.artifact, digest: o.digest },
          ...(o.manifestDigest !== undefined ? { manifestDigest: o.manifestDigest } : {}),
          ...(o.migration !== undefined ? { migration: { id: o.migration, kind, ...(o.migrationRevision ? { revision: o.migrationRevision } : {}) } } : {}),
          requestedBy: by,
          ...(bakeMs !== undefined ? { bake: { durationMs: bakeMs } } : {}),
        });
        if (o.deploy) {
          await driver.service.deploy(r.id, by);
          r = await settle(driver, r.id, o);
          setReleaseExit(exitOf(r, 'deploy', false));
        }
        print(r, null, o);
      });
    },
  );

  common(
    release
      .command('deploy')
      .description('start a planned release’s deploy and drive it here: deploy runbook, gates, bake window')
      .argument('<id>', 'release id or a unique prefix')
      .option('--no-wait', 'return once it started (a running server, or a later `release status`, carries it on)'),
  ).action(async (id: string, o: CommonOptions) => {
    await withReleases(io, location, o, async ({ driver }) => {
      const r0 = await driver.service.deploy(id, who().actor.id);
      const r = await settle(driver, r0.id, o);
      setReleaseExit(exitOf(r, 'deploy', false));
      const l = await driver.service.load(r.id);
      print(l.release, l.pending, o);
    });
  });

  common(
    release
      .command('rollback')
      .description('roll a service back in an environment: the ledger is verified first; image-only, or a downgrade to --revision')
      .argument('<service>', 'the catalog service')
      .requiredOption('--env <name>', 'the environment')
      .requiredOption('--reason <text>', 'why (recorded with the rollback, seed 003)')
      .option('--to <release>', 'an announced release to go back to (default: the previous good one)')
      .option('--from <release>', 'the release to roll back (default: the one in place)')
      .option('--revision <rev>', 'the schema revision to downgrade to (a destructive migration needs one, and an approval)')
      .option('--override-reason <text>', 'admins: roll back although the ledger does not verify; recorded')
      .option('--no-wait', 'return once it started'),
  ).action(
    async (service: string, o: CommonOptions & { env: string; reason: string; to?: string; from?: string; revision?: string; overrideReason?: string }) => {
      await withReleases(io, location, o, async ({ driver }) => {
        const w = who();
        const out = await driver.rollback({
          service,
          env: o.env,
          reason: o.reason,
          actor: w.actor.id,
          roles: w.roles,
          ...(o.to !== undefined ? { to: o.to } : {}),
          ...(o.from !== undefined ? { from: o.from } : {}),
          ...(o.revision !== undefined ? { revision: o.revision } : {}),
          ...(o.overrideReason !== undefined ? { override: { reason: o.overrideReason } } : {}),
        });
        if ('pending' in out) {
          setReleaseExit(exitOf(out.release, 'rollback', true));
          if (!o.json) io.err(`waiting for an approval: ${out.pending.why}; approve with \`runledger release approve ${out.release.id}\` as someone else\n`);
          print(out.release, out.pending, o);
          return;
        }
        const r = await settle(driver, out.started.id, o);
        setReleaseExit(exitOf(r, 'rollback', false));
        print(r, null, o);
      });
    },
  );

  common(
    release
      .command('approve')
      .description('approve the rollback waiting on a release (not the person who asked), then drive it here')
      .argument('<id>', 'release id or a unique prefix')
      .option('--no-wait', 'return once it started'),
  ).action(async (id: string, o: CommonOptions) => {
    await withReleases(io, location, o, async ({ driver }) => {
      const w = who();
      const r0 = await driver.approve(id, w.actor.id, w.roles);
      const r = await settle(driver, r0.id, o);
      setReleaseExit(exitOf(r, 'rollback', false));
      print(r, null, o);
    });
  });

  common(
    release
      .command('status')
      .description('what runs where: each service and environment, the release in place and the newest one')
      .argument('[service]', 'only this service')
      .option('--env <name>', 'only this environment'),
  ).action(async (service: string | undefined, o: CommonOptions & { env?: string }) => {
    await withReleases(io, location, o, async ({ driver }) => {
      const rows = (await driver.service.releases.latestPerTarget()).filter((t) => (!service || t.service === service) && (!o.env || t.env === o.env));
      const out = [];
      for (const t of rows) {
        const all = await driver.service.ofTarget(t.service, t.env);
        const cur = currentRelease(all, t.service, t.env);
        const latest = all[all.length - 1]!;
        out.push({ service: t.service, env: t.env, current: cur ? { id: cur.id, version: cur.version } : null, latest: releaseJson(latest, null) });
      }
      if (o.json) io.out(`${JSON.stringify({ targets: out })}\n`);
      else if (out.length === 0) io.out('no releases\n');
      else
        for (const t of out)
          io.out(
            `${t.service}@${t.env}: running ${t.current ? `${t.current.version} (${t.current.id})` : 'nothing known'}; newest ${t.latest.version} ${t.latest.state}\n`,
          );
    });
  });

  common(
    release
      .command('list')
      .description('releases, newest first')
      .option('--service <name>', 'only this service')
      .option('--env <name>', 'only this environment')
      .option('--state <state>', RELEASE_STATES.join('|'))
      .option('--limit <n>', 'at most this many', '50'),
  ).action(async (o: CommonOptions & { service?: string; env?: string; state?: string; limit: string }) => {
    if (o.state !== undefined && !(RELEASE_STATES as readonly string[]).includes(o.state))
      throw new RuntimeError('USAGE', `--state ${o.state}: expected one of ${RELEASE_STATES.join(', ')}`);
    const limit = positiveInt('--limit', o.limit)!;
    await withReleases(io, location, o, async ({ driver }) => {
      const rows = await driver.service.releases.list({
        ...(o.service ? { service: o.service } : {}),
        ...(o.env ? { env: o.env } : {}),
        ...(o.state ? { states: [o.state] } : {}),
        limit,
      });
      const list = rows.map((row) => ({ r: loaded(row).release, p: loaded(row).pending }));
      if (o.json) io.out(`${JSON.stringify({ releases: list.map((x) => releaseJson(x.r, x.p)) })}\n`);
      else if (list.length === 0) io.out('no releases\n');
      else for (const x of list) io.out(`${releaseLine(x.r)}\n`);
    });
  });

  common(release.command('show').description('one release: gates, bake window, failure, rollback').argument('<id>', 'release id or a unique prefix')).action(
    async (id: string, o: CommonOptions) => {
      await withReleases(io, location, o, async ({ driver }) => {
        const l = await driver.service.load(id);
        print(l.release, l.pending, o);
      });
    },
  );

  common(
    release
      .command('evidence')
      .description('write the release’s evidence bundle to DIR; check it offline with `runledger-verify evidence DIR --trust FILE`')
      .argument('<id>', 'release id or a unique prefix')
      .requiredOption('--out <dir>', 'a new or empty directory'),
  ).action(async (id: string, o: CommonOptions & { out: string }) => {
    await withReleases(io, location, o, async ({ driver, ctx, catalog }) => {
      // The SLO report for the release's window, as `runledger slo report` gives it for the same period.
      let slo: unknown;
      if (catalog && catalog.slos.length > 0) {
        const h = new HealthService({ store: ctx.ledger.store, catalog });
        await h.open();
        const win = releaseWindow(await driver.service.get(id), new Date().toISOString());
        slo = await sloReport(h, Date.parse(win.from), Date.parse(win.to));
      }
      const w = await writeReleaseEvidence(driver.service, ctx.ledger.store, id, {
        dir: resolve(io.cwd, o.out),
        ...(slo !== undefined ? { slo } : {}),
        actor: who().actor,
        ledger: evidenceLedgerOf(ctx.ledger.writer!, ctx.ledger.reader),
      });
      const summary = {
        dir: w.dir,
        release: w.release.id,
        manifestSha256: w.manifestSha256,
        files: w.files,
        bytes: w.bytes,
        entry: w.index,
        checkpointSize: w.checkpointSize,
      };
      if (o.json) io.out(`${JSON.stringify(summary)}\n`);
      else
        io.out(
          `wrote ${w.files} files (${w.bytes} bytes) to ${w.dir}\nmanifest sha256:${w.manifestSha256}, recorded at ledger entry ${w.index} (checkpoint ${w.checkpointSize})\n`,
        );
    });
  });

  common(
    release
      .command('log')
      .description('seed 003’s rollback log from the ledger’s release.rollback entries: <time> | rollback | <outcome> | from=… | to=… | actor=… | reason=…')
      .option('--service <name>', 'only this service')
      .option('--env <name>', 'only this environment'),
  ).action(async (o: CommonOptions & { service?: string; env?: string }) => {
    await withReleases(io, location, o, async ({ driver, ctx }) => {
      const filtered = o.service !== undefined || o.env !== undefined;
      const rows = filtered
        ? await driver.service.releases.list({ ...(o.service ? { service: o.service } : {}), ...(o.env ? { env: o.env } : {}), limit: 100_000 })
        : [];
      const lines = await rollbackLogLines(ctx.ledger.store, filtered ? new Set(rows.map((r) => r.id)) : undefined);
      if (o.json) io.out(`${JSON.stringify(lines)}\n`);
      else for (const l of lines) io.out(`${l}\n`);
    });
  });
}
