// Small building blocks shared by the views: status badges, times, error banners, empty states,
// and the data-loading hook.
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { api, describeError, saveText } from '../api/client';
import { absolute, actorName, actorTitle, relative, stateLabel, useNow } from '../format';

/** A run state or step status, coloured by meaning (see styles.css `.st-*`). */
export function Status({ value, testId, label }: { value: string; testId?: string; label?: string }) {
  return (
    <span className={`badge st-${value}`} data-testid={testId} data-status={value}>
      {label ?? stateLabel(value)}
    </span>
  );
}

/** Relative ("3m ago") and absolute local time; the ISO instant in the tooltip. */
export function Time({ iso, compact }: { iso: string | null | undefined; compact?: boolean }) {
  const now = useNow(5000);
  if (!iso) return <span className="muted">–</span>;
  return (
    <time dateTime={iso} title={iso} className="time">
      <span>{relative(iso, now)}</span>
      {!compact && <span className="abs">{absolute(iso)}</span>}
    </time>
  );
}

/** A person or system that did something: one form everywhere (see actorName). */
export function Actor({ id, kind, you }: { id: string; kind?: string; you?: string }) {
  return (
    <span className="actor mono" title={actorTitle(id, kind)} data-actor={id}>
      {actorName(id)}
      {you !== undefined && id === you && <span className="muted"> (you)</span>}
    </span>
  );
}

/** An API or client error with its code and request id, which operators quote when asking for help. */
export function ErrorBanner({ error, what, onDismiss }: { error: unknown; what?: string; onDismiss?: () => void }) {
  if (error === null || error === undefined) return null;
  const e = describeError(error);
  return (
    <div className="banner error" role="alert" data-testid="error-banner" data-code={e.code}>
      <div>
        {what && <strong>{what}: </strong>}
        <code className="code-tag">{e.code}</code> <span className="msg">{e.message}</span>
        {e.requestId && (
          <span className="reqid">
            request id <code>{e.requestId}</code>
          </span>
        )}
      </div>
      {onDismiss && (
        <button type="button" className="link-btn" onClick={onDismiss} aria-label="Dismiss">
          ×
        </button>
      )}
    </div>
  );
}

/** Downloads an entry's inclusion receipt as `<seq>.tlog-proof`; a failure is kept for an ErrorBanner. */
export function useReceiptDownload(): { download: (seq: number) => void; error: unknown; clear: () => void } {
  const [error, setError] = useState<unknown>(null);
  const download = useCallback((seq: number) => {
    setError(null);
    api.ledger.receipt(seq).then((text) => saveText(`${seq}.tlog-proof`, text), setError);
  }, []);
  return { download, error, clear: useCallback(() => setError(null), []) };
}

export function Empty({ children, testId }: { children: ReactNode; testId?: string }) {
  return (
    <div className="empty" data-testid={testId}>
      {children}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return <div className="loading">Loading {what}…</div>;
}

export function Panel({
  title,
  actions,
  children,
  className,
  testId,
}: {
  title: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
  testId?: string;
}) {
  return (
    <section className={`panel ${className ?? ''}`} data-testid={testId}>
      <header className="panel-head">
        <h2>{title}</h2>
        {actions && <div className="panel-actions">{actions}</div>}
      </header>
      <div className="panel-body">{children}</div>
    </section>
  );
}

export function Mono({ children, title }: { children: ReactNode; title?: string }) {
  return (
    <code className="mono" title={title}>
      {children}
    </code>
  );
}

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly loading: boolean;
  /** Fetches again; keeps showing the last data meanwhile (no flicker on refresh). */
  reload(): void;
}

/**
 * Loads `fn()` when `key` changes, and every `pollMs` if given. Answers that arrive after a newer
 * load started are dropped, so a slow response never overwrites a fresh one.
 */
export function useLoad<T>(fn: () => Promise<T>, key: string, pollMs?: number): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean; key: string }>({
    data: undefined,
    error: null,
    loading: true,
    key,
  });
  const gen = useRef(0);
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const load = useCallback(() => {
    const my = ++gen.current;
    setState((s) => ({ ...s, loading: true }));
    fnRef.current().then(
      (data) => my === gen.current && setState({ data, error: null, loading: false, key }),
      (error: unknown) => my === gen.current && setState((s) => ({ data: s.key === key ? s.data : undefined, error, loading: false, key })),
    );
  }, [key]);
  useEffect(() => {
    load();
    if (!pollMs) return;
    // A hidden tab does not poll; it catches up as soon as it is shown again.
    const t = setInterval(() => document.visibilityState !== 'hidden' && load(), pollMs);
    const onShow = (): void => {
      if (document.visibilityState === 'visible') load();
    };
    document.addEventListener('visibilitychange', onShow);
    return () => {
      clearInterval(t);
      document.removeEventListener('visibilitychange', onShow);
    };
  }, [load, pollMs]);
  // Data from another key (the previous run, say) is never shown under the new one.
  const data = state.key === key ? state.data : undefined;
  return { data, error: state.key === key ? state.error : null, loading: state.loading || state.key !== key, reload: load };
}

type Fact = readonly [string, ReactNode];

/** A line of label/value pairs that wraps between pairs, never inside one. */
export function Facts({ items, className }: { items: readonly (Fact | false | null | undefined)[]; className?: string }) {
  return (
    <dl className={`facts ${className ?? ''}`}>
      {items
        .filter((x): x is Fact => Boolean(x))
        .map(([k, v]) => (
          <div key={k} className="fact">
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
    </dl>
  );
}
