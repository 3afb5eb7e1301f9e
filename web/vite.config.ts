import { defineConfig } from 'vite';

// Vite 8 transforms TS/TSX with Oxc; `oxc.jsx` is the successor of the
// deprecated `esbuild: { jsx: 'automatic', jsxImportSource: 'preact' }`.
export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The polyfill would be an inline script, which the CSP forbids.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
  server: {
    // `npm run dev` against a locally running backend.
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
});
