# The ratio table of scripts/bench.sh: every figure of the performance targets as a ratio of two
# runs of the SAME bench run (same machine, same load), with its target. Source it; needs jq.

# fig FILE TRANSPORT FIELD: one field of one transport's figures in a load/health JSON file
# (empty if the file or the transport is missing).
fig() {
    [[ -f $1 ]] || return 0
    jq -r --arg t "$2" --arg f "$3" '.[] | select(.transport == $t) | .[$f] // empty' "$1"
}

# ratio A B: A / B to two decimals (or "–" when either is missing or B is zero).
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "–";
        else printf "%.2f", a / b }'
}

# row FIGURE VALUE TARGET: one line of the table.
row() { printf '%-64s %26s   %s\n' "$1" "$2" "$3"; }

# ratio_table OUT: print the table from the JSON files of a run directory.
ratio_table() {
    local o=$1 t c
    echo "ratios, this run (target in the last column):"
    for t in sse streamable; do
        for c in bare full; do
            row "tools/list 100 sessions, $c ÷ TS SDK server, $t" \
                "$(ratio "$(fig "$o/$c-tools-list.json" "$t" replies_per_s)" \
                    "$(fig "$o/sdk-tools-list.json" "$t" replies_per_s)")×" "≥ 6×"
        done
    done
    for t in sse streamable; do
        for c in bare full; do
            row "ping 100 sessions, $c ÷ poem hello-world /health, $t" \
                "$(ratio "$(fig "$o/$c-ping.json" "$t" replies_per_s)" \
                    "$(fig "$o/hello-health.json" http replies_per_s)")×" "≥ 0.5×"
        done
        row "ping 100 sessions, TS SDK server ÷ poem hello-world, $t" \
            "$(ratio "$(fig "$o/sdk-ping.json" "$t" replies_per_s)" \
                "$(fig "$o/hello-health.json" http replies_per_s)")×" "(reference)"
    done
    for t in sse streamable; do
        for c in bare full sdk; do
            row "p99 tools/list 100 sessions, $c, $t" \
                "$(fig "$o/$c-tools-list.json" "$t" p99_ms | xargs printf '%.1f') ms" \
                "$([[ $c == sdk ]] && echo '(reference)' || echo '≤ 10 ms')"
        done
    done
    for t in sse streamable; do
        for m in ping tools-list call-info; do
            row "server CPU per reply, full ÷ bare, $m, $t" \
                "$(ratio "$(fig "$o/bare-$m.json" "$t" server_cpu_us_per_reply)" \
                    "$(fig "$o/full-$m.json" "$t" server_cpu_us_per_reply)")" "≥ 0.9 (bare ÷ full)"
            row "server CPU per reply, TS SDK ÷ bare, $m, $t" \
                "$(ratio "$(fig "$o/sdk-$m.json" "$t" server_cpu_us_per_reply)" \
                    "$(fig "$o/bare-$m.json" "$t" server_cpu_us_per_reply)")×" "(reference)"
        done
    done
    row "RSS idle SSE streams, ours: total / per stream" "$(idle_line "$o/bare-idle.json")" \
        "≤ 100 MiB / ≤ 10 KiB at 10,000"
    row "RSS idle SSE streams, TS SDK server" "$(idle_line "$o/sdk-idle.json")" "(reference)"
    [[ -f $o/startup.json ]] && row "start to first /health 200, median" \
        "$(jq -r '.median_ms * 10 | round / 10' "$o/startup.json") ms" "≤ 20 ms"
    return 0
}

# idle_line FILE: "N streams: total MiB / KiB per stream" at the largest step of an idle curve
# (per stream: RSS growth over the baseline sample ÷ streams).
idle_line() {
    [[ -f $1 ]] || { echo "–"; return 0; }
    jq -r '.[0].rss_kib as $base | map(select(.streams > 0)) | max_by(.streams)
        | "\(.streams): \(.rss_kib / 1024 | floor) MiB / \((.rss_kib - $base) / .streams
          * 10 | round / 10) KiB"' "$1"
}
