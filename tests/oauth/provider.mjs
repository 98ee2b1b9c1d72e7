// A real OAuth 2.1 / OpenID Connect provider for the sign-in tests: panva's oidc-provider (a
// certified OpenID provider) on a loopback port, in one of two modes.
//
//   dcr     dynamic client registration (RFC 7591) open to anyone, PKCE S256 required, resource
//           indicators (RFC 8707) issuing RS256 JWT access tokens whose `aud` is --resource,
//           the --scopes supported, refresh tokens issued without `offline_access`: what an MCP
//           client needs from an authorization server in front of opik-mcp.
//   static  registration disabled; one confidential client (--client-id, --client-secret,
//           --redirect-uri), PKCE S256 required, ID tokens carrying email and groups: an
//           enterprise identity provider (Entra ID, Okta) for a broker to sign users in with.
//
// Login and consent are oidc-provider's development pages (any login is accepted; the
// password is not checked): `login.py` in this folder walks them over plain HTTP. See
// README.md for every option, the ready line and the /__harness endpoints.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

import Provider, { errors } from 'oidc-provider';

const { values: opt } = parseArgs({
  options: {
    mode: { type: 'string', default: process.env.OIDC_MODE ?? 'dcr' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: process.env.OIDC_PORT ?? '0' },
    resource: { type: 'string', default: process.env.OIDC_RESOURCE },
    scopes: { type: 'string', default: process.env.OIDC_SCOPES ?? 'opik:read opik:write opik:admin' },
    'access-ttl': { type: 'string', default: process.env.OIDC_ACCESS_TTL ?? '300' },
    'client-id': { type: 'string', default: process.env.OIDC_CLIENT_ID },
    'client-secret': { type: 'string', default: process.env.OIDC_CLIENT_SECRET },
    // Repeatable: the static client may be registered with several (one per server).
    'redirect-uri': { type: 'string', multiple: true, default: process.env.OIDC_REDIRECT_URI?.split(' ') },
    'client-auth': { type: 'string', default: process.env.OIDC_CLIENT_AUTH ?? 'client_secret_basic' },
    users: { type: 'string', default: process.env.OIDC_USERS },
    'ready-file': { type: 'string', default: process.env.OIDC_READY_FILE },
  },
});

function fail(message) {
  console.error(`provider: ${message}`);
  process.exit(2);
}

if (!['dcr', 'static'].includes(opt.mode)) fail(`--mode must be dcr or static, not ${opt.mode}`);
if (opt.mode === 'dcr' && !opt.resource) fail('--resource (the MCP server URL tokens are for) is required in dcr mode');
if (opt.mode === 'static' && !(opt['client-id'] && opt['client-secret'] && opt['redirect-uri']?.length)) {
  fail('static mode needs --client-id, --client-secret and --redirect-uri');
}
const accessTtl = Number.parseInt(opt['access-ttl'], 10);
if (!(accessTtl > 0)) fail('--access-ttl must be a positive number of seconds');
const resourceScopes = opt.scopes.split(/\s+/).filter(Boolean);
// Users by login; a login not listed gets `<login>@example.test` (or the login itself when it
// is an email address) and no groups.
const users = opt.users ? JSON.parse(readFileSync(opt.users, 'utf8')) : {};

/** The account of a login: the claims the ID token and userinfo carry. */
function account(login) {
  const user = users[login] ?? {};
  const email = user.email ?? (login.includes('@') ? login : `${login}@example.test`);
  return {
    accountId: login,
    async claims() {
      return {
        sub: login,
        email,
        email_verified: user.email_verified ?? true,
        name: user.name ?? login,
        groups: user.groups ?? [],
      };
    },
  };
}

/** Harness state: what happened (for the tests to assert) and the faults they inject. */
const harness = { events: [], delayMs: 0, failStatus: 0 };

function record(type, fields) {
  harness.events.push({ type, at: Date.now(), ...fields });
}

const server = createServer();
await new Promise((resolve) => server.listen(Number.parseInt(opt.port, 10), opt.host, resolve));
const issuer = `http://${opt.host}:${server.address().port}`;

