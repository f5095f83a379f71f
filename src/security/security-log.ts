import { v7 as uuidv7 } from 'uuid';
import type { SecurityEventEntity } from '../db/entities/security-event.js';
import type { SecurityEventStore } from '../db/security-event-store.js';
import type { Logger } from '../logger.js';
import type { Background } from '../mail/background.js';
import type { SecurityEventType } from './event-types.js';

/** Where a request came from, as the security log and the session list keep it. */
export interface RequestOrigin {
  address: string | null;
  userAgent: string | null;
  /** The session the request was made in (the access token's `sid`), when there is one. */
  sessionId?: string;
}

/** What `originOf` reads: a GraphQL context (GraphQLContext and AuthedContext satisfy it). */
export interface OriginSource {
  clientAddress: string;
  request: Request;
  caller?: { claims: { sid?: string } };
}

/** Longest User-Agent kept; real ones are far shorter, and the column is this wide. */
export const USER_AGENT_MAX = 512;

export function originOf(ctx: OriginSource): RequestOrigin {
  const userAgent = ctx.request.headers.get('user-agent')?.slice(0, USER_AGENT_MAX) || null;
  const address = ctx.clientAddress === 'unknown' ? null : ctx.clientAddress;
  const sessionId = ctx.caller?.claims.sid;
  return { address, userAgent, ...(sessionId ? { sessionId } : {}) };
}

export interface RecordOptions {
  userId: string;
  /** The request's context; or `origin` when the caller has already worked it out. */
  ctx?: OriginSource;
  origin?: RequestOrigin;
  /** Overrides the origin's session (e.g. the session a sign-in has just created). */
  sessionId?: string;
  /** A few facts about the event; stored as JSON, shown in the data export. Never a secret. */
  details?: Record<string, string | number | boolean | null>;
}

export interface SecurityLog {
  /**
   * Records one event. Never rejects: a failed write is logged and the operation it describes
   * goes on, so the log can never be the reason a sign-in or a password change fails.
   */
  record(type: SecurityEventType, opts: RecordOptions): Promise<void>;
  /** One page of the user's events, newest first, after the event `beforeId` (a keyset). */
  page(userId: string, first: number, beforeId: string | null): ReturnType<SecurityEventStore['page']>;
  /** Every event of the user still kept, newest first (data export). */
  all(userId: string): Promise<SecurityEventEntity[]>;
  /** Retention: deletes every event older than `before`; answers how many. */
  purgeBefore(before: Date): Promise<number>;
  /**
   * Runs `task` (which records events) without the caller waiting for it, so a response does not
   * take longer when there was something to record; `settled()` still waits for it.
   */
  inBackground(task: () => Promise<unknown>): void;
  /** Resolves when every write (and background task) started so far has finished (tests, shutdown). */
  settled(): Promise<void>;
}

export function createSecurityLog(store: SecurityEventStore, logger: Logger, background: Background): SecurityLog {
  const pending = new Set<Promise<void>>();
  const track = (work: Promise<void>) => {
    pending.add(work);
    void work.finally(() => pending.delete(work));
    return work;
  };
  return {
    record(type, opts) {
      const origin = opts.origin ?? (opts.ctx ? originOf(opts.ctx) : { address: null, userAgent: null });
      const event: SecurityEventEntity = {
        id: uuidv7(),
        userId: opts.userId,
        type,
        at: new Date(),
        address: origin.address && origin.address !== 'unknown' ? origin.address.slice(0, 64) : null,
        userAgent: origin.userAgent?.slice(0, USER_AGENT_MAX) ?? null,
        sessionId: opts.sessionId ?? origin.sessionId ?? null,
        details: opts.details ? JSON.stringify(opts.details) : null,
      };
      return track(
        store.insert(event).catch((e: unknown) => {
          logger.error('security event not recorded', { err: e, type, userId: opts.userId });
        }),
      );
    },
    inBackground(task) {
      // The app's one queue of work nobody waits for, which shutdown drains.
      background.run('security event', task);
    },
    page: (userId, first, beforeId) => store.page(userId, first, beforeId),
    all: (userId) => store.findAll(userId),
    purgeBefore: (before) => store.deleteBefore(before),
    async settled() {
      await background.idle();
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}
