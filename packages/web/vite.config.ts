// The UI is a static bundle served by `runledger serve` at / under a strict CSP: no inline scripts
// or styles, so Vite's default output (external module script, external CSS) fits as is.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  base: '/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, target: 'es2022', modulePreload: { polyfill: false } },
  server: { proxy: { '/api': 'http://127.0.0.1:7340', '/health': 'http://127.0.0.1:7340', '/ready': 'http://127.0.0.1:7340' } },
});
