# A throwaway PostgreSQL for the registry tests: Debian's `postgresql` (installed with apt-get when
# missing), a cluster in a temporary folder, run by the `postgres` user when we are root, listening on
# 127.0.0.1 only, on a free port; one role and one database with a random password.
#
#   . .ci/postgres.sh
#   tuopin_postgres_start      # exports TUOPIN_TEST_POSTGRES_URL=postgresql+psycopg://...
#   trap tuopin_postgres_stop EXIT
#
# or, to run one command against it: bash .ci/postgres.sh .venv/bin/pytest tests/registry -q
# A TUOPIN_TEST_POSTGRES_URL that is already set is used as it is: nothing is installed or started.
# Quiet on success (one line); on failure the server's log is printed.

TUOPIN_PG_DIR=""
TUOPIN_PG_STARTED=""

_tuopin_pg_bindir() {
    local initdb
    initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1)
    if [[ -z "$initdb" ]]; then
        initdb=$(command -v initdb 2>/dev/null || true)
    fi
    [[ -n "$initdb" ]] && dirname "$(readlink -f "$initdb")"
}

_tuopin_pg_install() {
    if [[ $(id -u) -ne 0 ]]; then
        echo "postgres.sh: PostgreSQL is not installed and only root can apt-get install postgresql" >&2
        return 1
    fi
    # Not the Debian package's own `main` cluster on port 5432: only this throwaway one runs.
    if [[ ! -e /etc/postgresql-common/createcluster.conf ]]; then
        mkdir -p /etc/postgresql-common
        echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.conf
    fi
    local log
    log=$(mktemp)
    if ! { apt-get update -qq \
            && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
                -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold postgresql; \
         } >"$log" 2>&1 </dev/null; then
        cat "$log" >&2
        rm -f "$log"
        echo "postgres.sh: apt-get install postgresql failed" >&2
        return 1
    fi
    rm -f "$log"
}

# Runs a command as the cluster's owner: `postgres` when we are root (initdb refuses root), else us.
_tuopin_pg_as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

_tuopin_pg_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

tuopin_postgres_start() {
    if [[ -n "${TUOPIN_TEST_POSTGRES_URL:-}" ]]; then
        echo "registry tests: PostgreSQL at the given TUOPIN_TEST_POSTGRES_URL"
        return 0
    fi
    local bindir
    bindir=$(_tuopin_pg_bindir || true)
    if [[ -z "$bindir" ]]; then
        _tuopin_pg_install || return 1
        bindir=$(_tuopin_pg_bindir || true)
        if [[ -z "$bindir" ]]; then
            echo "postgres.sh: no initdb after installing postgresql" >&2
            return 1
        fi
    fi

    if [[ $(id -u) -eq 0 ]]; then
        # /tmp, not $TMPDIR: the postgres user must be able to reach it.
        TUOPIN_PG_DIR=$(mktemp -d /tmp/tuopin-pg.XXXXXX)
        chown postgres: "$TUOPIN_PG_DIR"
    else
        TUOPIN_PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tuopin-pg.XXXXXX")
    fi
    chmod 0700 "$TUOPIN_PG_DIR"
    local data="$TUOPIN_PG_DIR/data" log="$TUOPIN_PG_DIR/server.log"
    local password
    password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')

    # Superuser `postgres` over the cluster's private socket folder only (trust: the folder is 0700);
    # TCP on loopback with a password. C.UTF-8 sorts like SQLite (by code point) and is on every Debian.
    if ! _tuopin_pg_as_owner "$bindir/initdb" -D "$data" -U postgres -E UTF8 --locale=C.UTF-8 \
            --auth-local=trust --auth-host=scram-sha-256 >"$TUOPIN_PG_DIR/initdb.log" 2>&1; then
        cat "$TUOPIN_PG_DIR/initdb.log" >&2
        echo "postgres.sh: initdb failed" >&2
        tuopin_postgres_stop
        return 1
    fi

    local port="" attempt
    for attempt in 1 2 3; do
        port=$(_tuopin_pg_free_port)
        if _tuopin_pg_as_owner "$bindir/pg_ctl" -D "$data" -l "$log" -w -t 60 -s \
                -o "-c listen_addresses=127.0.0.1 -p $port -k $TUOPIN_PG_DIR -c fsync=off -c full_page_writes=off -c synchronous_commit=off" \
                start >/dev/null 2>&1; then
            TUOPIN_PG_STARTED=$bindir
            break
        fi
        port=""
    done
    if [[ -z "$port" ]]; then
        cat "$log" >&2 2>/dev/null || true
        echo "postgres.sh: the PostgreSQL server did not start" >&2
        tuopin_postgres_stop
        return 1
    fi

    # CREATEDB so that a test may make databases of its own; the tests' schemas go in tuopin_test.
    if ! _tuopin_pg_as_owner "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$TUOPIN_PG_DIR" -p "$port" \
            -U postgres -d postgres \
            -c "CREATE ROLE tuopin LOGIN CREATEDB PASSWORD '$password'" \
            -c "CREATE DATABASE tuopin_test OWNER tuopin" >"$TUOPIN_PG_DIR/psql.log" 2>&1; then
        cat "$TUOPIN_PG_DIR/psql.log" >&2
        echo "postgres.sh: could not create the test role and database" >&2
        tuopin_postgres_stop
        return 1
    fi

    export TUOPIN_TEST_POSTGRES_URL="postgresql+psycopg://tuopin:${password}@127.0.0.1:${port}/tuopin_test"
    echo "registry tests: throwaway PostgreSQL $("$bindir/pg_ctl" --version | sed -E 's/^[^0-9]*([0-9.]+).*/\1/') on 127.0.0.1:$port"
}

tuopin_postgres_stop() {
    if [[ -n "$TUOPIN_PG_STARTED" && -n "$TUOPIN_PG_DIR" ]]; then
        _tuopin_pg_as_owner "$TUOPIN_PG_STARTED/pg_ctl" -D "$TUOPIN_PG_DIR/data" -m immediate -w -s stop \
            >/dev/null 2>&1 || true
    fi
    if [[ -n "$TUOPIN_PG_DIR" ]]; then
        rm -rf "$TUOPIN_PG_DIR"
    fi
    TUOPIN_PG_STARTED=""
    TUOPIN_PG_DIR=""
}

# Run directly: start, run the command given (if any), stop.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    set -euo pipefail
    trap tuopin_postgres_stop EXIT
    tuopin_postgres_start
    if [[ $# -gt 0 ]]; then
        "$@"
    fi
fi
