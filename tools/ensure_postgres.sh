#!/usr/bin/env bash
# Gets a PostgreSQL server Odoo can use, and writes its coordinates to $PG_ENV_FILE.
# 1. A server that already answers with the caller's libpq settings (PGHOST/PGPORT/PGUSER),
#    as a role other than `postgres` that may create databases, is used as is.
# 2. Otherwise a private cluster is started for the project: data under the cache folder,
#    its own port and socket, superuser role `odoo`. As root, PostgreSQL refuses to run, so the
#    server runs in a user namespace where root is mapped to an ordinary uid: nothing outside
#    the cache folder is touched and no system user or permission is changed.
set -euo pipefail
source "$(dirname "$0")/env.sh"

write_env() {  # host port user
    printf 'PGHOST=%s\nPGPORT=%s\nPGUSER=%s\n' "$1" "$2" "$3" > "$PG_ENV_FILE"
}

# 1. An existing server reachable with the caller's settings.
if [ -n "${PGHOST:-}${PGPORT:-}${PGUSER:-}" ] && command -v psql >/dev/null; then
    role_ok=$(psql -d postgres -tAc \
        "select current_user <> 'postgres' and (rolcreatedb or rolsuper) from pg_roles where rolname = current_user" \
        2>/dev/null || true)
    if [ "$role_ok" = "t" ]; then
        write_env "${PGHOST:-localhost}" "${PGPORT:-5432}" "$(psql -d postgres -tAc 'select current_user')"
        exit 0
    fi
    say "PGHOST/PGPORT/PGUSER are set but that server does not answer with a non-postgres role able to create databases: using the project's private cluster instead."
fi

# 2. The project's private cluster.
pgbin=""
for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && pgbin="$d"; done
[ -n "$pgbin" ] || die "PostgreSQL server binaries not found (looked in /usr/lib/postgresql/*/bin). Install them, e.g. 'apt-get install postgresql'."

as_db_owner() {
    if [ "$(id -u)" = 0 ]; then
        unshare --user --map-user=1000 --map-group=1000 -- "$@"
    else
        "$@"
    fi
}

answering() { "$pgbin/pg_isready" -q -h "$PG_SOCKET_DIR" -p "$PGPORT_PRIVATE"; }

mkdir -p "$PG_SOCKET_DIR"
if ! answering; then
    if [ ! -f "$PGDATA_DIR/PG_VERSION" ]; then
        say "Creating the project's PostgreSQL cluster in $PGDATA_DIR..."
        rm -rf "$PGDATA_DIR"
        as_db_owner "$pgbin/initdb" -D "$PGDATA_DIR" -U odoo --auth=trust --encoding=UTF8 \
            --locale=C.UTF-8 >"$CACHE_DIR/initdb.log" 2>&1 \
            || die "initdb failed; see $CACHE_DIR/initdb.log"
        cat >> "$PGDATA_DIR/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PGPORT_PRIVATE
unix_socket_directories = '$PG_SOCKET_DIR'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
CONF
    fi
    rm -f "$PGDATA_DIR/postmaster.pid"
    say "Starting PostgreSQL on 127.0.0.1:$PGPORT_PRIVATE..."
    as_db_owner "$pgbin/pg_ctl" -D "$PGDATA_DIR" -l "$CACHE_DIR/postgresql.log" -w -t 60 start >/dev/null \
        || die "PostgreSQL did not start; see $CACHE_DIR/postgresql.log"
fi
answering || die "PostgreSQL is not answering on $PG_SOCKET_DIR:$PGPORT_PRIVATE; see $CACHE_DIR/postgresql.log"
write_env 127.0.0.1 "$PGPORT_PRIVATE" odoo
