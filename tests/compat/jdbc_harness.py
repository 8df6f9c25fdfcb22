"""Databases for the JDBC tests: PostgreSQL through `psql` and MySQL (MariaDB) through the
`mysql` CLI, each table read back as CSV rows, and Glue JDBC connections to them."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import urllib.parse
import uuid

import pytest

from weir_harness import unique


def read_csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


class PgDatabase:
    """A fresh database on the tests' PostgreSQL server."""

    def __init__(self, postgres, url: str):
        self.server = postgres
        self.url = url
        parts = urllib.parse.urlsplit(url)
        self.name = parts.path.lstrip("/")
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 5432
        self.user = parts.username or "postgres"

    def sql(self, statement: str) -> str:
        return self.server.psql(statement, self.url)

    def rows(self, query: str) -> list[dict]:
        return read_csv(self.sql(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER)"))

    def jdbc_url(self) -> str:
        return f"jdbc:postgresql://{self.host}:{self.port}/{self.name}"

    def connection(self, glue, password: str = "unused") -> str:
        """A Glue JDBC connection to this database; returns its name."""
        name = unique("pgconn")
        glue.create_connection(ConnectionInput={
            "Name": name, "ConnectionType": "JDBC",
            "ConnectionProperties": {"JDBC_CONNECTION_URL": self.jdbc_url(), "USERNAME": self.user,
                                     "PASSWORD": password}})
        return name


#: The account the JDBC connections use (Glue connections need a password; the admin may have none).
MYSQL_USER, MYSQL_PASSWORD = "weir_jdbc", "weir-jdbc-secret"


class MySqlServer:
    """The tests' MySQL-compatible server (WEIR_TEST_MYSQL_URL, else root on 127.0.0.1:3306), and
    a user with a password for the connections to it."""

    def __init__(self, url: str):
        parts = urllib.parse.urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 3306
        self.user = parts.username or "root"
        self.password = parts.password or ""
        self.created: list[str] = []

    def run(self, statement: str, database: str | None = None) -> str:
        args = ["mysql", "--protocol=TCP", "-h", self.host, "-P", str(self.port), "-u", self.user, "--batch"]
        if self.password:
            args.append(f"-p{self.password}")
        if database:
            args.append(database)
        out = subprocess.run(args + ["-e", statement], capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            raise RuntimeError(f"mysql failed ({out.returncode}): {out.stderr.strip()}")
        return out.stdout

    def reachable(self) -> str | None:
        try:
            self.run("SELECT 1")
            return None
        except (RuntimeError, FileNotFoundError, subprocess.TimeoutExpired) as e:
            return f"MySQL at {self.host}:{self.port} is not reachable: {e}"

    def create_database(self) -> str:
        name = f"weir_compat_{uuid.uuid4().hex[:12]}"
        self.run(f"CREATE DATABASE `{name}`")
        self.created.append(name)
        return name

    def create_user(self) -> None:
        for host in ("127.0.0.1", "localhost", "%"):
            self.run(f"CREATE USER IF NOT EXISTS '{MYSQL_USER}'@'{host}' IDENTIFIED BY '{MYSQL_PASSWORD}';"
                     f"ALTER USER '{MYSQL_USER}'@'{host}' IDENTIFIED BY '{MYSQL_PASSWORD}';"
                     f"GRANT ALL ON *.* TO '{MYSQL_USER}'@'{host}'")

    def rows(self, database: str, query: str) -> list[dict]:
        """Rows as tab-separated text (NULL as the string 'NULL')."""
        lines = self.run(query, database).splitlines()
        if not lines:
            return []
        header = lines[0].split("\t")
        return [dict(zip(header, line.split("\t"))) for line in lines[1:]]

    def connection(self, glue, database: str) -> str:
        name = unique("myconn")
        glue.create_connection(ConnectionInput={
            "Name": name, "ConnectionType": "JDBC",
            "ConnectionProperties": {"JDBC_CONNECTION_URL": f"jdbc:mysql://{self.host}:{self.port}/{database}",
                                     "USERNAME": MYSQL_USER, "PASSWORD": MYSQL_PASSWORD}})
        return name

    def drop_all(self) -> None:
        for name in self.created:
            self.run(f"DROP DATABASE IF EXISTS `{name}`")
        self.created.clear()


@pytest.fixture(scope="session")
def mysql() -> MySqlServer:
    explicit = os.environ.get("WEIR_TEST_MYSQL_URL")
    server = MySqlServer(explicit or "mysql://root@127.0.0.1:3306")
    problem = server.reachable()
    if problem:
        if explicit:
            pytest.fail(problem)
        pytest.skip(problem)
    server.create_user()
    yield server
    server.drop_all()


@pytest.fixture
def pg_database(postgres) -> PgDatabase:
    return PgDatabase(postgres, postgres.create_database())
