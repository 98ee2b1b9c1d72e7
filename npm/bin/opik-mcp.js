#!/usr/bin/env node
// The `opik-mcp` command of the npm package: runs the native binary from the platform package
// npm installed beside this one (an optional dependency whose `os`/`cpu` match this machine,
// the pattern esbuild and biome use), with the same arguments, stdin, stdout and stderr.
// Signals are passed on and the exit status is the binary's, so MCP clients that start it
// (stdio) and service managers that stop it (HTTP) see the server itself.
"use strict";

const { spawn } = require("node:child_process");

const PACKAGES = {
  "darwin-arm64": "opik-mcp-rs-darwin-arm64",
  "linux-arm64": "opik-mcp-rs-linux-arm64",
  "linux-x64": "opik-mcp-rs-linux-x64",
  "win32-x64": "opik-mcp-rs-win32-x64",
};
const ELSEWHERE =
  "Other ways to install: `uvx opik-mcp-rs`, `cargo install opik-mcp`, or a binary from " +
  "https://github.com/opik-mcp/opik-mcp/releases";

function fail(message) {
  process.stderr.write(`opik-mcp: ${message}\n${ELSEWHERE}\n`);
  process.exit(1);
}

function binaryPath() {
  const platform = `${process.platform}-${process.arch}`;
  const pkg = PACKAGES[platform];
  if (!pkg) {
    fail(`no prebuilt binary for ${platform}; the npm package has ${Object.keys(PACKAGES).join(", ")}.`);
  }
  const exe = process.platform === "win32" ? "opik-mcp.exe" : "opik-mcp";
  try {
    return require.resolve(`${pkg}/bin/${exe}`);
  } catch {
    return fail(
      `the platform package ${pkg} is not installed. npm skips optional dependencies with ` +
        `--omit=optional (or --no-optional); install again without it, or \`npm install ${pkg}\`.`,
    );
  }
}

const binary = binaryPath();
const child = spawn(binary, process.argv.slice(2), { stdio: "inherit" });
const forwarded = ["SIGINT", "SIGTERM", "SIGHUP"];
for (const signal of forwarded) {
  process.on(signal, () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  });
}
child.on("error", (e) => fail(`cannot start ${binary}: ${e.message}`));
child.on("exit", (code, signal) => {
  if (signal) {
    // Die of the same signal, so the caller sees how the server ended.
    for (const s of forwarded) process.removeAllListeners(s);
    process.kill(process.pid, signal);
    return;
  }
  process.exit(code ?? 1);
});
