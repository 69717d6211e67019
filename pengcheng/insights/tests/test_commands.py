"""The evaluation commands on small files (the real files are run in docs/), bad input, and the jobs."""

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from pengcheng.insights import tasks, teddy
from pengcheng.insights.models import HotTopic
from pengcheng.insights.tests.test_reply_quality import BOILERPLATE, GOOD, REQUEST
from pengcheng.jobs.registry import declared_schedules

VOTE_COLUMNS = ["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "反对数", "点赞数"]


def _write(path: Path, columns: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows(rows)
    return path


def test_hot_topics_evaluate_prints_the_top_topics_and_reports_bad_rows(tmp_path: Path, db: None) -> None:
    rows = [
        [
            str(i),
            f"U{i}",
            "A3区望月湖小区门口路灯坏了",
            f"2019/5/{1 + i} 9:00:00",
            "望月湖小区门口路灯坏了，晚上很黑，请维修路灯。",
            "0",
            str(i),
        ]
        for i in range(6)
    ]
    rows.append(["99", "U99", "咨询社保卡补办", "2019-05-03 10:00:00", "社保卡丢了去哪里补办", "0", "1"])
    rows.append(["100", "U100", "时间坏了", "昨天", "无法解析的时间", "0", "0"])
    path = _write(tmp_path / "votes.csv", VOTE_COLUMNS, rows)
    out, err = io.StringIO(), io.StringIO()
    call_command("hot_topics_evaluate", str(path), "--top", "3", stdout=out, stderr=err)
    text = out.getvalue()
    assert "7 messages read, 1 bad rows skipped" in text
    assert "#1 " in text and "messages=6 users=6 votes=15 place=A3区" in text and "路灯" in text
    assert "votes.csv:" in err.getvalue() and "昨天" in err.getvalue()
    with pytest.raises(CommandError):
        call_command("hot_topics_evaluate", str(tmp_path / "missing.csv"))
    broken = _write(tmp_path / "broken.csv", ["a", "b"], [["1", "2"]])
    with pytest.raises(CommandError, match="missing columns"):
        call_command("hot_topics_evaluate", str(broken))


def test_reply_quality_summarises_a_file(tmp_path: Path, db: None) -> None:
    columns = ["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "答复意见", "答复时间"]
    rows = [
        ["1", "U1", "路灯坏了", "2019/5/6 9:00:00", REQUEST, GOOD, "2019/5/10 9:00:00"],
        ["2", "U2", "路灯坏了", "2019/5/6 9:00:00", REQUEST, BOILERPLATE, "2019/8/10 9:00:00"],
    ]
    path = _write(tmp_path / "replies.csv", columns, rows)
    out = io.StringIO()
    call_command(
        "reply_quality",
        str(path),
        "--examples",
        "1",
        "--out",
        str(tmp_path / "s.csv"),
        stdout=out,
        stderr=io.StringIO(),
    )
    text = out.getvalue()
    assert "2 replies scored" in text and text.strip().endswith("flagged=1 share=0.500")
    assert "[1] score=" in text.split("-- weakest --")[0] and "[2] score=" in text.split("-- weakest --")[1]
    scores = list(csv.DictReader((tmp_path / "s.csv").open(encoding="utf-8")))
    assert [r["flagged"] for r in scores] == ["0", "1"]


def test_teddy_times_in_both_formats() -> None:
    assert teddy.parse_time("2019/2/28 11:25:05") == dt.datetime(2019, 2, 28, 11, 25, 5)
    assert teddy.parse_time("2019-02-28 11:25:05") == dt.datetime(2019, 2, 28, 11, 25, 5)
    assert teddy.place_of("反映A7县春华镇的问题", "") == "A7县" and teddy.place_of("无地点", "") == ""


def test_jobs_are_declared_and_the_daily_job_runs(db: None) -> None:
    names = {job.name for job in declared_schedules()}
    assert {
        "insights.daily_hot_topics",
        "insights.weekly_report",
        "insights.monthly_report",
        "insights.score_replies",
    } <= names
    assert tasks.daily_hot_topics() == {"topics": 0, "spikes": 0}  # no tickets yesterday
    assert tasks.score_replies() == {"scored": 0, "flagged": 0}
    assert not HotTopic.objects.exists()
