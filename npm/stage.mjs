#!/usr/bin/env node
// Stage the npm packages of one build, ready for `npm pack` / `npm publish`:
//   OUTDIR/opik-mcp-rs            the main package: the `opik-mcp` launcher, no binary
//   OUTDIR/opik-mcp-rs-PLATFORM   the binary for one platform (os/cpu set, so npm installs
//                                 only the one matching the machine)
// Usage: node npm/stage.mjs BINARY OUTDIR [--platform linux-x64|linux-arm64|darwin-arm64|win32-x64]
// (or scripts/npm-stage.sh BINARY OUTDIR). PLATFORM defaults to this machine's; the release
// workflow stages each target's binary with its platform. The version is Cargo.toml's.
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const OS_CPU = {
  "darwin-arm64": ["darwin", "arm64", "macOS (Apple silicon)"],
  "linux-arm64": ["linux", "arm64", "Linux arm64"],
  "linux-x64": ["linux", "x64", "Linux x64"],
  "win32-x64": ["win32", "x64", "Windows x64"],
};

function fail(message) {
  process.stderr.write(`npm-stage: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const positional = [];
  let platform = `${process.platform}-${process.arch}`;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--platform") platform = argv[++i];
    else if (argv[i].startsWith("--platform=")) platform = argv[i].slice("--platform=".length);
    else positional.push(argv[i]);
  }
  if (positional.length !== 2) fail("usage: stage.mjs BINARY OUTDIR [--platform PLATFORM]");
  if (!OS_CPU[platform]) fail(`unsupported platform ${platform}; one of ${Object.keys(OS_CPU).join(", ")}`);
  return { binary: resolve(positional[0]), outdir: resolve(positional[1]), platform };
}

/** The `[package]` version of Cargo.toml. */
function cargoVersion() {
  const manifest = readFileSync(join(root, "Cargo.toml"), "utf8");
  const pkg = manifest.slice(manifest.indexOf("[package]"));
  const m = pkg.match(/^version\s*=\s*"([^"]+)"/m);
  if (!m) fail("no version in Cargo.toml's [package]");
  return m[1];
}

function writeJson(path, value) {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

function stageMain(main, version, outdir) {
  const dir = join(outdir, main.name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "bin"), { recursive: true });
  const { scripts: _scripts, ...manifest } = main;
  manifest.version = version;
  manifest.optionalDependencies = Object.fromEntries(
    Object.keys(main.optionalDependencies).map((name) => [name, version]),
  );
  writeJson(join(dir, "package.json"), manifest);
  copyFileSync(join(root, "npm", "bin", "opik-mcp.js"), join(dir, "bin", "opik-mcp.js"));
  chmodSync(join(dir, "bin", "opik-mcp.js"), 0o755);
  copyFileSync(join(root, "docs", "install.md"), join(dir, "README.md"));
  copyFileSync(join(root, "LICENSE"), join(dir, "LICENSE"));
  return dir;
}

function stagePlatform(main, version, outdir, platform, binary) {
  const [os, cpu, label] = OS_CPU[platform];
  const name = `${main.name}-${platform}`;
  if (!(name in main.optionalDependencies)) fail(`${name} is not an optional dependency of ${main.name}`);
  const exe = os === "win32" ? "opik-mcp.exe" : "opik-mcp";
  const dir = join(outdir, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "bin"), { recursive: true });
  // No `libc` field: the release's Linux binaries are static (musl) and run on any libc.
  writeJson(join(dir, "package.json"), {
    name, version,
    description: `The opik-mcp binary for ${label}, installed by ${main.name}`,
    license: main.license, homepage: main.homepage, repository: main.repository,
    os: [os], cpu: [cpu],
    files: [`bin/${exe}`, "README.md", "LICENSE"],
    preferUnplugged: true,
  });
  copyFileSync(binary, join(dir, "bin", exe));
  chmodSync(join(dir, "bin", exe), 0o755);
  writeFileSync(join(dir, "README.md"),
    `# ${name}\n\nThe \`opik-mcp\` binary for ${label}. Install [${main.name}](${main.homepage}) instead: ` +
    "it picks the right platform package.\n");
  copyFileSync(join(root, "LICENSE"), join(dir, "LICENSE"));
  return dir;
}

const { binary, outdir, platform } = parseArgs(process.argv.slice(2));
if (!statSync(binary, { throwIfNoEntry: false })?.isFile()) fail(`${binary} is not a file`);
const version = cargoVersion();
const main = JSON.parse(readFileSync(join(root, "npm", "package.json"), "utf8"));
if (main.version !== version) fail(`npm/package.json has version ${main.version}, Cargo.toml ${version}`);
if (platform === `${process.platform}-${process.arch}`) {
  const said = execFileSync(binary, ["--version"], { encoding: "utf8" }).trim();
  if (said !== `opik-mcp ${version}`) fail(`${binary} --version says ${JSON.stringify(said)}, not opik-mcp ${version}`);
}
mkdirSync(outdir, { recursive: true });
console.log(stageMain(main, version, outdir));
console.log(stagePlatform(main, version, outdir, platform, binary));
