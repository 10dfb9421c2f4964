#!/bin/bash
# nginx-dav.sh - a throwaway nginx (Debian's, with its WebDAV module) on a
# free loopback port, for the publish tests and benchmark.
#   nginx-dav.sh start DIR   serve DIR/root (PUT DELETE MKCOL COPY MOVE; and
#                            DIR/root/auth/ behind basic auth, user ci,
#                            password secret); prints the port once nginx
#                            answers; its pid goes to DIR/nginx.pid
#   nginx-dav.sh stop DIR
# Environment: NGINX_CONNECTIONS, connections per worker (default 64; the
# fleet benchmark needs more).
# Exit status: 0, or 3 when nginx is missing or does not come up in 30 s.
set -u
cmd=${1:-} N=${2:-}
[ -n "$N" ] || { echo "usage: nginx-dav.sh start|stop DIR" >&2; exit 2; }
case "$cmd" in
stop)
	[ -s "$N/nginx.pid" ] && kill "$(cat "$N/nginx.pid")" 2>/dev/null
	exit 0
	;;
start) ;;
*) echo "usage: nginx-dav.sh start|stop DIR" >&2; exit 2 ;;
esac
command -v nginx >/dev/null || { echo "nginx-dav.sh: nginx is not installed (scripts/setup.sh installs nginx-light)" >&2; exit 3; }
N=$(realpath -m "$N")
mkdir -p "$N/root/auth" "$N/tmp" "$N/logs"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
echo 'ci:{PLAIN}secret' >"$N/htpasswd"
USERLINE=
[ "$(id -u)" = 0 ] && USERLINE="user root root;"
cat >"$N/nginx.conf" <<CONF
$USERLINE
worker_processes 2;
daemon off;
pid $N/nginx.pid;
error_log $N/logs/error.log;
events { worker_connections ${NGINX_CONNECTIONS:-64}; }
http {
	access_log $N/logs/access.log;
	client_body_temp_path $N/tmp;
	client_max_body_size 0;
	server {
		listen 127.0.0.1:$PORT;
		root $N/root;
		location / { dav_methods PUT DELETE MKCOL COPY MOVE; dav_access user:rw all:r; }
		location /auth/ { auth_basic "repo"; auth_basic_user_file $N/htpasswd; dav_methods PUT DELETE MKCOL; }
	}
}
CONF
nginx -p "$N" -c "$N/nginx.conf" -e "$N/logs/error.log" </dev/null >"$N/logs/stdout.log" 2>&1 &
for _ in $(seq 300); do
	python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])),0.2)' "$PORT" 2>/dev/null &&
		{ echo "$PORT"; exit 0; }
	sleep 0.1
done
echo "nginx-dav.sh: nginx did not answer on port $PORT (see $N/logs/error.log)" >&2
exit 3
