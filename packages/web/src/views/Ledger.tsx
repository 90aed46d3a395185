// The ledger: head and checkpoint, verification (run one, see the last), the export download,
// operator notes, and the entries, paged newest first with each entry's JSON one click away. Filters
// (type, run, actor, days) live in the address bar; with any set, entries come from the search.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { LedgerEntry } from '@runledger/server/api-types';
import { api, type Verification } from '../api/client';
import { Actor, ErrorBanner, Loading, Mono, Panel, Time, useLoad, useReceiptDownload } from '../components/common';
import { DayRange, FilterBar, SelectFilter, TextFilter } from '../components/Filters';
import { VerificationResult } from '../components/Verification';
import { dayParam, rangeOf, textParam, withQuery } from '../filters';
import { navigate, useRoute } from '../router';
import { useSession } from '../session';

const PAGE = 50;

function intParam(q: URLSearchParams, k: string): number | undefined {
  const v = q.get(k);
  return v !== null && /^\d{1,12}$/.test(v) ? Number(v) : undefined;
}

/** The type filter's choices: prefixes (ending in *) for families, then the types an operator asks about most. */
const TYPES: readonly (readonly [string, string])[] = [
  ['run.*', 'run.* (everything about runs)'],
  ['run.approval.*', 'run.approval.* (requests and decisions)'],
  ['run.approval.granted', 'run.approval.granted'],
  ['run.approval.rejected', 'run.approval.rejected'],
  ['run.step.*', 'run.step.* (step intents and results)'],
  ['run.operator.*', 'run.operator.* (resume, retry, skip, abort)'],
  ['run.started', 'run.started'],
  ['run.finished', 'run.finished'],
  ['policy.decision', 'policy.decision'],
  ['automation.freeze', 'automation.freeze'],
  ['ops.note', 'ops.note'],
  ['auth.*', 'auth.* (tokens and sessions)'],
  ['ledger.*', 'ledger.* (genesis, key rotations)'],
];

interface LedgerFilters {
  readonly type?: string;
  readonly run?: string;
  readonly actor?: string;
  readonly since?: string;
  readonly until?: string;
}

function filtersOf(query: URLSearchParams): { filters: LedgerFilters; from?: string; to?: string } {
  const type = textParam(query, 'type');
  const run = textParam(query, 'run', 100);
  const actor = textParam(query, 'actor');
  const from = dayParam(query, 'from');
  const to = dayParam(query, 'to');
  return {
    filters: { ...(type && /^[A-Za-z0-9_.:-]+\*?$/.test(type) ? { type } : {}), ...(run ? { run } : {}), ...(actor ? { actor } : {}), ...rangeOf(from, to) },
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
  };
}

