// Browser sign-in with the official TypeScript MCP SDK's OAuth flow (what mcp-remote, Claude
// Code and the Inspector run), unattended: the browser step is tests/oauth/login.py walking a
// real authorization server's login and consent pages over HTTP.
//
// Against an opik-mcp in JWT mode behind tests/oauth/provider.mjs (dcr mode):
//   401 → protected-resource metadata → authorization-server metadata → dynamic registration →
//   authorize (PKCE S256, resource) → token → MCP calls; then the access token expires and a
//   refresh keeps the same MCP session. Against an API-key opik-mcp: the client ends on the
//   server's own explanation, not on a failed registration.
// With SIGNIN_AS=broker, against an opik-mcp whose built-in broker is the authorization server
// (provider.mjs in static mode plays the company identity provider): the same flow through
// opik-mcp's own metadata, /register, /authorize, the provider's login, opik-mcp's consent
// page and /token, with a rotated refresh token; then the refusals a user meets (consent
// denied, an account outside the allowed domains) reach the client as access_denied, and with
// CIMD_URL a client signs in with a Client ID Metadata Document instead of registering.
//
// Env: MCP_BASE_URL (JWT server), OIDC_ISSUER, OIDC_LOGIN (path of login.py), ACCESS_TTL and
// JWT_LEEWAY (seconds), MCP_APIKEY_URL and MCP_API_KEY (API-key server; its tests are skipped
// without them), SIGNIN_AS (provider|broker), CIMD_URL, OUTSIDER_LOGIN (a login the broker's
// policy refuses by domain), UNGROUPED_LOGIN (one it refuses by group), MCP_SSE_BASE_URL (a
// server whose auth.resource is its origin: sign-in from the legacy /sse endpoint). Run by tests/suites/22-oauth-signin.sh and 23-oauth-broker.sh.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v.replace(/\/+$/, '');
};
const base = env('MCP_BASE_URL');
const issuer = env('OIDC_ISSUER');
const resource = `${base}/mcp`;
const broker = process.env.SIGNIN_AS === 'broker';
// The authorization server the client meets: the provider, or opik-mcp itself as the broker.
const authServer = broker ? base : issuer;
const registered = broker ? 'POST /register 201' : 'POST /reg 201';
const accessTtl = Number(process.env.ACCESS_TTL ?? '4');
const leeway = Number(process.env.JWT_LEEWAY ?? '0');
const REDIRECT = 'http://127.0.0.1:1/callback'; // nothing listens: the driver stops before it
const STEP = 30_000;

/** A fetch that records every request the SDK makes (its own and the OAuth flow's). */
function recordingFetch(log) {
  return async (url, init = {}) => {
    const headers = new Headers(init.headers ?? {});
    const res = await fetch(url, init);
    const auth = headers.get('authorization');
    log.push({
      method: init.method ?? 'GET',
      url: String(url),
      status: res.status,
      session: headers.get('mcp-session-id'),
      bearer: auth?.startsWith('Bearer ') ? auth.slice(7) : null,
    });
    return res;
  };
}

