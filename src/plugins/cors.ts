import type { CORSOptions } from 'graphql-yoga';
import type { Config } from '../config.js';
import { isAllowedOrigin } from '../http/origins.js';

/**
 * CORS for CORS_ORIGINS. A function rather than Yoga's origin list: an empty list there means
 * "allow every origin", and an unlisted origin still gets headers. Here an unlisted origin gets
 * none, so the browser blocks it.
 */
export function corsFor(config: Pick<Config, 'corsOrigins' | 'refresh'>) {
  // One options object for every allowed request: built once, not per request.
  const allowed: CORSOptions = {
    // ['*'] makes Yoga echo the request's origin with Vary: Origin; we only get here for allowed ones.
    origin: ['*'],
    credentials: config.refresh.transport === 'cookie',
    methods: ['GET', 'POST'],
    allowedHeaders: ['content-type', 'accept', 'authorization', 'x-request-id'],
    exposedHeaders: ['x-request-id'],
    maxAge: 600,
  };
  return (request: Request): CORSOptions | false => {
    const origin = request.headers.get('origin');
    if (!origin) return false;
    return isAllowedOrigin(origin, config.corsOrigins) ? allowed : false;
  };
}
