// The web UI: the built single-page app (packages/web/dist) served from memory at `/`. Every path
// that is not a file and not part of the API gets index.html, so the UI's own routes survive a
// reload. Hashed assets are cached for good; index.html never is.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { extname, join, relative, sep } from 'node:path';
import type { ApiInstance, RouteContext } from '../context.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

/** No inline scripts, nothing from elsewhere; style attributes only through the CSSOM (React's style prop). */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

interface Asset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
  readonly immutable: boolean;
}

function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else {
        const body = readFileSync(full);
        const path = `/${relative(dir, full).split(sep).join('/')}`;
        assets.set(path, {
          body,
          type: TYPES[extname(name)] ?? 'application/octet-stream',
          etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
          immutable: path.startsWith('/assets/'),
        });
      }
    }
  };
  walk(dir);
  return assets;
}

const NOT_UI = /^\/(api|health|ready|metrics|status)(\/|$)/;

export function webRoutes(app: ApiInstance, rc: RouteContext): void {
  const dir = rc.deps.webDir;
  const assets = dir && existsSync(join(dir, 'index.html')) ? loadAssets(dir) : undefined;
  const index = assets?.get('/index.html');

  app.get('/*', { schema: { hide: true } }, async (req, reply) => {
    const path = decodeURIComponent(req.url.split('?')[0] ?? '/');
    if (NOT_UI.test(path)) return reply.callNotFound();
    if (!assets || !index) {
      const hint = `no route GET ${path}; the web UI is not built here (build it: npm run build -w @runledger/web, or start with npm run demo). The API is at /api/v1 (OpenAPI: /api/v1/openapi.json)`;
      return reply.status(404).send({ error: { code: 'NOT_FOUND', message: hint, requestId: req.id } });
    }
    let asset = assets.get(path);
    if (!asset) {
      // A missing file is a 404; anything else is a UI route.
      if (extname(path) !== '') return reply.callNotFound();
      asset = index;
    }
    reply.header('content-type', asset.type);
    reply.header('etag', asset.etag);
    reply.header('cache-control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    if (asset.type.startsWith('text/html')) reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    if (req.headers['if-none-match'] === asset.etag) return reply.status(304).send();
    return reply.send(asset.body);
  });
}
