import fs from 'node:fs';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { dbKind } from './helpers/db.js';
import { startServer } from './helpers/server.js';

// THREAD_POOL_NICE: argon2 and the rest of libuv's pool run below the event loop's priority, so a
// login flood does not delay token checks (src/thread-pool-priority.ts). Read off a real server's
// threads in /proc. Linux only (elsewhere the setting does nothing); once, in the sqlite project.

/** Each thread of `pid`: its id, name and nice value (/proc/<pid>/task/<tid>/stat, field 19). */
function threads(pid: number): Array<{ tid: number; name: string; nice: number }> {
  return fs.readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return [{ tid: Number(tid), name, nice: Number(fields[16]) }];
    } catch {
      return [];
    }
  });
}

describe.skipIf(dbKind !== 'sqlite' || process.platform !== 'linux')(
  'the thread pool runs below the event loop',
  () => {
    it('by 10 by default: every libuv worker is niced, the main thread is not, and logins still work', async () => {
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

    it('THREAD_POOL_NICE=0 leaves every thread at the process priority', async () => {
      const server = await startServer({ THREAD_POOL_NICE: '0' });
      try {
        const pool = threads(server.proc.pid!).filter((t) => t.name === 'libuv-worker');
        expect(pool.length).toBeGreaterThanOrEqual(4);
        expect(new Set(pool.map((t) => t.nice))).toEqual(new Set([os.getPriority(process.pid)]));
      } finally {
        await server.stop();
      }
    });
  },
);
