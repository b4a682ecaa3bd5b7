"""A throwaway PostgreSQL server for the tests: Debian's binaries, a new cluster in a temporary
folder, listening on 127.0.0.1 only, password authentication over TCP (as a real deployment).

`.ci/run` installs the server package; each test session starts its own cluster (or uses the
one named by UPSELL_TEST_POSTGRES_ADMIN, a superuser DSN whose password is in PGPASSWORD).
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "postgres"


def server_binaries() -> Path:
    """The folder of initdb and pg_ctl (Debian keeps them out of PATH)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: p.parts[-3])
    if found:
        return found[-1].parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    raise RuntimeError(
        "PostgreSQL's server is not installed (no initdb): `apt-get install postgresql`; "
        ".ci/run installs it"
    )


def _as_owner(command: list[str], owner: str | None) -> list[str]:
    # initdb refuses to run as root: the cluster belongs to the postgres system user then.
    return ["runuser", "-u", owner, "--", *command] if owner else command


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    host: str
    port: int
    password: str  # the superuser's
    folder: Path | None = None  # None: a server this module did not start
    owner: str | None = None

    @property
    def admin_dsn(self) -> str:
        return f"postgresql://{SUPERUSER}@{self.host}:{self.port}/postgres"

    def dsn(self, role: str, database: str) -> str:
        return f"postgresql://{role}@{self.host}:{self.port}/{database}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        env = {**os.environ, "PGPASSWORD": self.password}
        done = subprocess.run(
            ["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-h", self.host,
             "-p", str(self.port), "-U", SUPERUSER, "-d", database, "-c", sql],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode:
            raise RuntimeError(f"psql failed: {done.stderr.strip()}")
        return done.stdout.strip()

    def new_database(
        self, name: str, icu_locale: str | None = None, timezone: str | None = None
    ) -> tuple[str, str]:
        """A role owning a new database of the same name; returns (dsn, the role's password).
        ``icu_locale`` and ``timezone``: the database's collation and time zone (default: the
        cluster's, C and UTC here), to show that results do not depend on them."""
        password = secrets.token_hex(12)
        self.psql(f"CREATE ROLE {name} LOGIN PASSWORD '{password}'")
        collation = (
            f" TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE '{icu_locale}'"
            if icu_locale
            else ""
        )
        self.psql(f"CREATE DATABASE {name} OWNER {name}{collation}")
        if timezone:
            self.psql(f"ALTER DATABASE {name} SET timezone TO '{timezone}'")
        return self.dsn(name, name), password

    def stop(self) -> None:
        if self.folder is None:
            return
        subprocess.run(
            _as_owner([str(server_binaries() / "pg_ctl"), "-D", str(self.folder / "data"),
                       "-m", "immediate", "stop"], self.owner),
            capture_output=True, check=False,
        )  # fmt: skip
        shutil.rmtree(self.folder, ignore_errors=True)


def start(folder: Path | None = None) -> Server:
    """A new cluster in ``folder`` (default: a new temporary folder), started and ready."""
    admin = os.environ.get("UPSELL_TEST_POSTGRES_ADMIN")
    if admin:
        from urllib.parse import urlsplit

        parts = urlsplit(admin)
        return Server(parts.hostname, parts.port or 5432, os.environ.get("PGPASSWORD", ""))
    binaries = server_binaries()
    folder = Path(folder or tempfile.mkdtemp(prefix="upsell-pg-"))
    folder.mkdir(parents=True, exist_ok=True)
    owner = "postgres" if os.geteuid() == 0 else None
    password = secrets.token_hex(12)
    (folder / "pwfile").write_text(password + "\n")
    if owner:
        shutil.chown(folder, owner)
        shutil.chown(folder / "pwfile", owner)
    port = _free_port()
    run = lambda cmd: subprocess.run(_as_owner(cmd, owner), capture_output=True, check=True)  # noqa: E731
    run([str(binaries / "initdb"), "-D", str(folder / "data"), "-U", SUPERUSER,
         "--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={folder / 'pwfile'}",
         "--encoding=UTF8", "--locale=C.UTF-8"])  # fmt: skip
    options = (
        f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=50"
    )
    run([str(binaries / "pg_ctl"), "-D", str(folder / "data"), "-o", options, "-w",
         "-l", str(folder / "server.log"), "start"])  # fmt: skip
    return Server("127.0.0.1", port, password, folder, owner)