export function LedgerView() {
  const { query } = useRoute();
  const focus = intParam(query, 'seq');
  const { filters, from: fromDay, to: toDay } = filtersOf(query);
  const filtered = Object.keys(filters).length > 0;
  const head = useLoad(() => api.ledger.head(), 'ledger-head', 15_000);
  const size = head.data?.size;
  const last = size !== undefined && size > 0 ? Math.floor((size - 1) / PAGE) * PAGE : 0;
  const fromParam = intParam(query, 'from');
  const from = focus !== undefined ? Math.floor(focus / PAGE) * PAGE : fromParam !== undefined ? Math.floor(fromParam / PAGE) * PAGE : last;
  const page = useLoad(
    () => (size === undefined || filtered ? Promise.resolve(null) : api.ledger.entries(from, PAGE)),
    `entries:${from}:${size ?? '?'}:${filtered}`,
  );
  const set = (changes: Record<string, string | undefined>): void =>
    navigate(withQuery('/ledger', query, { ...changes, seq: undefined, from: undefined, before: undefined }));
  const types = filters.type && !TYPES.some(([t]) => t === filters.type) ? [...TYPES, [filters.type, filters.type] as const] : TYPES;

  return (
    <div className="ledger-page">
      <div className="ledger-top">
        <Panel title="Head" testId="ledger-head">
          <ErrorBanner error={head.error} what="Ledger head" />
          {!head.data ? (
            !head.error && <Loading what="head" />
          ) : (
            <dl className="kv">
              <dt>Origin</dt>
              <dd className="mono">{head.data.origin}</dd>
              <dt>Entries</dt>
              <dd data-testid="ledger-size">{head.data.size.toLocaleString()}</dd>
              <dt>Root</dt>
              <dd>
                <Mono title="base64 RFC 6962 root of the latest signed checkpoint">{head.data.root}</Mono>
              </dd>
              <dt>Checkpoint</dt>
              <dd>
                <details>
                  <summary>latest signed checkpoint (C2SP note)</summary>
                  <pre className="note">{head.data.checkpoint}</pre>
                </details>
              </dd>
            </dl>
          )}
        </Panel>
        <VerifyPanel onAppended={head.reload} />
      </div>
      <Panel
        title={
          <>
            Entries{' '}
            {!filtered && size !== undefined && size > 0 && (
              <span className="muted small">
                {from}–{Math.min(size, from + PAGE) - 1} of {size.toLocaleString()}, newest first
              </span>
            )}
            {filtered && <span className="muted small">matching the filters, newest first</span>}
          </>
        }
        testId="ledger-entries"
        actions={filtered ? undefined : <Pager from={from} last={last} size={size} />}
      >
        <FilterBar active={filtered} onClear={() => navigate('/ledger')} testId="ledger-filters">
          <SelectFilter label="Type" value={filters.type} options={types} onChange={(v) => set({ type: v })} testId="ledger-filter-type" />
          <TextFilter
            label="Run"
            value={filters.run}
            onChange={(v) => set({ run: v })}
            placeholder="run id or its start"
            testId="ledger-filter-run"
            width="wide"
          />
          <TextFilter label="Actor" value={filters.actor} onChange={(v) => set({ actor: v })} placeholder="alice" testId="ledger-filter-actor" width="narrow" />
          <DayRange from={fromDay} to={toDay} onChange={(f, t) => set({ from: f, to: t })} testId="ledger-filter-day" />
        </FilterBar>
        {filtered ? (
          <FilteredEntries filters={filters} before={intParam(query, 'before')} size={size} />
        ) : (
          <>
            <ErrorBanner error={page.error} what="Entries" />
            {size === 0 ? (
              <div className="empty">The ledger is empty.</div>
            ) : !page.data ? (
              !page.error && <Loading what="entries" />
            ) : (
              <EntryTable key={`${from}:${focus ?? ''}`} entries={[...page.data.entries].reverse()} focus={focus} />
            )}
          </>
        )}
      </Panel>
    </div>
  );
}

/** Entries matching the filters, a page at a time; "Older" follows the server's cursor through the address bar. */
function FilteredEntries({ filters, before, size }: { filters: LedgerFilters; before: number | undefined; size: number | undefined }) {
  const { query } = useRoute();
  const key = `search:${JSON.stringify(filters)}:${before ?? ''}:${size ?? '?'}`;
  const found = useLoad(() => api.ledger.search({ ...filters, ...(before !== undefined ? { before } : {}), limit: PAGE }), key);
  const page = found.data;
  return (
    <>
      <ErrorBanner error={found.error} what="Search" />
      {!page ? (
        !found.error && <Loading what="entries" />
      ) : (
        <>
          {page.entries.length === 0 ? (
            <div className="empty" data-testid="ledger-no-match">
              {page.next === null ? 'No entry matches these filters.' : `No match among the ${page.scanned.toLocaleString()} entries examined so far.`}
            </div>
          ) : (
            <EntryTable key={key} entries={page.entries} focus={undefined} />
          )}
          <div className="pager filter-pager">
            {before !== undefined && (
              <button type="button" className="btn-small" onClick={() => navigate(withQuery('/ledger', query, { before: undefined }))}>
                ⇤ Newest
              </button>
            )}
            {page.next !== null && (
              <button
                type="button"
                className="btn-small"
                onClick={() => navigate(withQuery('/ledger', query, { before: String(page.next) }))}
                data-testid="ledger-older"
              >
                Older →
              </button>
            )}
            <span className="filter-note">
              {page.entries.length} shown{before !== undefined ? `, before #${before}` : ''}
              {page.next !== null ? '; older matches may follow' : '; no older match'}
            </span>
          </div>
        </>
      )}
    </>
  );
}

