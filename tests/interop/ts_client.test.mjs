// Real-client interop: the official TypeScript MCP SDK (@modelcontextprotocol/sdk 1.x)
// against a running opik-mcp server, over both legacy HTTP+SSE and Streamable HTTP.
//
//   MCP_BASE_URL=http://127.0.0.1:3001 node --test ts_client.test.mjs
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const base = (process.env.MCP_BASE_URL ?? 'http://127.0.0.1:3001').replace(/\/+$/, '');
const STEP_TIMEOUT = 15_000;

const transports = [
  { name: 'sse', url: `${base}/sse`, make: (u) => new SSEClientTransport(u) },
  { name: 'streamable-http', url: `${base}/mcp`, make: (u) => new StreamableHTTPClientTransport(u) },
];

for (const t of transports) {
  describe(`TS SDK ${t.name} (${t.url})`, () => {
    const client = new Client({ name: 'opik-mcp-interop-ts', version: '1.0.0' });
    const transport = t.make(new URL(t.url));
    const transportErrors = [];
    transport.onerror = (e) => transportErrors.push(String(e?.message ?? e));
    let connected = false;

    after(async () => {
      if (connected) await client.close().catch(() => {});
    });

    it('connects (initialize handshake)', { timeout: STEP_TIMEOUT }, async () => {
      await client.connect(transport);
      connected = true;
      const info = client.getServerVersion();
      assert.equal(info?.name, 'opik-mcp', `serverInfo: ${JSON.stringify(info)}`);
      assert.ok(client.getServerCapabilities()?.tools, 'server must declare the tools capability');
    });

    it('lists tools', { timeout: STEP_TIMEOUT }, async () => {
      assert.ok(connected, 'not connected');
      const { tools } = await client.listTools();
      const names = tools.map((x) => x.name);
      for (const want of ['get-server-info', 'get-opik-help']) {
        assert.ok(names.includes(want), `${want} missing from tools/list: ${names.join(', ')}`);
      }
      for (const tool of tools) assert.equal(tool.inputSchema?.type, 'object', `${tool.name} inputSchema`);
    });

    it('calls get-server-info', { timeout: STEP_TIMEOUT }, async () => {
      assert.ok(connected, 'not connected');
      const res = await client.callTool({ name: 'get-server-info', arguments: {} });
      assert.ok(!res.isError, `isError set: ${JSON.stringify(res)}`);
      const text = (res.content ?? []).filter((c) => c.type === 'text').map((c) => c.text).join('\n');
      assert.ok(text.length > 0, `no text content: ${JSON.stringify(res)}`);
      assert.match(text, /opik/i, `get-server-info text does not mention opik: ${text.slice(0, 300)}`);
    });

    it('closes cleanly', { timeout: STEP_TIMEOUT }, async () => {
      assert.ok(connected, 'not connected');
      // Streamable HTTP: DELETE the session (a 405 is allowed and tolerated by the SDK).
      if (transport instanceof StreamableHTTPClientTransport) await transport.terminateSession();
      await client.close();
      connected = false;
      assert.deepEqual(transportErrors, [], 'transport reported errors during the session');
    });
  });
}
