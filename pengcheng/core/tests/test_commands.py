"""Management commands, including those that run as separate processes through the ``pengcheng`` CLI."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from pengcheng.core.models import ApiKey, Company, CompanyAgent, Division, StaffPosition, User
from pengcheng.core.services import hash_api_key
from pengcheng.seeding import SeedContext, seed_demo

GEO = settings.PENGCHENG_SHARED_DATA / "geo"


def _pengcheng(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    # A clean environment: none of the test settings' overrides leak into the child.
    full_env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
        and not k.startswith("PENGCHENG_")
    }
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "pengcheng", *args], capture_output=True, text=True, env=full_env, cwd=cwd, timeout=120
    )


def test_create_user_and_api_key(demo_city: None, capsys: pytest.CaptureFixture[str]) -> None:
    call_command(
        "create_user",
        "--username",
        "newclerk",
        "--password",
        "Long-Passw0rd!",
        "--role",
        "clerk",
        "--department",
        "440300-SCJGJ",
    )
    user = User.objects.get(username="newclerk")
    assert StaffPosition.objects.filter(user=user, role="clerk", department__code="440300-SCJGJ").exists()
    call_command("create_api_key", "--name", "open311 client", "--scopes", "open311,opendata")
    last_line = capsys.readouterr().out.strip().splitlines()[-1]
    key = ApiKey.objects.get(key_hash=hash_api_key(last_line))
    assert key.scopes == ["open311", "opendata"]


def test_create_user_errors_are_clear(demo_city: None) -> None:
    with pytest.raises(CommandError, match="no department with code 'NOPE'"):
        call_command(
            "create_user", "--username", "x1", "--password", "Long-Passw0rd!", "--role", "clerk", "--department", "NOPE"
        )
    with pytest.raises(CommandError, match="department: a clerk must belong to a department"):
        call_command("create_user", "--username", "x2", "--password", "Long-Passw0rd!", "--role", "clerk")
    with pytest.raises(CommandError, match="password"):
        call_command("create_user", "--username", "x3", "--password", "123", "--role", "citizen")
    assert not User.objects.filter(username__in=["x1", "x2", "x3"]).exists()


def test_operator_created_by_command_reaches_the_admin(demo_city: None) -> None:
    call_command("create_user", "--username", "op2", "--password", "Long-Passw0rd!", "--role", "operator")
    user = User.objects.get(username="op2")
    assert user.is_staff and not user.is_superuser
    assert user.has_perm("core.change_department")
    assert not user.has_perm("audit.change_auditrecord")


def test_import_divisions_from_the_shared_geo_files(demo_city: None, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("import_divisions", str(GEO))
    out = capsys.readouterr().out
    assert "9 district, 79 street, 788 community" in out
    assert Division.objects.get(code="440303001001").short_name == "大塘龙社区"
    assert Division.objects.get(code="440303001001").prefix == "440303001001"
    assert Division.objects.get(code="440303").prefix == "440303"
    assert Division.objects.get(code="440300").prefix == "4403"


def test_import_divisions_reports_every_bad_row_and_imports_nothing(tmp_path: Path, demo_city: None) -> None:
    (tmp_path / "x_districts.csv").write_text(
        "district_code,district_name\n440501,金平区\n44050X,坏区\n", encoding="utf-8"
    )
    (tmp_path / "x_streets.csv").write_text(
        "street_code,street_name,district_code,district_name\n"
        "440501001,石炮台街道,440501,金平区\n440502001,错位街道,440501,金平区\n440501002,,440501,金平区\n",
        encoding="utf-8",
    )
    (tmp_path / "x_communities.csv").write_text(
        "community_code,community_name,street_code\n440501009001,孤儿社区,440501009\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="4 problem"):
        call_command("import_divisions", str(tmp_path), "--city-name", "汕头市")
    assert not Division.objects.filter(code__startswith="4405").exists()


def test_import_divisions_reports_problems_on_stderr(
    tmp_path: Path, demo_city: None, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "districts.csv").write_text("district_code,district_name\n44050X,坏区\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_divisions", str(tmp_path))
    assert "districts.csv:2: district code '44050X' must be 6 digits" in capsys.readouterr().err


def test_another_city_can_be_imported(tmp_path: Path, demo_city: None) -> None:
    (tmp_path / "st_districts.csv").write_text("district_code,district_name\n440507,龙湖区\n", encoding="utf-8")
    (tmp_path / "st_streets.csv").write_text(
        "street_code,street_name,district_code,district_name\n440507001,珠津街道,440507,龙湖区\n", encoding="utf-8"
    )
    with pytest.raises(CommandError):
        call_command("import_divisions", str(tmp_path))  # a new city needs its name
    call_command("import_divisions", str(tmp_path), "--city-name", "汕头市")
    assert Division.objects.get(code="440500").name == "汕头市"
    assert Division.objects.get(code="440507001").parent_id == "440507"


def _fingerprint() -> list[list]:
    people = list(
        User.objects.filter(username__startswith="c-")
        .order_by("username")
        .values_list("username", "full_name", "id_number", "phone", "assurance_level", "residence_id")
    )
    firms = list(Company.objects.order_by("credit_code").values_list("credit_code", "name", "legal_representative"))
    grants = list(
        CompanyAgent.objects.order_by("company__credit_code", "user__username").values_list(
            "company__credit_code", "user__username", "role"
        )
    )
    return [people, firms, grants]


def _demo_company_mandates() -> list[bool]:
    """For each ordinary agent of the demo company (by user name), whether they hold a data consent mandate."""
    from pengcheng.prefill.models import AgentDataMandate

    grants = CompanyAgent.objects.filter(company__name="深圳市鹏城示范科技有限公司", role="agent").order_by(
        "user__username"
    )
    return [AgentDataMandate.objects.filter(agent=grant).exists() for grant in grants]


def test_seed_is_deterministic_and_tops_up(demo_city: None) -> None:
    seed_demo(SeedContext(scale=1, quiet=True))
    first = _fingerprint()
    assert len(first[0]) == 2000 and len(first[1]) == 301
    assert _demo_company_mandates() == [True, False]  # the demo shows an agent with a mandate and one without
    from pengcheng.hotline.access import hotline_scope

    # The demo's 12345-centre supervisor reaches what only the centre may: hot topics, reports, reviews.
    assert hotline_scope(User.objects.get(username="hotline_supervisor")).centre_supervisor
    User.objects.filter(username__startswith="c-").delete()
    Company.objects.exclude(name="深圳市鹏城示范科技有限公司").delete()
    seed_demo(SeedContext(scale=1, quiet=True))
    assert _fingerprint() == first
    assert _demo_company_mandates() == [True, False]
    seed_demo(SeedContext(scale=2, quiet=True))
    assert User.objects.filter(username__startswith="c-").count() == 4000
    assert _fingerprint()[0][:2000] == first[0]


def test_malformed_database_url_is_one_line_naming_the_variable(tmp_path: Path) -> None:
    result = _pengcheng(
        "check", env={"DATABASE_URL": "postgres://user@host:notaport/db", "PENGCHENG_DATA_DIR": str(tmp_path)}
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "DATABASE_URL" in lines[0]


def test_check_deploy_is_clean_for_production(tmp_path: Path) -> None:
    result = _pengcheng(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={"PENGCHENG_DATA_DIR": str(tmp_path), "ALLOWED_HOSTS": "gov.example.cn"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_debug_is_off_except_in_the_demo(tmp_path: Path) -> None:
    probe = "from django.conf import settings; print(settings.DEBUG)"
    env = {"PENGCHENG_DATA_DIR": str(tmp_path)}
    assert _pengcheng("shell", "--no-imports", "-c", probe, env=env).stdout.strip() == "False"
    assert _pengcheng("shell", "--no-imports", "-c", probe, env={**env, "PENGCHENG_DEMO": "1"}).stdout.strip() == "True"


def test_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    probe = "from django.conf import settings; print(settings.SECRET_KEY)"
    env = {"PENGCHENG_DATA_DIR": str(tmp_path)}
    first = _pengcheng("shell", "--no-imports", "-c", probe, env=env).stdout.strip()
    assert len(first) >= 50
    assert _pengcheng("shell", "--no-imports", "-c", probe, env=env).stdout.strip() == first
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"


def test_healthz_is_503_when_the_database_is_down(tmp_path: Path) -> None:
    probe = (
        "from django.test import Client; r = Client().get('/healthz', SERVER_NAME='localhost'); "
        "print(r.status_code, r.json()['status'])"
    )
    # A real PostgreSQL URL at a port where nothing listens.
    result = _pengcheng(
        "shell",
        "--no-imports",
        "-c",
        probe,
        env={
            "PENGCHENG_DATA_DIR": str(tmp_path),
            "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
            "PENGCHENG_SSL_REDIRECT": "0",
        },
    )
    assert result.stdout.strip() == "503 unavailable", result.stderr


def test_demo_prepares_the_database_and_prints_the_accounts(tmp_path: Path) -> None:
    result = _pengcheng("demo", "--no-serve", "--data-dir", str(tmp_path / "demo"))
    assert result.returncode == 0, result.stderr
    assert "http://127.0.0.1:8000/" in result.stdout
    assert "clerk" in result.stdout and "pengcheng-demo" in result.stdout
    assert (tmp_path / "demo" / "pengcheng.sqlite3").exists()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_runs_the_production_server_with_static_files(tmp_path: Path) -> None:
    import time

    import requests

    env = {"PENGCHENG_DATA_DIR": str(tmp_path), "PENGCHENG_SSL_REDIRECT": "0", "ALLOWED_HOSTS": "127.0.0.1"}
    refused = _pengcheng("serve", "--port", "1", env=env)
    assert refused.returncode != 0 and "pengcheng migrate" in refused.stderr  # no silent start on an empty DB
    port = _free_port()
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("PENGCHENG_", "DJANGO_"))} | env
    full_env.pop("DATABASE_URL", None)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pengcheng",
            "serve",
            "--migrate",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "2",
        ],
        env=full_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                health = requests.get(f"{base}/healthz", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        else:
            raise AssertionError("the server did not start")
        assert health.status_code == 200 and health.json()["database"] == "ok"
        home = requests.get(f"{base}/", timeout=5)
        assert home.status_code == 200
        assert "X-Frame-Options" in home.headers
        stylesheet = re.search(r'href="(/static/core/pengcheng\.[0-9a-f]+\.css)"', home.text)
        assert stylesheet, "static URLs are hashed once collectstatic has run"
        css = requests.get(base + stylesheet.group(1), timeout=5)
        assert css.status_code == 200 and "max-age" in css.headers.get("Cache-Control", "")
        # Threaded workers by default: the connection stays open for the next request.
        with requests.Session() as client:
            first = client.get(f"{base}/healthz", timeout=5)
            assert first.headers.get("Connection", "").lower() != "close"
            assert client.get(f"{base}/healthz", timeout=5).status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_redis_carries_the_cache_and_the_job_queue(tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:
        if sock.connect_ex(("127.0.0.1", 6379)) != 0:
            pytest.skip("no Redis on 127.0.0.1:6379 (REDIS_URL is optional)")
    probe = (
        "from django.core.cache import caches; cache = caches['default']; "
        "from django_q.brokers import get_broker; "
        "cache.set('pengcheng-probe', 42); broker = get_broker(); "
        "print(type(cache).__name__, cache.get('pengcheng-probe'), type(broker).__name__, broker.ping())"
    )
    result = _pengcheng(
        "shell",
        "--no-imports",
        "-c",
        probe,
        env={"PENGCHENG_DATA_DIR": str(tmp_path), "REDIS_URL": "redis://127.0.0.1:6379/15"},
    )
    assert result.stdout.split() == ["RedisCache", "42", "Redis", "True"], result.stderr


def test_postgresql_prepares_statements_unless_told_not_to(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pengcheng import config

    monkeypatch.setenv("DATABASE_URL", "postgres://pengcheng@db.internal:5432/pengcheng")
    monkeypatch.delenv("PENGCHENG_DB_PREPARED_STATEMENTS", raising=False)
    assert config.database(tmp_path)["OPTIONS"] == {"server_side_binding": True, "prepare_threshold": 5}
    monkeypatch.setenv("PENGCHENG_DB_PREPARED_STATEMENTS", "0")  # e.g. behind PgBouncer in transaction mode
    assert "server_side_binding" not in config.database(tmp_path).get("OPTIONS", {})
    monkeypatch.setenv("PENGCHENG_DB_PREPARED_STATEMENTS", "maybe")
    with pytest.raises(config.ConfigError, match="PENGCHENG_DB_PREPARED_STATEMENTS"):
        config.database(tmp_path)
    monkeypatch.delenv("PENGCHENG_DB_PREPARED_STATEMENTS")
    monkeypatch.delenv("DATABASE_URL")
    assert "server_side_binding" not in config.database(tmp_path)["OPTIONS"]  # SQLite: its own options