function Pager({ from, last, size }: { from: number; last: number; size: number | undefined }) {
  const [jump, setJump] = useState('');
  if (size === undefined || size === 0) return null;
  const go = (f: number): void => navigate(f >= last ? '/ledger' : `/ledger?from=${f}`);
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    if (/^\d+$/.test(jump.trim())) navigate(`/ledger?seq=${Math.min(Number(jump.trim()), size - 1)}`);
  };
  return (
    <div className="pager">
      <button type="button" className="btn-small" disabled={from >= last} onClick={() => go(last)}>
        ⇤ Newest
      </button>
      <button type="button" className="btn-small" disabled={from >= last} onClick={() => go(from + PAGE)} data-testid="ledger-newer">
        ← Newer
      </button>
      <button type="button" className="btn-small" disabled={from === 0} onClick={() => go(Math.max(0, from - PAGE))} data-testid="ledger-older">
        Older →
      </button>
      <button type="button" className="btn-small" disabled={from === 0} onClick={() => go(0)}>
        Oldest ⇥
      </button>
      <form onSubmit={submit} className="jump">
        <input
          value={jump}
          onChange={(e) => setJump(e.target.value)}
          placeholder="seq"
          inputMode="numeric"
          aria-label="Go to entry"
          data-testid="ledger-jump"
        />
      </form>
    </div>
  );
}

/** `kind:id`, without repeating the kind when the id already carries it (token:bob, not token:token:bob). */
function subjectOf(e: LedgerEntry['entry']): string {
  if (!e.subject) return '';
  return e.subject.id.startsWith(`${e.subject.kind}:`) ? e.subject.id : `${e.subject.kind}:${e.subject.id}`;
}

/** One line of what an entry says, from common data fields; the full JSON is a click away. */
function summaryOf(e: LedgerEntry['entry']): string {
  const d = e.data;
  const pick = ['step', 'stepId', 'state', 'reason', 'comment', 'text', 'runbook', 'environment', 'ok', 'exitCode', 'frozen', 'name', 'role'];
  const parts: string[] = [];
  for (const k of pick) {
    const v = d[k];
    if (v === undefined || v === null || typeof v === 'object') continue;
    parts.push(`${k}=${String(v)}`);
    if (parts.length >= 4) break;
  }
  return parts.join(' ');
}

function EntryTable({ entries, focus }: { entries: LedgerEntry[]; focus: number | undefined }) {
  const [open, setOpen] = useState<Set<number>>(() => new Set(focus !== undefined ? [focus] : []));
  const receipts = useReceiptDownload();
  const focusRow = useRef<HTMLTableRowElement | null>(null);
  useEffect(() => {
    // A block body: scrollIntoView returns a Promise in current Chromium, and an effect's return is its cleanup.
    void focusRow.current?.scrollIntoView({ block: 'center' });
  }, []);
  const toggle = (seq: number): void =>
    setOpen((s) => {
      const n = new Set(s);
      if (n.has(seq)) n.delete(seq);
      else n.add(seq);
      return n;
    });
  return (
    <>
      <ErrorBanner error={receipts.error} what="Receipt" onDismiss={receipts.clear} />
      <table className="grid entries">
        <colgroup>
          <col className="c-seq" />
          <col className="c-time" />
          <col className="c-type" />
          <col className="c-actor" />
          <col className="c-subj" />
          <col />
          <col className="c-leaf" />
          <col className="c-receipt" />
        </colgroup>
        <thead>
          <tr>
            <th>Seq</th>
            <th>Time</th>
            <th>Type</th>
            <th>Actor</th>
            <th>Subject</th>
            <th>Data</th>
            <th>Leaf</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {entries.map((x) => {
            const isOpen = open.has(x.seq);
            return [
              <tr
                key={x.seq}
                ref={x.seq === focus ? focusRow : undefined}
                className={`entry-row${x.seq === focus ? ' focus' : ''}${isOpen ? ' open' : ''}`}
                data-testid="ledger-entry"
                data-seq={x.seq}
                data-type={x.entry.type}
              >
                <td className="num">
                  <button type="button" className="link-btn mono" onClick={() => toggle(x.seq)} aria-expanded={isOpen} title="Show the entry's JSON">
                    {isOpen ? '▾' : '▸'} {x.seq}
                  </button>
                </td>
                <td>
                  <Time iso={x.entry.ts} />
                </td>
                <td className="mono small type" title={x.entry.type}>
                  {x.entry.type}
                </td>
                <td className="small">
                  <Actor id={x.entry.actor.id} kind={x.entry.actor.kind} />
                </td>
                <td className="mono small subj" title={subjectOf(x.entry)}>
                  {subjectOf(x.entry)}
                </td>
                <td className="small data" title={summaryOf(x.entry)}>
                  {summaryOf(x.entry)}
                </td>
                <td>
                  <Mono title={`leaf hash ${x.leaf}`}>{x.leaf.slice(0, 10)}…</Mono>
                </td>
                <td>
                  <button
                    type="button"
                    className="btn-small"
                    onClick={() => receipts.download(x.seq)}
                    title="Download an inclusion receipt (C2SP tlog-proof)"
                    data-testid={`receipt-${x.seq}`}
                  >
                    ⤓ receipt
                  </button>
                </td>
              </tr>,
              isOpen && (
                <tr key={`${x.seq}-json`} className="json-row">
                  <td colSpan={8}>
                    <pre className="json">{JSON.stringify(x, null, 2)}</pre>
                  </td>
                </tr>
              ),
            ];
          })}
        </tbody>
      </table>
    </>
  );
}

