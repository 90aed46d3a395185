// One runbook: its Markdown as written (steps are the fenced blocks with {#id}), and the run form
// beside it.
import { api } from '../api/client';
import { ErrorBanner, Loading, useLoad } from '../components/common';
import { Markdown } from '../markdown';
import { Link, useRoute } from '../router';
import { RunForm } from './RunForm';

export function RunbookPage({ id }: { id: string }) {
  const rb = useLoad(() => api.runbooks.get(id), `runbook:${id}`);
  // ?again=<run>: the form starts from that run's environment and non-secret inputs.
  const again = useRoute().query.get('again') ?? '';
  const previous = useLoad(() => (again ? api.runs.get(again) : Promise.resolve(null)), `again:${again}`);
  if (rb.error) {
    return (
      <>
        <ErrorBanner error={rb.error} what={`Runbook ${id}`} />
        <Link to="/runbooks">Back to the catalogue</Link>
      </>
    );
  }
  if (!rb.data) return <Loading what="runbook" />;
  const r = rb.data;
  const steps = r.steps.length + r.rollback.length;
  return (
    <div className="runbook-page">
      <article className="runbook-doc panel" data-testid="runbook-doc">
        <header className="doc-head">
          <div className="crumbs">
            <Link to="/runbooks">Runbooks</Link> / <span className="mono">{r.id}</span>
          </div>
          <h1>{r.title}</h1>
          {r.description && <p className="lead">{r.description}</p>}
          <div className="meta">
            <span className="mono small" title={`sha256 ${r.sha256}`}>
              {r.file}
            </span>
            <span>
              {r.steps.length} step{r.steps.length === 1 ? '' : 's'}
              {r.rollback.length > 0 && `, ${r.rollback.length} rollback`}
            </span>
            <span>
              {r.environments.map((e) => (
                <span key={e} className="env">
                  {e}
                </span>
              ))}
            </span>
            <span className="mono small muted">sha256 {r.sha256.slice(0, 12)}…</span>
          </div>
        </header>
        {r.sections.map((s, i) => (
          <section key={i} className={`doc-section kind-${s.kind}`}>
            {/* The top heading repeats the runbook's title shown above. */}
            {!(s.depth === 1 && s.title === r.title) && s.title && <Heading depth={s.depth} text={s.title} />}
            <Markdown text={s.markdown} />
          </section>
        ))}
        {steps === 0 && <div className="empty">This runbook has no steps.</div>}
      </article>
      <aside className="runbook-side panel">
        {again && previous.loading ? (
          <Loading what={`run ${again}`} />
        ) : (
          <>
            <ErrorBanner error={previous.error} what={`Run ${again} (to run again)`} />
            <RunForm key={previous.data?.id ?? 'new'} rb={r} previous={previous.data?.runbook.id === r.id ? previous.data : undefined} />
          </>
        )}
      </aside>
    </div>
  );
}

function Heading({ depth, text }: { depth: number; text: string }) {
  const H = `h${Math.min(6, Math.max(2, depth + 1))}` as 'h2';
  return <H>{text}</H>;
}
