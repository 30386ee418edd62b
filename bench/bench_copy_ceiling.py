"""The physical ceiling of a first load on this host: each step of it alone, on the tests' PostgreSQL.

Run: ``.venv/bin/python bench/bench_copy_ceiling.py [--rows N] [--repeat R] [--fsync] [--wal-minimal]
[--int-keys]``.
Starts a private PostgreSQL 15 (the tests' server: ``fsync=off``; ``--fsync`` restarts it with ``fsync``
and ``full_page_writes`` on, as a production server runs; ``--wal-minimal`` with ``wal_level=minimal``),
writes the bench's seeded CSV (``bench_import.generate``), then
times, with the app's own code where there is one:

- the client: parse + validate (``read_sales_table``), the key sort, the binary ``COPY`` blocks;
- a plain binary ``COPY`` of the same rows into an unindexed ``UNLOGGED`` table, a logged one, and a
  logged one truncated in the same transaction with ``FREEZE`` (what the import does);
- each index of ``sales`` built alone after the rows, with the server's parallel workers and without;
- the upload foreign key's validation, ``ANALYZE`` and the ``COMMIT``;
- with ``--int-keys``: the same rows with integer store and product ids and no ``category`` column (the
  schema a first load would need to be cheaper still), its ``COPY`` and index builds against the text
  keys', in turns: what that schema change would save, measured before anyone makes it.

Each line gives wall seconds and the server's CPU seconds (the backend plus the parallel workers the
postmaster reaped, from ``/proc``). The sum of the cheapest way through each step is the ceiling.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE))

from bench.bench_first_load import _backend_cpu  # noqa: E402

COLUMNS = (
    'store varchar(128) COLLATE "C" NOT NULL, product varchar(128) COLLATE "C" NOT NULL, date date NOT NULL, '
    'category varchar(128) COLLATE "C" NOT NULL, revenue float8 NOT NULL, units float8, upload_id int'
)
INDEXES = {
    "primary key (store, product, date)": "ALTER TABLE t ADD PRIMARY KEY (store, product, date)",
    "(date, revenue)": "CREATE INDEX ON t (date, revenue)",
    "(category, store, date)": "CREATE INDEX ON t (category, store, date)",
    "(product, date)": "CREATE INDEX ON t (product, date)",
    "(product, date) INCLUDE (revenue)": "CREATE INDEX ON t (product, date) INCLUDE (revenue)",
}


def _timed(conn, pid: int, sql: str) -> tuple[float, float]:
    """(wall s, server CPU s) of one statement."""
    cpu0, t0 = _backend_cpu({pid}), time.perf_counter()
    conn.execute(sql)
    return time.perf_counter() - t0, _backend_cpu({pid}) - cpu0


def _copy(conn, pid: int, table: str, blocks: list[bytes], freeze: bool) -> tuple[float, float]:
    from data.pgcopy import HEADER, TRAILER

    names = "store, product, date, category, revenue, units, upload_id"
    options = "FORMAT binary, FREEZE" if freeze else "FORMAT binary"
    cpu0, t0 = _backend_cpu({pid}), time.perf_counter()
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN WITH ({options})") as copy:
        copy.write(HEADER)
        for block in blocks:
            copy.write(block)
        copy.write(TRAILER)
    return time.perf_counter() - t0, _backend_cpu({pid}) - cpu0


def client_steps(csv_path: Path) -> tuple[list[bytes], list[tuple[str, float, float]]]:
    """The client's steps on the file: (binary blocks, [(step, wall s, CPU s)])."""
    from data.ingest import read_sales_table
    from data.pgcopy import binary_block
    from data.staging import CHUNK_ROWS, _in_key_order

    steps = []
    t0, c0 = time.perf_counter(), time.process_time()
    frame = read_sales_table(csv_path).frame
    steps.append(
        ("client: parse + validate (read_sales_table)", time.perf_counter() - t0, time.process_time() - c0)
    )
    t0, c0 = time.perf_counter(), time.process_time()
    frame = _in_key_order(frame)
    steps.append(("client: key sort", time.perf_counter() - t0, time.process_time() - c0))
    t0, c0 = time.perf_counter(), time.process_time()
    blocks = [binary_block(frame.iloc[s : s + CHUNK_ROWS], 1) for s in range(0, len(frame), CHUNK_ROWS)]
    steps.append(("client: binary COPY blocks", time.perf_counter() - t0, time.process_time() - c0))
    return blocks, steps


