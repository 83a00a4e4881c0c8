#!/usr/bin/env bash
# Starts and stops the real database servers the integration tests run against:
# PostgreSQL 15 and MariaDB 10.11 from Debian's packages, on 127.0.0.1 only, with
# their data in a scratch directory.
#
#   eval "$(scripts/services.sh start)"   # start (or reuse) both; prints export lines
#   scripts/services.sh env               # print the export lines of running servers
#   scripts/services.sh stop              # stop both and remove the scratch directory
#
# Ports: RASP_PG_PORT (55432), RASP_MYSQL_PORT (53306). State: RASP_SERVICES_DIR
# (/tmp/rasp-services). Progress goes to stderr; only export lines go to stdout.
set -euo pipefail

DIR=${RASP_SERVICES_DIR:-/tmp/rasp-services}
PG_PORT=${RASP_PG_PORT:-55432}
MY_PORT=${RASP_MYSQL_PORT:-53306}
PG_BIN=${RASP_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}

log() { echo "services: $*" >&2; }

print_env() {
  echo "export RASP_PG_DSN='postgres://postgres@127.0.0.1:${PG_PORT}/postgres?sslmode=disable'"
  echo "export RASP_MYSQL_DSN='root@tcp(127.0.0.1:${MY_PORT})/mysql'"
}

pg_up() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" >/dev/null 2>&1; }
my_up() { mariadb-admin --protocol=tcp -h 127.0.0.1 -P "$MY_PORT" -u root ping >/dev/null 2>&1; }

start_pg() {
  if pg_up; then log "PostgreSQL already up on $PG_PORT"; return; fi
  [ -n "$PG_BIN" ] || { log "PostgreSQL binaries not found (apt-get install postgresql)"; exit 1; }
  mkdir -p "$DIR"
  chown postgres "$DIR"
  if [ ! -f "$DIR/pg/PG_VERSION" ]; then
    su postgres -c "$PG_BIN/initdb -D $DIR/pg -A trust -U postgres" >"$DIR/pg-init.log" 2>&1 ||
      { cat "$DIR/pg-init.log" >&2; exit 1; }
  fi
  su postgres -c "$PG_BIN/pg_ctl -D $DIR/pg -o '-c listen_addresses=127.0.0.1 -p $PG_PORT -k $DIR' -l $DIR/pg.log start -w" >&2 ||
    { cat "$DIR/pg.log" >&2; exit 1; }
  log "PostgreSQL up on 127.0.0.1:$PG_PORT"
}

start_my() {
  if my_up; then log "MariaDB already up on $MY_PORT"; return; fi
  command -v mariadbd >/dev/null || { log "mariadbd not found (apt-get install mariadb-server)"; exit 1; }
  mkdir -p "$DIR/my"
  if [ ! -d "$DIR/my/data/mysql" ]; then
    mariadb-install-db --user=root --datadir="$DIR/my/data" --auth-root-authentication-method=normal \
      >"$DIR/my-init.log" 2>&1 || { cat "$DIR/my-init.log" >&2; exit 1; }
  fi
  # setsid: the server must outlive this script and the shell that evals it.
  setsid mariadbd --user=root --datadir="$DIR/my/data" --bind-address=127.0.0.1 --port="$MY_PORT" \
    --socket="$DIR/my/sock" --pid-file="$DIR/my/pid" --skip-name-resolve >"$DIR/my.log" 2>&1 < /dev/null &
  for _ in $(seq 1 120); do
    if my_up; then log "MariaDB up on 127.0.0.1:$MY_PORT"; return; fi
    sleep 0.5
  done
  cat "$DIR/my.log" >&2
  log "MariaDB did not start"
  exit 1
}

stop_all() {
  if [ -f "$DIR/pg/postmaster.pid" ]; then
    su postgres -c "$PG_BIN/pg_ctl -D $DIR/pg stop -m fast" >&2 || true
  fi
  if [ -f "$DIR/my/pid" ]; then
    pid=$(cat "$DIR/my/pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  fi
  rm -rf "$DIR"
  log "stopped"
}

case "${1:-}" in
  start) start_pg; start_my; print_env ;;
  env) print_env ;;
  stop) stop_all ;;
  *) echo "usage: $0 start|env|stop" >&2; exit 2 ;;
esac
