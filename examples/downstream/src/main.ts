import { createServer } from 'node:http';
import { createDownstream, type Verifier } from './service.js';

/**
 *   AUTH_JWKS_URL=http://localhost:4000/.well-known/jwks.json npm start -w @examples/downstream
 *
 * AUTH_ISSUER / AUTH_AUDIENCE default to the auth API's defaults; VERIFIER is jose (default) or plugin-jwt.
 */
const jwksUrl = process.env.AUTH_JWKS_URL ?? 'http://localhost:4000/.well-known/jwks.json';
const verifier = (process.env.VERIFIER ?? 'jose') as Verifier;
if (verifier !== 'jose' && verifier !== 'plugin-jwt') throw new Error('VERIFIER must be jose or plugin-jwt');
const yoga = createDownstream({
  jwksUrl,
  issuer: process.env.AUTH_ISSUER ?? 'graphql-auth-api',
  audience: process.env.AUTH_AUDIENCE ?? 'graphql-auth-api',
  verifier,
});
const port = Number(process.env.PORT ?? 4001);
createServer(yoga).listen(port, () => {
  process.stdout.write(`downstream (${verifier}) on http://localhost:${port}/graphql, keys from ${jwksUrl}\n`);
});
