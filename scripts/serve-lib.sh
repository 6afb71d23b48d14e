# Shared by the scripts that drive a built site in Chromium (sourced).
# serve_site XCAT DIR LOG: serves DIR with `XCAT serve` on a random port in the background,
# logging to LOG, and waits (up to 10 s) until it accepts connections. Sets $port, and $server
# to the server's pid for the caller's cleanup.
serve_site() {
  port=$((20000 + RANDOM % 20000))
  "$1" serve --dir "$2" --port "$port" >"$3" 2>&1 &
  server=$!
  wait_port "$port"
}

# wait_port PORT: waits (up to 10 s) until 127.0.0.1:PORT accepts connections.
wait_port() {
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && break
    sleep 0.1
  done
}
