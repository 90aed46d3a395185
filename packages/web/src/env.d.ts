// Vite bundles CSS imported from TypeScript into the page's stylesheet (CSP: style-src 'self').
declare module '*.css';