def server_steps(conninfo: str, blocks: list[bytes]) -> list[tuple[str, float, float]]:
    """Each server step on its own table: COPY variants, index builds, FK, ANALYZE, COMMIT."""
    import psycopg

    steps: list[tuple[str, float, float]] = []
    with psycopg.connect(conninfo, autocommit=True) as conn:
        pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        conn.execute("DROP TABLE IF EXISTS t, t_unlogged, uploads_c")
        conn.execute("CREATE TABLE uploads_c (id int PRIMARY KEY)")
        conn.execute("INSERT INTO uploads_c VALUES (1)")
        conn.execute(f"CREATE UNLOGGED TABLE t_unlogged ({COLUMNS})")
        steps.append(
            ("COPY into an UNLOGGED table, no index", *_copy(conn, pid, "t_unlogged", blocks, False))
        )
        conn.execute("DROP TABLE t_unlogged")
        conn.execute(f"CREATE TABLE t ({COLUMNS})")
        steps.append(("COPY into a logged table, no index", *_copy(conn, pid, "t", blocks, False)))
        conn.execute("DROP TABLE t")
        conn.execute(f"CREATE TABLE t ({COLUMNS})")
        with conn.transaction():
            conn.execute("TRUNCATE t")
            steps.append(("COPY FREEZE after TRUNCATE (the import's)", *_copy(conn, pid, "t", blocks, True)))
        conn.execute("VACUUM ANALYZE t")  # settle: hint bits and visibility map as FREEZE leaves them
        conn.execute("SET maintenance_work_mem = '256MB'")
        for workers in (2, 1, 0):
            conn.execute(f"SET max_parallel_maintenance_workers = {workers}")
            for label, sql in INDEXES.items():
                wall, cpu = _timed(conn, pid, sql)
                steps.append((f"{label}, {workers} parallel workers", wall, cpu))
                conn.execute("ALTER TABLE t DROP CONSTRAINT IF EXISTS t_pkey")
                for (name,) in conn.execute("SELECT indexname FROM pg_indexes WHERE tablename = 't'"):
                    conn.execute(f'DROP INDEX "{name}"')
        conn.execute("ALTER TABLE t ADD PRIMARY KEY (store, product, date)")
        fk = "ALTER TABLE t ADD CONSTRAINT t_fk FOREIGN KEY (upload_id) REFERENCES uploads_c (id)"
        steps.append(("foreign key (upload_id) validated", *_timed(conn, pid, fk)))
        steps.append(("ANALYZE", *_timed(conn, pid, "ANALYZE t")))
        conn.execute("DROP TABLE t")
        conn.execute(f"CREATE TABLE t ({COLUMNS})")
        lsn = conn.execute("SELECT pg_current_wal_insert_lsn()").fetchone()[0]
        conn.execute("BEGIN")
        conn.execute("TRUNCATE t")
        _copy(conn, pid, "t", blocks, True)
        conn.execute("ALTER TABLE t ADD PRIMARY KEY (store, product, date)")
        for sql in (INDEXES["(date, revenue)"], INDEXES["(product, date) INCLUDE (revenue)"]):
            conn.execute(sql)
        steps.append(("COMMIT after the whole load (WAL flush)", *_timed(conn, pid, "COMMIT")))
        wal = conn.execute("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), %s)", (lsn,)).fetchone()[0]
        steps.append((f"WAL written by that load: {int(wal) >> 20} MB", 0.0, 0.0))
        conn.execute("DROP TABLE t, uploads_c")
    return steps


# The three indexes of a first load on text keys (``sales`` today) and on integer ids (store_id, product_id).
KEYED_INDEXES = {
    "text": ["ALTER TABLE t ADD CONSTRAINT t_pk PRIMARY KEY (store, product, date)",
             "CREATE INDEX t_product ON t (product, date) INCLUDE (revenue)",
             "CREATE INDEX t_date ON t (date, revenue)"],
    "int": ["ALTER TABLE ti ADD CONSTRAINT ti_pk PRIMARY KEY (store_id, product_id, date)",
            "CREATE INDEX ti_product ON ti (product_id, date) INCLUDE (revenue)",
            "CREATE INDEX ti_date ON ti (date, revenue)"],
}  # fmt: skip


