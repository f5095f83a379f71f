import { defineConfig } from 'vite';

/**
 * `npm run dev -w @examples/web` serves the page on http://127.0.0.1:5173 and forwards /graphql to
 * the API (API_URL, default http://127.0.0.1:4000, i.e. `npm start`), so page and API share one
 * origin: no CORS set-up, and the page never names the API's host.
 * For passkeys open it as http://localhost:5173 instead (an IP address cannot be a WebAuthn RP
 * id) and start the API with WEBAUTHN_ORIGINS=http://localhost:5173.
 */
const api = process.env.API_URL ?? 'http://127.0.0.1:4000';

export default defineConfig({
  server: { host: '127.0.0.1', port: 5173, proxy: { '/graphql': api } },
  preview: { host: '127.0.0.1', port: 4173, proxy: { '/graphql': api } },
  build: { target: 'es2022' },
});
