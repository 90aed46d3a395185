// The read-only status page (`serve --status-page`, off by default): each catalog service's state and
// since when, for people without an account. Server-rendered HTML with no script; it names no check
// targets, owners or causes (they can be internal), only services, states and times.
import { createHash } from 'node:crypto';
import type { ApiInstance, RouteContext } from '../context.js';

const CSS = `body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:46rem;padding:0 1rem;color:#1d2330}
h1{font-size:1.4rem}ul{list-style:none;padding:0}li{display:flex;justify-content:space-between;border-bottom:1px solid #e3e6ec;padding:.6rem 0}
.s{font-weight:600;padding:0 .5rem;border-radius:4px}.up{background:#dff3e4;color:#14532d}.degraded{background:#fdf0d5;color:#7c4a03}
.down{background:#fbe0e0;color:#8a1c1c}.unknown{background:#eceff3;color:#3b4455}small{color:#5b6475}`;
const CSS_TAG = `sha256-${createHash('sha256').update(CSS).digest('base64')}`;

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function statusPage(app: ApiInstance, rc: RouteContext): void {
  app.get('/status', { schema: { hide: true } }, async (_req, reply) => {
    const host = rc.health;
    if (!host.statusPage) return reply.callNotFound();
    const svc = host.service;
    const verdicts = svc?.serviceVerdicts() ?? {};
    const rows = (svc?.catalogInForce.services ?? []).map((s) => {
      const state = verdicts[s.name]?.state ?? 'unknown';
      const since = svc?.serviceSinceOf(s.name);
      return `<li><span>${esc(s.name)}${since ? ` <small>since ${esc(since)}</small>` : ''}</span><span class="s ${state}">${state}</span></li>`;
    });
    const all = Object.values(verdicts);
    const overall = all.length === 0 ? 'No services are watched.' : all.every((v) => v.state === 'up') ? 'All services are up.' : 'Some services are not up.';
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="refresh" content="30"><title>Status</title><style>${CSS}</style></head>
<body><h1>Status</h1><p>${overall} <small>As of ${esc(new Date().toISOString())}.</small></p><ul>${rows.join('')}</ul></body></html>`;
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('content-security-policy', `default-src 'none'; style-src '${CSS_TAG}'; frame-ancestors 'none'`)
      .send(html);
  });
}
