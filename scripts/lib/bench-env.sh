# Shared by scripts/bench.sh and scripts/callgrind.sh: loopback ports, an RS256 JWT and the
# full-pipeline configuration (every layer on; quotas far above what one run sends, so they
# are checked, never hit). Source it; needs openssl.

ISSUER=${ISSUER:-https://issuer.bench.local}
RESOURCE=${RESOURCE:-https://mcp.bench.local/mcp}
ORIGIN=${ORIGIN:-https://app.bench.local}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }

# mint_jwt DIR: an RS256 key pair in DIR (kept if present) and a one-day token on stdout (RS256
# is what most identity providers sign with).
mint_jwt() {
    local dir=$1 now header claims sig
    [[ -f $dir/jwt.key ]] || openssl genrsa -out "$dir/jwt.key" 2048 2>/dev/null
    openssl rsa -in "$dir/jwt.key" -pubout -out "$dir/jwt.pub" 2>/dev/null
    now=$(date +%s)
    header=$(printf '{"alg":"RS256","typ":"JWT"}' | b64url)
    claims=$(printf '{"iss":"%s","aud":"%s","sub":"bench","scope":"opik:read opik:write","iat":%d,"exp":%d}' \
        "$ISSUER" "$RESOURCE" "$now" $((now + 86400)) | b64url)
    sig=$(printf '%s.%s' "$header" "$claims" | openssl dgst -sha256 -sign "$dir/jwt.key" -binary | b64url)
    echo "$header.$claims.$sig"
}

# write_full_config FILE DIR: the full pipeline (JWT with DIR/jwt.pub, CORS, rate limits,
# admin listener with metrics, audit on SQLite).
write_full_config() {
    cat >"$1" <<EOF
[server]
max_sessions = 20000
[auth]
mode = "jwt"
resource = "$RESOURCE"
[auth.jwt]
issuer = "$ISSUER"
[[auth.jwt.public_keys]]
path = "$2/jwt.pub"
[cors]
allowed_origins = ["$ORIGIN"]
[rate_limit]
enabled = true
exempt_loopback = false
per_ip = { per_minute = 100000000, burst = 1000000 }
per_principal = { per_minute = 100000000, burst = 1000000 }
per_tool = { per_minute = 100000000, burst = 1000000 }
max_streams_per_principal = 100000
[limits]
max_sessions_per_principal = 100000
[admin]
enabled = true
port = 0
[audit]
enabled = true
EOF
}
