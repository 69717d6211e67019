"""CSV import: every bad row reported, nothing written on error, changed articles versioned."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from pengcheng.core.actors import SYSTEM
from pengcheng.knowledge import selectors
from pengcheng.knowledge.importer import KbImportError, import_articles
from pengcheng.knowledge.models import Article, ArticleStatus

from .conftest import BODIES

pytestmark = pytest.mark.django_db


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kb.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_imports_and_is_searchable(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "id,body,department,variants,valid_from\n"
        f"kb-1,{BODIES['fund']},住房公积金管理中心,租房提取|公积金怎么取,2020-01-01\n"
        f"kb-2,{BODIES['medical']},医保局,,\n",
    )
    summary = import_articles(SYSTEM, path)
    assert (summary.rows, summary.created) == (2, 2)
    first = Article.objects.get(key="kb-1")
    assert first.status == ArticleStatus.PUBLISHED and first.variants == ["租房提取", "公积金怎么取"]
    assert first.source_department == "住房公积金管理中心" and first.versions.count() == 1
    assert selectors.search("公积金怎么取")[0].article.key == "kb-1"


def test_every_bad_row_is_reported_and_nothing_is_written(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "id,body,department,valid_to,category,review_days,status\n"
        f"kb-1,{BODIES['fund']},,,,,\n"
        "kb-2,,,,,,\n"
        f"kb-1,{BODIES['snow']},,,,,\n"
        f"kb-3,{BODIES['land']},,2020-13-01,,,\n"
        f"kb-4,{BODIES['land']},,,NOPE,,\n"
        f"kb-5,{BODIES['land']},,,,soon,\n"
        f"kb-6,{BODIES['land']},,,,,online\n"
        f"kb-7,{BODIES['land']},,2000-01-01,,,\n",
    )
    with pytest.raises(KbImportError) as caught:
        import_articles(SYSTEM, path)
    problems = caught.value.problems
    assert len(problems) == 7
    lines = [p.split(":")[1] for p in problems]
    assert lines == ["3", "4", "5", "6", "7", "8", "9"]
    assert "repeats line 2" in problems[1]
    assert not Article.objects.exists()


def test_a_changed_row_becomes_a_new_version_and_the_same_row_changes_nothing(tmp_path: Path) -> None:
    import_articles(SYSTEM, write(tmp_path, f"id,body\nkb-1,{BODIES['fund']}\n"))
    summary = import_articles(SYSTEM, write(tmp_path, f"id,body\nkb-1,{BODIES['fund']}\n"))
    assert summary.unchanged == 1
    summary = import_articles(SYSTEM, write(tmp_path, f"id,body\nkb-1,{BODIES['fund']}更新。\n"))
    assert summary.new_versions == 1
    article = Article.objects.get(key="kb-1")
    assert article.version == 2 and article.versions.count() == 2


def test_the_command_prints_progress_and_a_summary_or_every_problem(tmp_path: Path, capsys) -> None:
    call_command("import_kb", str(write(tmp_path, f"id,body\nkb-1,{BODIES['fund']}\n")))
    out = capsys.readouterr().out
    assert "1 rows: 1 articles created" in out
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_kb", str(write(tmp_path, "id,body\n,空编号\n")))
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_kb", str(write(tmp_path, "number,text\n1,x\n")))
    assert "missing column(s): id, body" in capsys.readouterr().err
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_kb", str(tmp_path / "absent.csv"))


SHARED = Path(os.environ.get("PENGCHENG_SHARED_DATA", str(settings.PENGCHENG_SHARED_DATA))) / "kb" / "articles.csv"


@pytest.mark.skipif(not SHARED.is_file(), reason=f"shared data not found at {SHARED}")
def test_the_demo_knowledge_base_imports_whole() -> None:
    from pengcheng.knowledge.seed import DEPARTMENT_ALIASES

    summary = import_articles(SYSTEM, SHARED, department_aliases=DEPARTMENT_ALIASES)
    assert summary.created == 2058
    assert Article.objects.filter(department__code="440300-YBJ").exists()


def test_without_shared_data_the_demo_seed_writes_synthetic_articles(tmp_path: Path, settings) -> None:
    from pengcheng.knowledge.seed import SYNTHETIC, seed_demo
    from pengcheng.seeding import SeedContext

    settings.PENGCHENG_SHARED_DATA = tmp_path
    seed_demo(SeedContext(scale=0, quiet=True))
    assert not Article.objects.exists()  # the tests' city has no demo content
    seed_demo(SeedContext(scale=1, quiet=True))
    assert Article.objects.filter(status=ArticleStatus.PUBLISHED).count() == len(SYNTHETIC)
    assert selectors.search("租房能提取公积金吗")[0].article.key == "KB-DEMO-002"