const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
const staticClients = opt.mode === 'static'
  ? [{
      client_id: opt['client-id'],
      client_secret: opt['client-secret'],
      redirect_uris: opt['redirect-uri'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: opt['client-auth'],
    }]
  : [];

const provider = new Provider(issuer, {
  clients: staticClients,
  jwks: { keys: [{ ...signingKey, kid: `harness-${randomBytes(4).toString('hex')}`, alg: 'RS256', use: 'sig' }] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  findAccount: (_ctx, sub) => account(sub),
  // MCP clients copy the challenge's scope into their registration: these must be supported.
  scopes: ['openid', 'offline_access', 'email', 'profile', 'groups', ...resourceScopes],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
  // Put the requested claims in the ID token itself (what a broker reads), not only userinfo.
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  // MCP clients do not ask for offline_access; issue a refresh token to every client allowed
  // the grant, as an authorization server for MCP must.
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  ttl: {
    AccessToken: accessTtl,
    AuthorizationCode: 60,
    IdToken: 3600,
    RefreshToken: 24 * 3600,
    Interaction: 600,
    Session: 3600,
    Grant: 24 * 3600,
  },
  features: {
    devInteractions: { enabled: true },
    registration: { enabled: opt.mode === 'dcr' },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: Boolean(opt.resource),
      useGrantedResource: async () => true,
      getResourceServerInfo: async (_ctx, indicator) => {
        if (indicator !== opt.resource) throw new errors.InvalidTarget(`unknown resource ${indicator}`);
        return {
          scope: resourceScopes.join(' '),
          audience: indicator,
          accessTokenTTL: accessTtl,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
});

provider.on('registration_create.success', (_ctx, client) => record('registration', {
  client_id: client.clientId, scope: client.scope ?? null, grant_types: client.grantTypes,
  redirect_uris: client.redirectUris, token_endpoint_auth_method: client.tokenEndpointAuthMethod,
}));
provider.on('authorization.accepted', (ctx) => {
  const p = ctx.oidc.params;
  record('authorization', {
    client_id: p.client_id, scope: p.scope ?? null, resource: p.resource ?? null,
    code_challenge_method: p.code_challenge_method ?? null, has_state: Boolean(p.state),
  });
});
provider.on('grant.success', (ctx) => {
  const p = ctx.oidc.params;
  record('token', { grant_type: p.grant_type, client_id: ctx.oidc.client?.clientId, resource: p.resource ?? null });
});
provider.on('grant.error', (ctx, err) => record('token_error', {
  grant_type: ctx.oidc.params?.grant_type, error: err.error, error_description: err.error_description,
}));
provider.on('registration_create.error', (_ctx, err) => record('registration_error', {
  error: err.error, error_description: err.error_description,
}));
provider.on('authorization.error', (_ctx, err) => record('authorization_error', {
  error: err.error, error_description: err.error_description,
}));

const callback = provider.callback();
server.on('request', (req, res) => {
  if (req.url.startsWith('/__harness/')) return harnessEndpoint(req, res);
  const go = () => {
    if (harness.failStatus) {
      res.writeHead(harness.failStatus, { 'content-type': 'text/plain' }).end('harness: injected failure\n');
      return;
    }
    callback(req, res);
  };
  if (harness.delayMs) setTimeout(go, harness.delayMs);
  else go();
});

/** GET /__harness/events, POST /__harness/delay?ms=N, POST /__harness/fail?status=N, POST /__harness/reset. */
function harnessEndpoint(req, res) {
  const url = new URL(req.url, issuer);
  const json = (status, body) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const number = (name) => Number.parseInt(url.searchParams.get(name) ?? '0', 10) || 0;
  if (req.method === 'GET' && url.pathname === '/__harness/events') return json(200, harness.events);
  if (req.method === 'POST' && url.pathname === '/__harness/delay') {
    harness.delayMs = number('ms');
    return json(200, { delay_ms: harness.delayMs });
  }
  if (req.method === 'POST' && url.pathname === '/__harness/fail') {
    harness.failStatus = number('status');
    return json(200, { fail_status: harness.failStatus });
  }
  if (req.method === 'POST' && url.pathname === '/__harness/reset') {
    Object.assign(harness, { events: [], delayMs: 0, failStatus: 0 });
    return json(200, {});
  }
  return json(404, { error: 'unknown harness endpoint' });
}

const ready = {
  issuer,
  mode: opt.mode,
  discovery: `${issuer}/.well-known/openid-configuration`,
  jwks_uri: `${issuer}/jwks`,
  resource: opt.resource ?? null,
  scopes: resourceScopes,
  access_ttl: accessTtl,
};
if (opt['ready-file']) writeFileSync(opt['ready-file'], `${JSON.stringify(ready)}\n`);
console.log(JSON.stringify(ready));
// Nothing to flush (all state is in memory): stop at once, open keep-alive connections or not.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