function VerifyPanel({ onAppended }: { onAppended: () => void }) {
  const { can } = useSession();
  const lastV = useLoad(() => api.ledger.lastVerification(), 'last-verify');
  const [result, setResult] = useState<Verification | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState('');
  const [noteBusy, setNoteBusy] = useState(false);
  const [noteMsg, setNoteMsg] = useState<string | null>(null);
  const [noteError, setNoteError] = useState<unknown>(null);

  const verify = (): void => {
    setBusy(true);
    setError(null);
    api.ledger.verify().then(
      (v) => {
        setResult(v);
        setBusy(false);
      },
      (e: unknown) => {
        setError(e);
        setBusy(false);
        // A failed attempt is recorded as the last verification (`unknown` with its reason): show
        // that, never the earlier result.
        setResult(null);
        lastV.reload();
      },
    );
  };
  const addNote = (e: FormEvent): void => {
    e.preventDefault();
    if (!note.trim()) return;
    setNoteBusy(true);
    setNoteError(null);
    api.ledger.note(note.trim()).then(
      (r) => {
        setNote('');
        setNoteBusy(false);
        setNoteMsg(`note recorded as entry #${r.seq}`);
        onAppended();
      },
      (err: unknown) => {
        setNoteBusy(false);
        setNoteError(err);
      },
    );
  };
  const shown = result ?? lastV.data?.last ?? null;

  return (
    <Panel title="Verification" testId="ledger-verify">
      <p className="muted small">
        Exports the ledger and checks it as an auditor would (<code>runledger-verify</code>): every entry, the hash chain, the Merkle root and the checkpoint
        signatures against the trusted keys.
      </p>
      <div className="row-actions">
        <button type="button" className="primary" onClick={verify} disabled={busy} data-testid="verify-button">
          {busy ? 'Verifying…' : 'Verify now'}
        </button>
        <a className="button" href={api.ledger.exportUrl} download data-testid="export-link">
          ⤓ Export (tar)
        </a>
      </div>
      <ErrorBanner error={error} what="Verification" />
      {shown ? (
        <>
          {!result && <div className="muted small">Last verification:</div>}
          <VerificationResult v={shown} />
        </>
      ) : (
        !busy && lastV.data && <div className="empty-inline">Not verified yet: press “Verify now”.</div>
      )}
      {can('operator') && (
        <form className="note-form" onSubmit={addNote}>
          <input
            value={note}
            onChange={(e) => setNote(e.target.value)}
            placeholder="Add an operator note to the ledger…"
            maxLength={8192}
            data-testid="note-input"
          />
          <button type="submit" className="btn-small" disabled={noteBusy || !note.trim()} data-testid="note-submit">
            Add note
          </button>
          {noteMsg && <span className="ok-text small">{noteMsg}</span>}
        </form>
      )}
      <ErrorBanner error={noteError} what="Note" />
    </Panel>
  );
}
