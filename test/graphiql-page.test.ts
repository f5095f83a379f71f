import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, validate } from 'graphql';
import { GRAPHIQL_TOKEN_KEY, graphiqlOptions, tokenKeeperScript } from '../src/graphiql.js';
import { buildSchema } from '../src/schema.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { ROOT } from './helpers/server.js';

describe('GraphiQL page (without a browser; test/browser/graphiql.test.ts drives it in Chromium)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('serves GraphiQL with the token keeper first in <head> and nothing loaded from elsewhere', async () => {
    const res = await app.yoga.fetch('http://localhost/graphql', { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    const html = await res.text();
    const head = html.indexOf('<head>');
    expect(html.indexOf(tokenKeeperScript())).toBe(head + '<head>'.length);
    expect(html).toContain(GRAPHIQL_TOKEN_KEY);
    expect(html).toContain('YogaGraphiQL.renderYogaGraphiQL');
    // No script, stylesheet or image from another host.
    expect(html.match(/(?:src|href)\s*=\s*["']?https?:\/\//gi) ?? []).toEqual([]);
  });

  it('opens with tabs that show the account-recovery operations, each valid against the schema', async () => {
    const { graphiqlOptions } = await import('../src/graphiql.js');
    const { buildSchema } = await import('../src/schema.js');
    const { parse, validate } = await import('graphql');
    const tabs = graphiqlOptions().defaultTabs ?? [];
    const recovery = tabs.find((t) => t.query?.includes('requestPasswordReset'));
    for (const op of ['resendVerificationEmail', 'verifyEmail', 'resetPassword', 'requestEmailChange', 'emailVerified'])
      expect(recovery?.query).toContain(op);
    const schema = buildSchema();
    for (const tab of tabs) expect(validate(schema, parse(tab.query!))).toEqual([]);
  });

  it('keeps the token of every mutation that answers AuthPayload (finishPasskeyLogin too)', async () => {
    const { TOKEN_MUTATIONS } = await import('../src/graphiql.js');
    const { getNamedType } = await import('graphql');
    const fields = Object.values(buildSchema().getMutationType()!.getFields());
    const minting = fields.filter((f) => getNamedType(f.type).name === 'AuthPayload').map((f) => f.name);
    expect(minting).toContain('finishPasskeyLogin');
    expect([...TOKEN_MUTATIONS].sort()).toEqual(minting.sort());
  });

  it('sends the browser module as its file, and only the browser tsconfig has the DOM library', () => {
    const file = fs.readFileSync(path.join(ROOT, 'src/browser/graphiql-token-keeper.js'), 'utf8');
    expect(tokenKeeperScript()).toContain(file);
    expect(tokenKeeperScript()).not.toContain('__name');
    // tsconfig files allow comments; these have none before "lib".
    const lib = (file: string) =>
      /"lib":\s*\[([^\]]*)\]/.exec(fs.readFileSync(path.join(ROOT, file), 'utf8'))?.[1] ?? '';
    expect(lib('tsconfig.json')).not.toMatch(/DOM/i);
    expect(lib('src/browser/tsconfig.json')).toMatch(/"DOM"/);
  });

  it('the script is valid JavaScript on its own', () => {
    const body = tokenKeeperScript()
      .replace(/^<script>/, '')
      .replace(/<\/script>$/, '');
    expect(() => new Function(body)).not.toThrow();
  });

  it('GraphiQL stays off when GRAPHIQL=false', async () => {
    const off = await createTestApp({ GRAPHIQL: 'false' });
    try {
      const res = await off.yoga.fetch('http://localhost/graphql', { headers: { accept: 'text/html' } });
      expect(await res.text()).not.toContain(GRAPHIQL_TOKEN_KEY);
    } finally {
      await off.close();
    }
  });

  it('opens with tabs that validate against the schema, one of them for sessions and securityEvents', () => {
    const schema = buildSchema();
    const tabs = graphiqlOptions().defaultTabs ?? [];
    for (const tab of tabs) expect(validate(schema, parse(tab.query ?? ''))).toEqual([]);
    const security = tabs.find((t) => t.query?.includes('sessions {'));
    expect(security?.query).toContain('securityEvents(');
    expect(security?.query).toContain('revokeSession(');
  });
});