def int_key_steps(conninfo: str, blocks: list[bytes], rounds: int = 3) -> list[tuple[str, float, float]]:
    """The first load's server steps with text keys against integer ids, alternating, ``rounds`` times.

    The integer table is made from the text one by the server (ids in name order, rows in key order,
    no ``category``: with integer ids a product's category lives only in ``products``), then copied out
    in binary once, so both ``COPY`` runs send ready blocks of the same rows.
    """
    import psycopg

    steps: list[tuple[str, float, float]] = []
    with psycopg.connect(conninfo, autocommit=True) as conn:
        pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        conn.execute("SET maintenance_work_mem = '256MB'")
        conn.execute("DROP TABLE IF EXISTS t, ti")
        conn.execute(f"CREATE TABLE t ({COLUMNS})")
        _copy(conn, pid, "t", blocks, False)
        conn.execute(
            "CREATE TABLE ti AS SELECT dense_rank() OVER (ORDER BY store)::int4 AS store_id, "
            "dense_rank() OVER (ORDER BY product)::int4 AS product_id, date, revenue, units, upload_id "
            "FROM t ORDER BY 1, 2, 3"
        )
        with conn.cursor() as cur, cur.copy("COPY ti TO STDOUT (FORMAT binary)") as out:
            int_rows = b"".join(bytes(part) for part in out)
        for _ in range(rounds):
            for kind, table in (("text", "t"), ("int", "ti")):
                conn.execute(f"TRUNCATE {table}")
                if kind == "text":
                    wall, cpu = _copy(conn, pid, "t", blocks, False)
                else:
                    cpu0, t0 = _backend_cpu({pid}), time.perf_counter()
                    with conn.cursor() as cur, cur.copy("COPY ti FROM STDIN (FORMAT binary)") as copy:
                        copy.write(int_rows)
                    wall, cpu = time.perf_counter() - t0, _backend_cpu({pid}) - cpu0
                steps.append((f"{kind} keys: COPY", wall, cpu))
                conn.execute(f"VACUUM ANALYZE {table}")
                for sql in KEYED_INDEXES[kind]:
                    steps.append((f"{kind} keys: {sql.split(' ON ')[-1][:60]}", *_timed(conn, pid, sql)))
                conn.execute(f"ALTER TABLE {table} DROP CONSTRAINT {table}_pk")
                conn.execute(f"DROP INDEX {table}_product, {table}_date")
        sizes = conn.execute("SELECT pg_relation_size('t') >> 20, pg_relation_size('ti') >> 20").fetchone()
        steps.append((f"table MB: text keys {sizes[0]}, int ids {sizes[1]}", 0.0, 0.0))
        conn.execute("DROP TABLE t, ti")
    return steps


def _restart(server, fsync: bool, wal_minimal: bool) -> None:
    """Restart the tests' server with durable writes (``fsync``, full page writes) and/or
    ``wal_level = minimal`` (its command line sets ``fsync=off``, which no configuration file overrides)."""
    import subprocess

    options = f"-p {server.port} -k {server.data_dir.parent} -c listen_addresses=127.0.0.1"
    options += "" if fsync else " -c fsync=off -c full_page_writes=off"
    options += " -c wal_level=minimal -c max_wal_senders=0" if wal_minimal else ""
    log = str(server.data_dir.parent / "log")  # the server's output there, not in a pipe left open
    command = [*server.run_as, str(server.bin_dir / "pg_ctl"), "-D", str(server.data_dir), "-o", options]
    subprocess.run(
        [*command, "-l", log, "-w", "-m", "fast", "restart"], check=True, capture_output=True, timeout=120
    )


def main() -> None:
    """Generate the file, run the steps ``--repeat`` times and print one line per step."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--fsync", action="store_true", help="fsync and full_page_writes on")
    parser.add_argument("--wal-minimal", action="store_true", help="wal_level minimal (no replication)")
    parser.add_argument("--int-keys", action="store_true", help="text keys against integer ids only")
    args = parser.parse_args()
    import psycopg

    from bench.bench_import import generate
    from tests.support.postgres import start_postgres

    server = start_postgres()
    conninfo = f"host=127.0.0.1 port={server.port} user=postgres dbname=postgres"
    try:
        if args.fsync or args.wal_minimal:
            _restart(server, args.fsync, args.wal_minimal)
        with psycopg.connect(conninfo, autocommit=True) as conn:
            names = (
                "fsync", "full_page_writes", "wal_level", "wal_compression", "synchronous_commit",
                "maintenance_work_mem", "max_parallel_maintenance_workers", "max_wal_size",
                "checkpoint_timeout", "shared_buffers", "wal_buffers",
            )  # fmt: skip
            settings = {n: conn.execute(f"SHOW {n}").fetchone()[0] for n in names}
        print("server:", ", ".join(f"{k}={v}" for k, v in settings.items()), flush=True)
        with tempfile.TemporaryDirectory(prefix="bench-ceiling-") as tmp:
            csv_path = Path(tmp) / "sales.csv"
            generate(args.rows).to_csv(csv_path, index=False)
            for n in range(args.repeat):
                print(f"round {n + 1}, load {os.getloadavg()[0]:.2f}", flush=True)
                blocks, client = client_steps(csv_path)
                for label, wall, cpu in client:
                    print(f"  {wall:6.3f} s wall {cpu:6.3f} CPU s  {label}", flush=True)
                steps = int_key_steps if args.int_keys else server_steps
                measured = steps(conninfo, blocks)
                for label, wall, cpu in measured:
                    print(f"  {wall:6.3f} s wall {cpu:6.3f} server CPU s  {label}", flush=True)
                del blocks
    finally:
        server.stop()


if __name__ == "__main__":
    main()