/** An OAuthClientProvider whose "browser" is the login driver (run with `loginArgs`). */
class DriverProvider {
  constructor({ loginArgs = [], metadataUrl } = {}) {
    this.saved = {};
    this.authorizationUrls = [];
    this.loginArgs = loginArgs;
    this.metadataUrl = metadataUrl;
  }
  get redirectUrl() { return REDIRECT; }
  get clientMetadataUrl() { return this.metadataUrl; }
  get clientMetadata() {
    return {
      client_name: 'opik-mcp sign-in test (TS SDK)',
      redirect_uris: [REDIRECT],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  state() { return (this.lastState = `st-${Math.random().toString(36).slice(2)}`); }
  clientInformation() { return this.saved.client; }
  saveClientInformation(info) { this.saved.client = info; }
  tokens() { return this.saved.tokens; }
  saveTokens(tokens) { this.saved.tokens = tokens; }
  saveCodeVerifier(v) { this.saved.verifier = v; }
  codeVerifier() { return this.saved.verifier; }
  redirectToAuthorization(url) {
    this.authorizationUrls.push(url);
    const args = [env('OIDC_LOGIN'), String(url), ...this.loginArgs];
    this.signIn = promisify(execFile)(process.env.PYTHON ?? 'python3', args, {
      timeout: 20_000,
    }).then(({ stdout }) => JSON.parse(stdout));
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const events = async () => (await fetch(`${issuer}/__harness/events`)).json();

/** The first connection: 401, discovery, registration (or none), the browser's sign-in. */
async function firstContact(provider, log) {
  const first = new StreamableHTTPClientTransport(new URL(resource), { authProvider: provider, fetch: recordingFetch(log) });
  await assert.rejects(new Client({ name: 'signin', version: '1' }).connect(first), UnauthorizedError);
  const back = await provider.signIn;
  return { first, back, url: new URL(provider.authorizationUrls.at(-1)) };
}

describe(`TS SDK sign-in against a real authorization server${broker ? ' through the broker' : ''}`, () => {
  const log = [];
  const provider = new DriverProvider();
  let client;
  let transport;
  let sessionId;

  before(() => fetch(`${issuer}/__harness/reset`, { method: 'POST' }));

  it('follows 401 → metadata → registration → authorize with PKCE and resource', { timeout: STEP }, async () => {
    const { first, back, url } = await firstContact(provider, log);
    assert.equal(url.origin, authServer, 'the authorization server the metadata names');
    const q = url.searchParams;
    assert.equal(q.get('response_type'), 'code');
    assert.equal(q.get('code_challenge_method'), 'S256');
    assert.match(q.get('code_challenge'), /^[A-Za-z0-9_-]{43}$/);
    assert.equal(q.get('resource'), resource, 'RFC 8707 resource = the protected-resource metadata resource');
    assert.deepEqual(q.get('scope').split(' ').sort(), ['opik:read', 'opik:write'], 'the challenge scope');
    const steps = log.map((r) => `${r.method} ${new URL(r.url).pathname} ${r.status}`);
    assert.deepEqual(steps.slice(0, 2), ['POST /mcp 401', 'GET /.well-known/oauth-protected-resource/mcp 200'], steps.join('\n'));
    assert.ok(
      steps.includes('GET /.well-known/oauth-authorization-server 200') || steps.includes('GET /.well-known/openid-configuration 200'),
      steps.join('\n'),
    );
    assert.ok(steps.includes(registered), steps.join('\n'));

    assert.ok(back.code, JSON.stringify(back));
    assert.equal(back.state, provider.lastState, 'state comes back unchanged');
    assert.equal(back.iss, authServer, 'RFC 9207 iss names the authorization server');
    await first.finishAuth(back.code);
    assert.ok(provider.tokens()?.access_token && provider.tokens()?.refresh_token, 'access and refresh token');
  });

  it('connects with the token and calls a write tool the granted scopes allow', { timeout: STEP }, async () => {
    transport = new StreamableHTTPClientTransport(new URL(resource), { authProvider: provider, fetch: recordingFetch(log) });
    client = new Client({ name: 'signin', version: '1' });
    await client.connect(transport);
    sessionId = transport.sessionId;
    assert.ok(sessionId);
    const names = (await client.listTools()).tools.map((t) => t.name);
    assert.ok(names.includes('get-opik-help'), `the opik:write tool is listed: ${names}`);
    const res = await client.callTool({ name: 'get-opik-help', arguments: { topic: 'general' } });
    assert.ok(!res.isError, JSON.stringify(res));
  });

  it('refreshes the expired token and keeps the same MCP session', { timeout: STEP }, async () => {
    const firstToken = provider.tokens().access_token;
    const firstRefresh = provider.tokens().refresh_token;
    const from = log.length;
    await sleep((accessTtl + leeway + 1.5) * 1000);
    const res = await client.callTool({ name: 'get-server-info', arguments: {} });
    assert.ok(!res.isError, JSON.stringify(res));
    assert.equal(transport.sessionId, sessionId, 'same Mcp-Session-Id');
    const after = log.slice(from);
    const steps = after.map((r) => `${r.method} ${new URL(r.url).pathname} ${r.status}`);
    assert.equal(steps[0], 'POST /mcp 401', `the expired token is refused first:\n${steps.join('\n')}`);
    assert.ok(steps.includes('POST /token 200'), steps.join('\n'));
    const retried = after.filter((r) => r.url === resource && r.status === 200);
    assert.ok(retried.length >= 1, steps.join('\n'));
    for (const r of retried) {
      assert.equal(r.session, sessionId, 'the retry carries the same session');
      assert.notEqual(r.bearer, firstToken, 'with the new token');
    }
    if (broker) assert.notEqual(provider.tokens().refresh_token, firstRefresh, 'the refresh token is rotated');
    await client.close();
  });

  it('two calls racing past the expiry both refresh, and the sign-in survives', { timeout: STEP, skip: !broker }, async () => {
    // The SDK has no lock around its refresh: each call that meets the 401 refreshes with the
    // same refresh token. A strict "second use revokes the grant" would sign the user out.
    const racer = new Client({ name: 'signin-race', version: '1' });
    const t = new StreamableHTTPClientTransport(new URL(resource), { authProvider: provider, fetch: recordingFetch(log) });
    await racer.connect(t);
    const from = log.length;
    await sleep((accessTtl + leeway + 1.5) * 1000);
    const calls = await Promise.allSettled([
      racer.callTool({ name: 'get-server-info', arguments: {} }),
      racer.callTool({ name: 'get-opik-help', arguments: { topic: 'general' } }),
    ]);
    const steps = log.slice(from).map((r) => `${r.method} ${new URL(r.url).pathname} ${r.status}`);
    for (const c of calls) assert.equal(c.status, 'fulfilled', `${c.reason}\n${steps.join('\n')}`);
    assert.ok(steps.includes('POST /token 200'), steps.join('\n'));
    const again = await racer.callTool({ name: 'get-server-info', arguments: {} });
    assert.ok(!again.isError, JSON.stringify(again));
    assert.equal(provider.authorizationUrls.length, 1, 'no second browser sign-in');
    await racer.close();
  });

  it('the same sign-in opens a legacy SSE session', { timeout: STEP }, async () => {
    const sse = new Client({ name: 'signin-sse', version: '1' });
    await sse.connect(new SSEClientTransport(new URL(`${base}/sse`), { authProvider: provider }));
    const names = (await sse.listTools()).tools.map((t) => t.name);
    assert.ok(names.includes('get-opik-help'), names.join());
    await sse.close();
    assert.equal(provider.authorizationUrls.length, 1, 'no second browser sign-in');
  });

  it('a new client cannot sign in from legacy SSE while the resource is …/mcp (the SDK\'s resource check)', { timeout: STEP }, async () => {
    // What docs/security.md says: for /sse sign-in, auth.resource must be the origin.
    const fresh = new DriverProvider();
    const t = new SSEClientTransport(new URL(`${base}/sse`), { authProvider: fresh });
    await assert.rejects(new Client({ name: 'signin-sse', version: '1' }).connect(t), (e) => {
      assert.match(e.message, /Protected resource .*\/mcp does not match expected .*\/sse/);
      return true;
    });
    assert.equal(fresh.authorizationUrls.length, 0, 'no browser is opened');
  });

  it('the authorization server saw one registration, S256 + resource, a code and a refresh grant', { timeout: STEP, skip: broker }, async () => {
    const ev = await events();
    const regs = ev.filter((e) => e.type === 'registration');
    assert.equal(regs.length, 1, JSON.stringify(ev));
    assert.deepEqual(regs[0].scope.split(' ').sort(), ['opik:read', 'opik:write']);
    const auths = ev.filter((e) => e.type === 'authorization');
    assert.ok(auths.every((a) => a.code_challenge_method === 'S256' && a.resource === resource), JSON.stringify(auths));
    const grants = ev.filter((e) => e.type === 'token').map((e) => e.grant_type);
    assert.equal(grants[0], 'authorization_code', grants.join());
    assert.ok(grants.includes('refresh_token'), grants.join());
    assert.ok(ev.filter((e) => e.type === 'token').every((e) => e.resource === resource || e.resource === null));
  });

  it('the identity provider saw the broker sign the user in once, with its own PKCE, no resource, no refresh', { timeout: STEP, skip: !broker }, async () => {
    const ev = await events();
    assert.equal(ev.filter((e) => e.type === 'registration').length, 0, 'nothing registers at the provider');
    const auths = ev.filter((e) => e.type === 'authorization');
    assert.equal(auths.length, 1, JSON.stringify(auths));
    const [a] = auths;
    assert.notEqual(a.client_id, provider.clientInformation().client_id, 'the broker\'s own client, not the MCP client');
    assert.equal(a.code_challenge_method, 'S256');
    assert.ok(a.has_state);
    assert.equal(a.resource, null, 'the MCP client\'s resource is not forwarded upstream');
    assert.ok(a.scope.split(' ').includes('openid'), a.scope);
    const grants = ev.filter((e) => e.type === 'token').map((e) => e.grant_type);
    assert.deepEqual(grants, ['authorization_code'], 'refreshes are answered by the broker alone');
  });
});

describe('TS SDK sign-in refused by the broker: the client gets access_denied', { skip: !broker }, () => {
  before(() => fetch(`${issuer}/__harness/reset`, { method: 'POST' }));

  for (const [name, loginArgs, reason] of [
    ['the user denies on the consent page', ['--deny-at', base], /denied/],
    ['the user cancels at the identity provider', ['--deny'], /access_denied/],
    ['an account outside the allowed domains', ['--login', process.env.OUTSIDER_LOGIN ?? 'outsider'], /may not use this server/],
    ['an account in none of the allowed groups', ['--login', process.env.UNGROUPED_LOGIN ?? 'ungrouped'], /none of the groups/],
  ]) {
    it(name, { timeout: STEP }, async () => {
      const provider = new DriverProvider({ loginArgs });
      const { back } = await firstContact(provider, []);
      assert.equal(back.error, 'access_denied', JSON.stringify(back));
      assert.match(back.error_description, reason);
      assert.equal(back.code, null, 'no code');
      assert.equal(back.state, provider.lastState, 'with the client\'s state');
      assert.equal(back.iss, base);
      assert.equal(provider.tokens(), undefined, 'no token');
    });
  }
});

describe('TS SDK sign-in with a Client ID Metadata Document', { skip: !(broker && process.env.CIMD_URL) }, () => {
  it('uses the document URL as client_id, registers nothing, signs in and calls a tool', { timeout: STEP }, async () => {
    const log = [];
    const provider = new DriverProvider({ metadataUrl: process.env.CIMD_URL });
    const { first, back, url } = await firstContact(provider, log);
    assert.equal(url.searchParams.get('client_id'), process.env.CIMD_URL);
    const steps = log.map((r) => `${r.method} ${new URL(r.url).pathname} ${r.status}`);
    assert.ok(!steps.some((s) => s.startsWith('POST /register')), steps.join('\n'));
    assert.ok(back.code, JSON.stringify(back));
    await first.finishAuth(back.code);
    const client = new Client({ name: 'signin-cimd', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(resource), { authProvider: provider }));
    const res = await client.callTool({ name: 'get-opik-help', arguments: { topic: 'general' } });
    assert.ok(!res.isError, JSON.stringify(res));
    await client.close();
  });
});

describe('TS SDK sign-in over legacy SSE (the resource is the server\'s origin)', { skip: !process.env.MCP_SSE_BASE_URL }, () => {
  // The SDK accepts protected-resource metadata only for the URL it connects to or a prefix
  // of it: …/mcp as the resource makes sign-in from /sse impossible; the origin covers both.
  const sseBase = process.env.MCP_SSE_BASE_URL?.replace(/\/+$/, '');

  it('signs in from GET /sse, calls a tool, and refreshes on the same SSE session', { timeout: STEP }, async () => {
    const log = [];
    const provider = new DriverProvider();
    const first = new SSEClientTransport(new URL(`${sseBase}/sse`), { authProvider: provider, fetch: recordingFetch(log) });
    await assert.rejects(new Client({ name: 'signin-sse', version: '1' }).connect(first), UnauthorizedError);
    const back = await provider.signIn;
    assert.ok(back.code, JSON.stringify(back));
    const asked = new URL(provider.authorizationUrls.at(-1)).searchParams.get('resource');
    assert.equal(asked.replace(/\/$/, ''), sseBase, 'the resource is the origin');
    await first.finishAuth(back.code);
    const client = new Client({ name: 'signin-sse', version: '1' });
    await client.connect(new SSEClientTransport(new URL(`${sseBase}/sse`), { authProvider: provider, fetch: recordingFetch(log) }));
    let res = await client.callTool({ name: 'get-opik-help', arguments: { topic: 'general' } });
    assert.ok(!res.isError, JSON.stringify(res));
    const from = log.length;
    await sleep((accessTtl + leeway + 1.5) * 1000);
    res = await client.callTool({ name: 'get-server-info', arguments: {} });
    assert.ok(!res.isError, JSON.stringify(res));
    const after = log.slice(from);
    const steps = after.map((r) => `${r.method} ${new URL(r.url).pathname} ${r.status}`);
    assert.equal(steps[0], 'POST /messages 401', steps.join('\n'));
    assert.ok(steps.includes('POST /token 200'), steps.join('\n'));
    const posts = log.filter((r) => new URL(r.url).pathname === '/messages');
    const sessions = new Set(posts.map((r) => new URL(r.url).searchParams.get('sessionId')));
    assert.equal(sessions.size, 1, `one SSE session: ${[...sessions]}`);
    assert.equal(after.at(-1).status, 202, steps.join('\n'));
    await client.close();
  });
});

describe('TS SDK OAuth client against an API-key server', { skip: !process.env.MCP_APIKEY_URL }, () => {
  const apiBase = process.env.MCP_APIKEY_URL?.replace(/\/+$/, '');

  async function attempt(headers) {
    const log = [];
    const provider = new DriverProvider();
    const t = new StreamableHTTPClientTransport(new URL(`${apiBase}/mcp`), {
      authProvider: provider, fetch: recordingFetch(log), requestInit: { headers },
    });
    const client = new Client({ name: 'signin-apikey', version: '1' });
    let error;
    try {
      await client.connect(t);
      await client.close();
    } catch (e) {
      error = e;
    }
    return { error, log, provider };
  }

  for (const [name, headers, reason] of [
    ['without a key', {}, 'missing or unknown key'],
    ['with a wrong key', { Authorization: 'Bearer wrong-key-0123456789abcdef0123456789' }, 'the API key sent was refused'],
  ]) {
    it(`${name}, the client surfaces the server's reason, not a registration failure`, { timeout: STEP }, async () => {
      const { error, log, provider } = await attempt(headers);
      assert.ok(error, 'connect fails');
      console.log(`TS SDK shows (${name}): ${error.constructor.name}: ${error.message}`);
      assert.match(error.message, /accepts API keys only/);
      assert.ok(error.message.includes(reason), error.message);
      assert.doesNotMatch(error.message, /HTTP 404/);
      assert.equal(provider.authorizationUrls.length, 0, 'no browser is opened');
      const steps = log.map((r) => `${r.method} ${new URL(r.url).pathname} ${r.status}`);
      assert.equal(steps.at(-1), 'POST /register 403', steps.join('\n'));
    });
  }

  it('with the right key, no OAuth request is made at all', { timeout: STEP }, async () => {
    const { error, log } = await attempt({ Authorization: `Bearer ${process.env.MCP_API_KEY}` });
    assert.equal(error, undefined, String(error));
    assert.ok(log.every((r) => new URL(r.url).pathname === '/mcp'), log.map((r) => r.url).join('\n'));
  });
});
