// Reference MCP server on the official TypeScript SDK, for side-by-side benchmarks with
// opik-mcp (scripts/bench.sh). It serves the same tool list as ours (a `tools/list` result
// dumped from opik-mcp), answers `ping`, and `tools/call get-server-info` with a small text,
// over Streamable HTTP (`/mcp`, JSON replies, one SDK server per session: the SDK's own
// pattern) and legacy SSE (`GET /sse` + `POST /messages`). `GET /health` is plain Node HTTP.
//
//   PORT=3101 TOOLS_JSON=tools.json node server.mjs
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  CallToolRequestSchema,
  isInitializeRequest,
  ListToolsRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';

const port = Number(process.env.PORT ?? 3101);
const tools = JSON.parse(readFileSync(process.env.TOOLS_JSON ?? 'tools.json', 'utf8')).tools;

function mcpServer() {
  const server = new Server(
    { name: 'sdk-ref', version: '0.0.0' },
    { capabilities: { tools: {} } },
  );
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools }));
  server.setRequestHandler(CallToolRequestSchema, async (req) => {
    if (req.params.name !== 'get-server-info') {
      return { isError: true, content: [{ type: 'text', text: `unknown tool ${req.params.name}` }] };
    }
    const info = { name: 'sdk-ref', version: '0.0.0', tools: tools.length };
    return { content: [{ type: 'text', text: JSON.stringify(info) }] };
  });
  return server;
}

const streamable = new Map(); // Mcp-Session-Id → transport
const sse = new Map(); // sessionId → transport

async function readJson(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

function fail(res, status, message) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32000, message } }));
}

async function onMcp(req, res) {
  const body = req.method === 'POST' ? await readJson(req) : undefined;
  const sid = req.headers['mcp-session-id'];
  let transport = sid && streamable.get(sid);
  if (!transport) {
    if (sid || req.method !== 'POST' || !isInitializeRequest(body)) {
      return fail(res, sid ? 404 : 400, 'no valid session');
    }
    transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableJsonResponse: true,
      onsessioninitialized: (id) => streamable.set(id, transport),
    });
    transport.onclose = () => transport.sessionId && streamable.delete(transport.sessionId);
    await mcpServer().connect(transport);
  }
  await transport.handleRequest(req, res, body);
}

async function onSse(req, res) {
  const transport = new SSEServerTransport('/messages', res);
  sse.set(transport.sessionId, transport);
  res.on('close', () => sse.delete(transport.sessionId));
  await mcpServer().connect(transport);
}

async function onMessage(req, res, url) {
  const transport = sse.get(url.searchParams.get('sessionId'));
  if (!transport) return fail(res, 404, 'unknown session');
  await transport.handlePostMessage(req, res, await readJson(req));
}

createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  let done;
  if (url.pathname === '/health') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end('{"status":"ok"}');
  } else if (url.pathname === '/mcp') {
    done = onMcp(req, res);
  } else if (url.pathname === '/sse' && req.method === 'GET') {
    done = onSse(req, res);
  } else if (url.pathname === '/messages' && req.method === 'POST') {
    done = onMessage(req, res, url);
  } else {
    res.writeHead(404);
    return res.end();
  }
  done.catch((e) => {
    if (!res.headersSent) fail(res, 500, String(e));
  });
}).listen(port, '127.0.0.1', () => console.log(`sdk-ref listening on 127.0.0.1:${port}`));
