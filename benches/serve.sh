#!/usr/bin/env bash
# Serving speed: tidings against nginx serving the very same bytes as static files, side by side
# in one run, with wrk on 127.0.0.1 (-t2 -c64 -d10s), in three modes:
#   plain  no Accept-Encoding: the ~150 KB Atom document
#   gzip   Accept-Encoding: gzip: tidings' gzip bytes, built once; nginx's gzip_static of the same
#   304    If-None-Match with the server's own ETag
# Each mode runs ROUNDS times, nginx and tidings in turn; the medians and their ratio are printed
# (target: tidings at least 0.8x nginx). Then `cargo bench --bench render_scale`: render time with
# 1,000 and 100,000 stored stories.
#
#   bash benches/serve.sh                      # installs wrk and nginx if missing (root, Debian)
#   ROUNDS=1 DURATION=5s bash benches/serve.sh # quicker, noisier
#   RENDER=0 bash benches/serve.sh             # skip the render benchmark
#   MODES=plain bash benches/serve.sh          # one mode only
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-3}
RENDER=${RENDER:-1}
MODES=${MODES:-plain gzip 304}

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v curl >/dev/null || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}"
  apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

cargo build --release --quiet
bin=$PWD/target/release/tidings

work=$(mktemp -d)
chmod 755 "$work"
daemon_pid=
cleanup() {
  [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# A source whose merged feed is about 150 KB: 60 stories of a few paragraphs of news-like text
# (words drawn from a fixed seed, so it compresses like prose, about 4:1, not like repeats).
python3 - "$work/source.xml" <<'PY'
import random, sys
from datetime import datetime, timedelta, timezone
rng = random.Random(2026)
words = ("customs administration border procedure risk management rules origin illicit trade tobacco drugs "
         "counterfeit goods regional office academy workshop seizure container port officers training "
         "cooperation agreement tariff classification valuation data exchange single window trade facilitation "
         "enforcement operation results announced meeting members secretariat programme capacity building "
         "integrity partnership ministry revenue transit corridor inspection scanner network analysis").split()
def sentence():
    return " ".join(rng.choice(words) for _ in range(rng.randint(8, 18))).capitalize() + ". "
start = datetime(2026, 1, 1, 8, tzinfo=timezone.utc)
items = []
for i in range(60):
    date = (start + timedelta(hours=7 * i)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    body = "".join("&lt;p&gt;" + "".join(sentence() for _ in range(8)) + "&lt;/p&gt;" for p in range(2))
    items.append(f"<item><guid isPermaLink='false'>story-{i}</guid><link>https://news.example.org/{i}</link>"
                 f"<title>Regional customs meeting {i} adopts a joint plan</title><pubDate>{date}</pubDate>"
                 f"<description>{body}</description></item>")
open(sys.argv[1], "w").write("<?xml version='1.0'?><rss version='2.0'><channel><title>Bench news</title>"
                             "<link>https://news.example.org/</link><description>d</description>"
                             + "".join(items) + "</channel></rss>")
PY

port=$(free_port)
cat > "$work/tidings.toml" <<EOF
[server]
listen = "127.0.0.1:$port"
max_entries = 60

[store]
path = "$work/store"

[fetch]
schedule = "0 0 0 1 1 *"

[[source]]
id = "bench"
title = "Bench news"
url = "$work/source.xml"
EOF
RUST_LOG=warn,tidings=info "$bin" run --config "$work/tidings.toml" 2> "$work/tidings.log" &
daemon_pid=$!
for _ in $(seq 1 100); do grep -q ' poll ' "$work/tidings.log" && break; sleep 0.1; done
grep -q ' poll ' "$work/tidings.log" || { cat "$work/tidings.log"; echo "tidings did not poll"; exit 1; }
tidings_url="http://127.0.0.1:$port/feeds/all.atom"

# nginx serves what tidings serves: the same plain bytes, and the same gzip bytes for gzip_static.
mkdir -p "$work/www/feeds" "$work/nginx-tmp"
curl -fsS -o "$work/www/feeds/all.atom" "$tidings_url"
curl -fsS -H 'Accept-Encoding: gzip' -o "$work/www/feeds/all.atom.gz" "$tidings_url"
chmod -R a+rX "$work/www"
nginx_port=$(free_port)
cat > "$work/nginx.conf" <<EOF
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000000;
  types { application/atom+xml atom; }
  gzip_static on;
  client_body_temp_path $work/nginx-tmp;
  proxy_temp_path $work/nginx-tmp;
  fastcgi_temp_path $work/nginx-tmp;
  uwsgi_temp_path $work/nginx-tmp;
  scgi_temp_path $work/nginx-tmp;
  server {
    listen 127.0.0.1:$nginx_port;
    root $work/www;
  }
}
EOF
"$NGINX" -c "$work/nginx.conf" -p "$work"
nginx_url="http://127.0.0.1:$nginx_port/feeds/all.atom"
sleep 0.3

etag() { curl -fsS -o /dev/null -D - "$1" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}'; }
tidings_etag=$(etag "$tidings_url")
nginx_etag=$(etag "$nginx_url")
plain_size=$(stat -c %s "$work/www/feeds/all.atom")
gzip_size=$(stat -c %s "$work/www/feeds/all.atom.gz")

# Both answer each mode as they should before anything is timed.
check() { # url, expected status, expected content-encoding (or -), header...
  local url=$1 status=$2 encoding=$3; shift 3
  local args=(); for h in "$@"; do args+=(-H "$h"); done
  local got; got=$(curl -sS -o /dev/null -D - "${args[@]}" "$url" | tr -d '\r')
  echo "$got" | head -1 | grep -q " $status" || { echo "$url answered $(echo "$got" | head -1), expected $status"; exit 1; }
  if [ "$encoding" != - ]; then
    echo "$got" | grep -qi "^content-encoding: $encoding" || { echo "$url did not answer with $encoding"; exit 1; }
  fi
}
for server in tidings nginx; do
  url_var=${server}_url; etag_var=${server}_etag
  check "${!url_var}" 200 -
  check "${!url_var}" 200 gzip 'Accept-Encoding: gzip'
  check "${!url_var}" 304 - "If-None-Match: ${!etag_var}"
done

rate() { # url, header...: requests per second from one wrk run
  local url=$1; shift
  local args=(); for h in "$@"; do args+=(-H "$h"); done
  wrk -t2 -c64 -d"$DURATION" "${args[@]}" "$url" | awk '/Requests\/sec/{print $2}'
}
median() { sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

echo "feed: $plain_size bytes plain, $gzip_size gzip; wrk -t2 -c64 -d$DURATION, $ROUNDS rounds, median"
printf '%-6s %12s %12s %8s\n' mode nginx tidings ratio
fail=0
for mode in $MODES; do
  : > "$work/nginx.$mode"; : > "$work/tidings.$mode"
  for _ in $(seq 1 "$ROUNDS"); do
    for server in nginx tidings; do
      url_var=${server}_url; etag_var=${server}_etag
      case $mode in
        plain) rate "${!url_var}" >> "$work/$server.$mode" ;;
        gzip) rate "${!url_var}" 'Accept-Encoding: gzip' >> "$work/$server.$mode" ;;
        304) rate "${!url_var}" "If-None-Match: ${!etag_var}" >> "$work/$server.$mode" ;;
      esac
    done
  done
  n=$(median < "$work/nginx.$mode"); t=$(median < "$work/tidings.$mode")
  ratio=$(awk -v t="$t" -v n="$n" 'BEGIN{printf "%.2f", t/n}')
  printf '%-6s %12.0f %12.0f %7sx\n' "$mode" "$n" "$t" "$ratio"
  awk -v r="$ratio" 'BEGIN{exit !(r < 0.8)}' && fail=1
done
[ "$fail" = 0 ] && echo "target met: tidings at least 0.8x nginx in every mode" || echo "TARGET MISSED: below 0.8x nginx in a mode"

if [ "$RENDER" = 1 ]; then
  echo
  cargo bench --quiet --bench render_scale
fi
