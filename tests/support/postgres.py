"""A throwaway PostgreSQL server for tests: its own data folder, a free port, trust auth on loopback.

Uses Debian's server binaries (``make test`` installs the ``postgresql`` package); as root the server
runs as the ``postgres`` system user, as PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.support.live_server import free_port, wait_for


def postgres_bin_dir() -> Path | None:
    """Folder with initdb/pg_ctl of the newest installed PostgreSQL, or None."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    found = candidates[-1] if candidates else shutil.which("initdb")
    return Path(found).parent if found else None


@dataclass
class PostgresServer:
    """A running PostgreSQL cluster; ``url(db)`` gives an SQLAlchemy URL, ``stop()`` removes it all."""

    port: int
    data_dir: Path
    bin_dir: Path
    run_as: list[str]

    def url(self, database: str = "postgres") -> str:
        """SQLAlchemy URL for a database of this server (psycopg 3 driver)."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create an empty database and return its URL."""
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        """Stop the server (fast mode) and delete its data folder."""
        subprocess.run(
            [
                *self.run_as,
                str(self.bin_dir / "pg_ctl"),
                "-D",
                str(self.data_dir),
                "-m",
                "fast",
                "-w",
                "stop",
            ],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(self.data_dir.parent, ignore_errors=True)


def start_postgres() -> PostgresServer:
    """initdb + start a private cluster; raises RuntimeError (never skips) when PostgreSQL is missing."""
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        raise RuntimeError(
            "PostgreSQL server binaries not found: run `make test` (installs Debian's postgresql)"
        )
    root = Path(tempfile.mkdtemp(prefix="trendsales-pg-"))
    data_dir = root / "data"
    run_as: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    subprocess.run(
        [
            *run_as,
            str(bin_dir / "initdb"),
            "-D",
            str(data_dir),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = free_port()
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    subprocess.run(
        [
            *run_as,
            str(bin_dir / "pg_ctl"),
            "-D",
            str(data_dir),
            "-o",
            options,
            "-l",
            str(root / "log"),
            "-w",
            "start",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    server = PostgresServer(port=port, data_dir=data_dir, bin_dir=bin_dir, run_as=run_as)

    def accepting() -> bool:
        import psycopg

        try:
            with psycopg.connect(
                f"host=127.0.0.1 port={port} user=postgres dbname=postgres", connect_timeout=2
            ):
                return True
        except psycopg.OperationalError:
            return False

    wait_for(accepting, timeout=30, what="PostgreSQL to accept connections")
    return server
