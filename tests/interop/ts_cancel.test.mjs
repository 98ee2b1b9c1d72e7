// Cancellation with the official TypeScript MCP SDK (@modelcontextprotocol/sdk 1.x) against
// the conformance fixture server, in each reply mode it runs in (JSON and event stream).
// A request the client cancels (`notifications/cancelled`, sent by the SDK when the caller
// aborts) must get no response at all: neither on its POST nor later on the GET stream,
// where the SDK reports "Received a response for an unknown message ID". The POST must end
// cleanly (no transport error) and the session must stay usable.
//
//   MCP_FIXTURE_URLS="http://127.0.0.1:3002 http://127.0.0.1:3003" node --test ts_cancel.test.mjs
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const urls = (process.env.MCP_FIXTURE_URLS ?? 'http://127.0.0.1:3002').split(/\s+/).filter(Boolean);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

for (const base of urls) {
  describe(`TS SDK cancel (${base}/mcp)`, () => {
    const client = new Client({ name: 'opik-mcp-cancel-ts', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(`${base.replace(/\/+$/, '')}/mcp`));
    const errors = [];
    client.onerror = (e) => errors.push(`client: ${e?.message ?? e}`);
    transport.onerror = (e) => errors.push(`transport: ${e?.message ?? e}`);
    after(async () => client.close().catch(() => {}));

    it('a cancelled call gets no response, now or later', { timeout: 20_000 }, async () => {
      await client.connect(transport);
      // Chain the SDK's own handlers (connect installed them) to keep recording errors.
      const sdkOnError = transport.onerror;
      transport.onerror = (e) => { errors.push(`transport: ${e?.message ?? e}`); sdkOnError?.(e); };
      for (let round = 0; round < 3; round++) {
        const ac = new AbortController();
        const call = client.callTool({ name: 'test_slow', arguments: { ms: 800 } }, undefined, { signal: ac.signal });
        await sleep(200);
        ac.abort('the caller gave up');
        await assert.rejects(call, /abort|gave up|cancel/i);
      }
      // The tool would have finished by now: a late reply would show up as an error here.
      await sleep(1500);
      assert.deepEqual(errors, [], `errors after cancelling: ${errors.join(' | ')}`);
      const res = await client.callTool({ name: 'test_simple_text', arguments: {} });
      assert.ok(!res.isError, `the session is still usable: ${JSON.stringify(res)}`);
      assert.deepEqual(errors, [], `errors: ${errors.join(' | ')}`);
    });
  });
}
