// Real-client auth interop: the official TypeScript MCP SDK (@modelcontextprotocol/sdk 1.x)
// against an opik-mcp server in JWT mode, over legacy HTTP+SSE and Streamable HTTP:
// connecting with a bearer token, scope-filtered tools, and refusal without a token.
//
//   MCP_BASE_URL=http://127.0.0.1:3001 MCP_HS_SECRET=... node --test ts_auth.test.mjs
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const base = (process.env.MCP_BASE_URL ?? 'http://127.0.0.1:3001').replace(/\/+$/, '');
const secret = process.env.MCP_HS_SECRET;
const issuer = process.env.MCP_ISSUER ?? 'https://issuer.test';
const resource = `${base}/mcp`;
const STEP_TIMEOUT = 15_000;

/** An HS256 JWT minted with node:crypto (what `docs/security.md` shows with openssl). */
function mint(sub, scope) {
  const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const head = b64({ alg: 'HS256', typ: 'JWT' });
  const body = b64({ iss: issuer, aud: resource, sub, scope, iat: now, exp: now + 300 });
  const sig = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

const transports = [
  {
    name: 'sse',
    make: (headers) => new SSEClientTransport(new URL(`${base}/sse`), { requestInit: { headers } }),
  },
  {
    name: 'streamable-http',
    make: (headers) => new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers } }),
  },
];

async function connect(t, token) {
  const client = new Client({ name: 'opik-mcp-auth-ts', version: '1.0.0' });
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  await client.connect(t.make(headers));
  return client;
}

for (const t of transports) {
  describe(`TS SDK ${t.name} with a bearer token`, () => {
    it('connects, lists and calls tools with a read+write token', { timeout: STEP_TIMEOUT }, async () => {
      const client = await connect(t, mint('ts-writer', 'opik:read opik:write'));
      try {
        const names = (await client.listTools()).tools.map((x) => x.name).sort();
        assert.ok(names.includes('get-opik-help') && names.includes('get-server-info'), names.join());
        const res = await client.callTool({ name: 'get-opik-help', arguments: { topic: 'general' } });
        assert.ok(!res.isError, JSON.stringify(res));
      } finally {
        await client.close();
      }
    });

    it('a read-only token sees only read tools and cannot call a write tool', { timeout: STEP_TIMEOUT }, async () => {
      const client = await connect(t, mint('ts-reader', 'opik:read'));
      try {
        const names = (await client.listTools()).tools.map((x) => x.name);
        assert.ok(names.includes('get-server-info'), names.join());
        assert.ok(!names.includes('get-opik-help'), 'the write tool is hidden: ' + names.join());
        await assert.rejects(
          client.callTool({ name: 'get-opik-help', arguments: { topic: 'general' } }),
          /Unknown tool/,
        );
      } finally {
        await client.close();
      }
    });

    it('is refused without a token', { timeout: STEP_TIMEOUT }, async () => {
      await assert.rejects(connect(t, null), (e) => /401|Unauthorized/i.test(String(e?.message ?? e) + String(e?.code ?? '')));
    });

    it('is refused with a forged token', { timeout: STEP_TIMEOUT }, async () => {
      const forged = mint('ts-forger', 'opik:read').replace(/\.[^.]+$/, '.AAAA');
      await assert.rejects(connect(t, forged), (e) => /401|Unauthorized|invalid/i.test(String(e?.message ?? e) + String(e?.code ?? '')));
    });
  });
}
