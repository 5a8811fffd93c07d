import { defineConfig } from 'vite';

// `npm run dev` serves the client with hot reload and forwards the API
// and the WebSocket to a running Capsule (CAPSULE_URL, default port 3000).
const capsule = process.env.CAPSULE_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  oxc: {
    jsx: { runtime: 'automatic', importSource: 'preact' },
  },
  build: {
    target: 'es2022',
    // The server's CSP forbids inline script: keep every module a file.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
  server: {
    proxy: {
      '/api': capsule,
      '/websocket': { target: capsule, ws: true },
    },
  },
});
