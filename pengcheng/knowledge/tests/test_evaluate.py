"""``kb_evaluate`` and ``kb_train`` on the production search path."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from pengcheng.knowledge import search, selectors
from pengcheng.knowledge.models import SearchModel

from .conftest import BODIES, article

SHARED = Path(os.environ.get("PENGCHENG_SHARED_DATA", str(settings.PENGCHENG_SHARED_DATA))) / "kb"


def _files(tmp_path: Path) -> tuple[Path, Path, Path]:
    articles = tmp_path / "articles.csv"
    articles.write_text("id,body\n" + "".join(f"{k},{b}\n" for k, b in BODIES.items()), encoding="utf-8")
    queries = tmp_path / "queries.csv"
    queries.write_text("query,expected_id\n租房提取公积金,fund\n异地看病备案,medical\n", encoding="utf-8")
    train = tmp_path / "train.csv"
    train.write_text(
        "query,expected_id\n下雪注意什么,snow\n暴雪天气,snow\n什么是土地登记,land\n土地登记簿,land\n"
        "公积金提取,fund\n就医备案,medical\n",
        encoding="utf-8",
    )
    return articles, queries, train


def test_the_last_line_is_hits_at_k(tmp_path: Path, capsys) -> None:
    articles, queries, train = _files(tmp_path)
    call_command("kb_evaluate", "--articles", str(articles), "--queries", str(queries))
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1] == "hit@1=1.000 hit@3=1.000 hit@5=1.000"
    assert any("articles analysed" in line for line in lines[:-1])
    call_command("kb_evaluate", "--articles", str(articles), "--queries", str(queries), "--train-queries", str(train))
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1].startswith("hit@1=") and "learning from 6" in "\n".join(lines)
    with pytest.raises(CommandError, match="missing column"):
        call_command("kb_evaluate", "--articles", str(queries), "--queries", str(queries))


@pytest.mark.django_db
def test_kb_train_makes_the_learned_model_active_for_search(tmp_path: Path) -> None:
    for key, body in BODIES.items():
        article(body, key=key)
    _, _, train = _files(tmp_path)
    call_command("kb_train", str(train))
    model = SearchModel.objects.get(active=True)
    assert model.trained_on == 6 and model.parameters["coefficients"]
    search.reset()
    assert search.index().model.coefficients
    assert selectors.search("租房提取公积金")[0].article.key == "fund"


@pytest.mark.skipif(not (SHARED / "queries_train.csv").is_file(), reason=f"shared data not found at {SHARED}")
def test_on_a_slice_of_the_real_data(tmp_path: Path, capsys) -> None:
    import csv

    rows = list(csv.DictReader((SHARED / "queries_train.csv").open(encoding="utf-8")))[:60]
    queries = tmp_path / "q.csv"
    with queries.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["query", "expected_id"])
        writer.writeheader()
        writer.writerows(rows)
    call_command("kb_evaluate", "--articles", str(SHARED / "articles.csv"), "--queries", str(queries))
    last = capsys.readouterr().out.strip().splitlines()[-1]
    parts = dict(item.split("=") for item in last.split())
    assert set(parts) == {"hit@1", "hit@3", "hit@5"}
    assert 0.5 < float(parts["hit@3"]) <= float(parts["hit@5"]) <= 1.0
