"""A private PostgreSQL server for the tests: started once per session, stopped at its end.

``initdb`` refuses to run as root, so as root the cluster belongs to an unprivileged user
(``postgres`` if the system has it, else ``onething-test``, created) and every server
command runs through ``runuser``. The cluster lives in a temporary folder owned by that
user; the server listens on a free port of 127.0.0.1 only, with its unix socket inside the
folder, and asks for a password (scram-sha-256), so the wrong-password error is testable.

Durability is off (``fsync=off``): the tests kill workers, never the machine, and
``pg_ctl restart -m fast`` still shuts down cleanly. Each test gets a fresh database copied
from a template that already holds the migrated schema (``CREATE DATABASE … TEMPLATE``).
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

USER = "onething"
PASSWORD = "test-password"
TEMPLATE = "onething_template"


def find_binaries() -> Path | None:
    """The folder holding initdb and pg_ctl: on PATH, else Debian's /usr/lib/postgresql/<version>/bin."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).resolve().parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_user() -> str | None:
    """None when not root (the server then runs as us); else an unprivileged account."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "onething-test"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "onething-test"],
                   check=True)
    return "onething-test"


class PostgresServer:
    """One cluster in a temporary folder; ``url(db)`` gives a SQLAlchemy URL for one of its databases."""

    def __init__(self, durable: bool = False) -> None:
        self.durable = durable
        binaries = find_binaries()
        if binaries is None:
            raise RuntimeError("PostgreSQL is not installed (no initdb on PATH or in /usr/lib/postgresql/*/bin); "
                               "scripts/test installs it with apt-get")
        self.bin = binaries
        self.user = _server_user()
        self.home = Path(tempfile.mkdtemp(prefix="onething-pg-"))
        self.data = self.home / "data"
        self.port = _free_port()
        self._names = itertools.count(1)
        if self.user is not None:
            record = pwd.getpwnam(self.user)
            os.chown(self.home, record.pw_uid, record.pw_gid)
        (self.home / "pwfile").write_text(PASSWORD + "\n", encoding="utf-8")
        if self.user is not None:
            os.chown(self.home / "pwfile", record.pw_uid, record.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", USER, "--pwfile", str(self.home / "pwfile"),
                  "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")
        self.start()

    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin / tool), *args]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, cwd=self.home)
        if check and result.returncode != 0:
            raise RuntimeError(f"{tool} failed ({result.returncode}): {result.stderr or result.stdout}")
        return result

    def _options(self) -> str:
        fast = "" if self.durable else "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
        return (f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.home} "
                f"{fast}-c max_connections=200")

    def start(self) -> None:
        self._run("pg_ctl", "start", "-D", str(self.data), "-w", "-t", "60", "-l", str(self.home / "server.log"),
                  "-o", self._options())

    def restart(self) -> None:
        """``pg_ctl restart -m fast``: every connection is cut, the server comes back on the same port."""
        self._run("pg_ctl", "restart", "-D", str(self.data), "-m", "fast", "-w", "-t", "60",
                  "-l", str(self.home / "server.log"), "-o", self._options())

    def stop(self) -> None:
        self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w", check=False)
        shutil.rmtree(self.home, ignore_errors=True)

    def url(self, database: str = "postgres", password: str = PASSWORD) -> str:
        return f"postgresql://{USER}:{password}@127.0.0.1:{self.port}/{database}"

    def admin(self, sql: str) -> None:
        """Run one statement outside a transaction (CREATE/DROP DATABASE) on the maintenance database."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(sql)

    def fresh_database(self, template: str = TEMPLATE) -> str:
        """A new database copied from ``template``; returns its URL."""
        name = f"t{next(self._names)}"
        self.admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return self.url(name)

    def empty_database(self) -> str:
        """A new database without any table; returns its URL."""
        name = f"t{next(self._names)}"
        self.admin(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def prepare_template(self) -> None:
        """The template: an empty database with the case store's schema, made by ``open_store`` itself."""
        from onething.runtime.store import open_store

        self.admin(f'CREATE DATABASE "{TEMPLATE}"')
        open_store(self.url(TEMPLATE)).close()
