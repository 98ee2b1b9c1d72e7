#!/usr/bin/env bash
# Supply chain: cargo-deny (licences allow-list, bans, sources; advisories when
# the advisory database can be fetched) and cargo-machete (unused dependencies), per
# deny.toml. Tools are installed once from crates into $HOME/.cache/cargo-tools; if an
# install fails or takes over 5 minutes, that check is skipped with a message.
set -uo pipefail
cd "$(dirname "$0")/../.."
tools=$HOME/.cache/cargo-tools
export PATH="$tools/bin:$PATH"
passed=0; failed=0; skipped=0

have() {
    command -v "$1" >/dev/null 2>&1 && return 0
    echo "installing $2 (cached under $tools)..."
    timeout 300 cargo install --locked --quiet --root "$tools" "$2" >/dev/null 2>&1
    command -v "$1" >/dev/null 2>&1
}

check() {
    local name=$1; shift
    if "$@"; then echo "ok: $name"; passed=$((passed + 1)); else echo "FAILED: $name"; failed=$((failed + 1)); fi
}

if have cargo-deny cargo-deny; then
    # cargo-deny reads `cargo metadata` for every target platform, which needs crates a
    # host-only build never downloads: fetch them (from the crates registry) first.
    timeout 300 cargo fetch --locked >/dev/null
    check "cargo deny check licenses bans sources" \
        timeout 120 cargo deny --offline --log-level error check licenses bans sources
    if timeout 60 cargo deny fetch db >/dev/null 2>&1; then
        check "cargo deny check advisories" \
            timeout 120 cargo deny --offline --log-level error check advisories
    else
        echo "skipped: advisories (the advisory database (a git repository) could not be fetched: unreachable from here)"
        skipped=$((skipped + 1))
    fi
else
    echo "skipped: cargo-deny could not be installed within 5 minutes"
    skipped=$((skipped + 2))
fi

if have cargo-machete cargo-machete; then
    check "cargo machete" timeout 60 cargo machete
else
    echo "skipped: cargo-machete could not be installed within 5 minutes"
    skipped=$((skipped + 1))
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
