#!/usr/bin/env bash
# The nginx configuration that `xcat headers --format nginx` prints, under a real nginx (Debian's,
# installed when missing): the site's caching, security and CORS headers on pages, hashed data,
# pointers and the wasm module, and the 301 of a directory without its slash.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get install -y nginx-light >/dev/null 2>&1 || { $sudo apt-get update >/dev/null && $sudo apt-get install -y nginx-light >/dev/null; }
fi
nginx=$(command -v nginx || echo /usr/sbin/nginx)
target_dir=${CARGO_TARGET_DIR:-target}
scripts/bins.sh
xcat="$target_dir/debug/xcat"
tmp=$(mktemp -d)
# nginx's workers run as another user: they must be able to read the site.
chmod 755 "$tmp"
cleanup() { [ -f "$tmp/nginx.pid" ] && kill "$(cat "$tmp/nginx.pid")" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
"$xcat" demo-catalogue --quiet --sources 200 --out "$tmp/cat.fits"
"$xcat" build -q --catalog "$tmp/cat.fits" --out "$tmp/site" --cache "$tmp/cache"
"$xcat" headers --dir "$tmp/site" --format nginx > "$tmp/xcat-headers.conf"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$tmp/nginx.conf" <<CONF
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/error.log;
events { worker_connections 64; }
http {
  include /etc/nginx/mime.types;
  access_log off;
  client_body_temp_path $tmp/body; proxy_temp_path $tmp/proxy; fastcgi_temp_path $tmp/fcgi;
  uwsgi_temp_path $tmp/uwsgi; scgi_temp_path $tmp/scgi;
  server {
    listen 127.0.0.1:$port;
    root $tmp/site;
    error_page 404 /404.html;
    include $tmp/xcat-headers.conf;
  }
}
CONF
"$nginx" -t -q -c "$tmp/nginx.conf"
"$nginx" -c "$tmp/nginx.conf"
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
fail=0
expect() { # URL-path, header regex
  local h; h=$(curl -sI "http://127.0.0.1:$port$1" | tr -d '\r')
  if ! grep -qiE "$2" <<<"$h"; then echo "FAIL: $1 lacks /$2/:"; echo "$h" | sed 's/^/    /'; fail=1; else echo "ok: $1 has $2"; fi
}
chunk=$(cd "$tmp/site" && ls data/chunks/*.bin | head -1)
manifest=$(cd "$tmp/site" && ls data/manifest.*.bin | head -1)
for p in / "/$chunk" "/$manifest" /data/manifest.txt /static/wasm/xcat_wasm_bg.wasm /docs/columns/; do
  expect "$p" "^HTTP/1.1 200"
done
expect / "^Content-Security-Policy: default-src 'self';.*frame-ancestors 'self'"
expect / "^X-Content-Type-Options: nosniff"
expect / "^Cache-Control: no-cache"
expect "/$chunk" "^Cache-Control: public, max-age=31536000, immutable"
expect "/$chunk" "^Access-Control-Allow-Origin: \*"
expect "/$chunk" "^X-Content-Type-Options: nosniff"
expect "/$manifest" "^Cache-Control: public, max-age=31536000, immutable"
expect /data/manifest.txt "^Cache-Control: no-cache"
expect /data/manifest.txt "^Access-Control-Allow-Origin: \*"
expect /static/wasm/xcat_wasm_bg.wasm "^Content-Type: application/wasm"
expect /docs/columns "^HTTP/1.1 301"
expect /docs/columns "^Location: .*/docs/columns/$"
exit $fail
