import fs from 'node:fs';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { dbKind } from './helpers/db.js';
import { startServer } from './helpers/server.js';

// THREAD_POOL_POLICY and THREAD_POOL_NICE: argon2 and the rest of libuv's pool run below the event
// loop's priority, so a login flood does not delay token checks (src/thread-pool-priority.ts).
// Read off a real server's threads in /proc. Linux only (elsewhere the settings do nothing); once,
// in the sqlite project.

/** SCHED_IDLE's number in /proc/<pid>/task/<tid>/stat, field 41 (linux/sched.h). */
const SCHED_IDLE = 5;

/**
 * Each thread of `pid`: its id, name, nice value and scheduling policy (/proc/<pid>/task/<tid>/stat,
 * fields 19 and 41).
 */
function threads(pid: number): Array<{ tid: number; name: string; nice: number; policy: number }> {
  return fs.readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return [{ tid: Number(tid), name, nice: Number(fields[16]), policy: Number(fields[38]) }];
    } catch {
      return [];
    }
  });
}

describe.skipIf(dbKind !== 'sqlite' || process.platform !== 'linux')(
  'the thread pool runs below the event loop',
  () => {
    it('under SCHED_IDLE and niced by 10 by default: every libuv worker, not the main thread, and logins still work', async () => {
      const server = await startServer();
      try {
        const all = threads(server.proc.pid!);
        const pool = all.filter((t) => t.name === 'libuv-worker');
        expect(pool.length).toBeGreaterThanOrEqual(4);
        // Relative to the process's own priority (a CI runner may itself run niced).
        // The main thread's id is the process id (Node 26 names it node-MainThread, 22 does not).
        const main = all.find((t) => t.tid === server.proc.pid)?.nice;
        expect(main).toBe(os.getPriority(process.pid));
        expect(pool.map((t) => t.nice)).toEqual(pool.map(() => Math.min(19, main! + 10)));
        // The addon is built by npm install here (a C toolchain is part of this project's setup).
        expect(pool.map((t) => t.policy)).toEqual(pool.map(() => SCHED_IDLE));
        expect(all.filter((t) => t.name !== 'libuv-worker').map((t) => t.policy)).not.toContain(SCHED_IDLE);
        // argon2 runs in those threads: signing up and logging in still answer.
        const password = 'correct horse battery staple';
        const signup = await server.gql('mutation($i: SignupInput!) { signup(input: $i) { token } }', {
          i: { name: 'Nice', email: 'nice@example.com', password },
        });
        expect(signup.body.errors).toBeUndefined();
        const login = await server.gql(
          'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }',
          {
            e: 'nice@example.com',
            p: password,
          },
        );
        expect(login.body.data.login.token).toMatch(/^ey/);
      } finally {
        await server.stop();
      }
    });

    it('THREAD_POOL_POLICY=nice THREAD_POOL_NICE=0 leaves every thread at the process priority', async () => {
      const server = await startServer({ THREAD_POOL_POLICY: 'nice', THREAD_POOL_NICE: '0' });
      try {
        const pool = threads(server.proc.pid!).filter((t) => t.name === 'libuv-worker');
        expect(pool.length).toBeGreaterThanOrEqual(4);
        expect(new Set(pool.map((t) => t.nice))).toEqual(new Set([os.getPriority(process.pid)]));
        expect(pool.map((t) => t.policy)).not.toContain(SCHED_IDLE);
      } finally {
        await server.stop();
      }
    });

    it('THREAD_POOL_POLICY=nice: niced by THREAD_POOL_NICE, not under SCHED_IDLE', async () => {
      const server = await startServer({ THREAD_POOL_POLICY: 'nice', THREAD_POOL_NICE: '5' });
      try {
        const pool = threads(server.proc.pid!).filter((t) => t.name === 'libuv-worker');
        expect(pool.length).toBeGreaterThanOrEqual(4);
        expect(new Set(pool.map((t) => t.nice))).toEqual(new Set([Math.min(19, os.getPriority(process.pid) + 5)]));
        expect(pool.map((t) => t.policy)).not.toContain(SCHED_IDLE);
      } finally {
        await server.stop();
      }
    });
  },
);
