#!/bin/sh
# Container entry point (Dockerfile ENTRYPOINT). Without arguments: create or upgrade the database and
# make sure the first admin exists (`flask --app wsgi init`, idempotent), then serve with gunicorn as
# PID 1, so `docker stop` reaches gunicorn's graceful shutdown. With arguments: run them instead (the
# Dask scheduler and workers of compose.yaml use this image with `dask scheduler` / `dask worker`).
# The database may still be starting: init is retried every 2 s, INIT_ATTEMPTS times (default 30);
# replicas starting together are safe, as a second migration run finds the schema up to date.
set -eu
cd "$(dirname "$0")/.."
if [ "$#" -gt 0 ]; then
    exec "$@"
fi
attempts="${INIT_ATTEMPTS:-30}"
n=1
until flask --app wsgi init; do
    if [ "$n" -ge "$attempts" ]; then
        echo "entrypoint: 'flask --app wsgi init' failed $n times; giving up" >&2
        exit 1
    fi
    echo "entrypoint: database not ready (attempt $n of $attempts), retrying in 2 s" >&2
    n=$((n + 1))
    sleep 2
done
exec gunicorn -c gunicorn.conf.py wsgi:server
