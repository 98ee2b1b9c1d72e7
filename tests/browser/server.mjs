// Start and stop the real opik-mcp binary for the browser tests.
import { spawn, execFileSync } from "node:child_process";
import { createServer } from "node:net";
import { once } from "node:events";

export const BIN = process.env.OPIK_MCP_BIN || "target/debug/opik-mcp";

/** A port that was free a moment ago on 127.0.0.1. */
export async function freePort() {
  const srv = createServer();
  srv.listen(0, "127.0.0.1");
  await once(srv, "listening");
  const { port } = srv.address();
  srv.close();
  await once(srv, "close");
  return port;
}

/** Whether this build has the security issue's `--auth-mode` option. */
export function hasAuthOption() {
  return execFileSync(BIN, ["--help"], { encoding: "utf8" }).includes("--auth-mode");
}

/** The server's environment: none of the caller's opik-mcp settings leak in. */
function cleanEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(OPIK_|MCP_|SSE_|TRANSPORT$|DATABASE_URL$)/.test(k)) continue;
    env[k] = v;
  }
  // Builds with the admin listener (observability issue) bind it to 127.0.0.1:9464 by
  // default; tests run several servers at once, so let each pick a free port.
  if (hasAdminListener()) env.OPIK_MCP_ADMIN__PORT = "0";
  return env;
}

let adminListener;
/** Whether this build knows the `[admin]` section (an unknown section fails config load). */
function hasAdminListener() {
  if (adminListener === undefined) {
    try {
      execFileSync(BIN, ["--transport", "stdio"], { input: "", stdio: ["pipe", "ignore", "ignore"],
        env: { PATH: process.env.PATH, OPIK_MCP_ADMIN__PORT: "0" } });
      adminListener = true;
    } catch {
      adminListener = false;
    }
  }
  return adminListener;
}

/**
 * Spawn `opik-mcp --transport=sse --serve-client` on 127.0.0.1:`port` and wait until
 * `/health` answers. `extra` are more flags; `{ serveClientFlag: false }` leaves the client
 * to the server's default. Returns { proc, port, base, log() }.
 */
export async function startServer(port, extra = [], { serveClientFlag = true } = {}) {
  const args = ["--transport=sse", "--sse-host=127.0.0.1", `--sse-port=${port}`, "--sse-log-path=",
    ...(serveClientFlag ? ["--serve-client"] : []), ...extra];
  const proc = spawn(BIN, args, { env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  proc.stdout.on("data", (d) => { output += d; });
  proc.stderr.on("data", (d) => { output += d; });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`opik-mcp exited with ${proc.exitCode}:\n${output}`);
    try {
      const res = await fetch(`${base}/health`);
      if (res.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) { proc.kill("SIGKILL"); throw new Error(`opik-mcp did not start:\n${output}`); }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { proc, port, base, log: () => output };
}

/** SIGTERM the server and wait for it to exit (SIGKILL after 15 s). */
export async function stopServer(server) {
  if (!server || server.proc.exitCode !== null) return;
  const exited = once(server.proc, "exit");
  server.proc.kill("SIGTERM");
  const timer = setTimeout(() => server.proc.kill("SIGKILL"), 15000);
  await exited;
  clearTimeout(timer);
}
