"""Shared helpers for the benchmark scripts (plain scripts: they print their figures)."""

from __future__ import annotations

import os
import platform
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def machine() -> str:
    cores = os.cpu_count()
    memory = ""
    try:
        with open("/proc/meminfo") as handle:
            kb = int(handle.readline().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    return f"{platform.node()}: {cores} cores{memory}, {platform.platform()}, Python {platform.python_version()}"


def pengcheng(*args: str, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PYTHON, "-m", "pengcheng", *args], env=env, text=True, capture_output=True, check=check)


def fresh_env(data_dir: Path, database_url: str | None) -> dict[str, str]:
    if data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["PENGCHENG_DATA_DIR"] = str(data_dir)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def recreate_postgres_database(url: str) -> None:
    """Drop and create the database named in a postgres:// URL (the server must trust the user)."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def wait_for_port(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listening on port {port}")


def _processes() -> dict[int, tuple[int, str, float]]:
    """pid → (parent pid, name, CPU seconds used so far, user + system) for every running process."""
    ticks = os.sysconf("SC_CLK_TCK")
    table: dict[int, tuple[int, str, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            name, rest = (entry / "stat").read_text().split(" (", 1)[1].rsplit(")", 1)
        except (OSError, ValueError):
            continue
        fields = rest.split()
        table[int(entry.name)] = (int(fields[1]), name, (int(fields[11]) + int(fields[12])) / ticks)
    return table


def _cpu_seconds(keep: Callable[[int, int, str], bool]) -> float:
    """CPU seconds (user + system) used so far by the processes ``keep(pid, ppid, name)`` selects."""
    return sum(cpu for pid, (ppid, name, cpu) in _processes().items() if keep(pid, ppid, name))


def process_tree_cpu(root: int) -> float:
    """CPU seconds used so far by ``root`` and all its descendants (gunicorn or job workers)."""
    table = _processes()
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, (ppid, _name, _cpu) in table.items() if ppid in tree} - tree
        tree |= more
        grew = bool(more)
    return sum(table[pid][2] for pid in tree if pid in table)


def postgres_cpu() -> float:
    """CPU seconds used so far by the PostgreSQL server's processes (0 when it is not local)."""
    return _cpu_seconds(lambda _pid, _ppid, name: name.startswith("postgres"))
