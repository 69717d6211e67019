"""The clustering and hotness functions on real citizen messages (the Teddy Cup vote file)."""

import datetime as dt

import pytest

from pengcheng.insights import clustering, teddy
from pengcheng.insights.tests.conftest import TEDDY

VOTES = TEDDY / "teddy2020_messages_with_votes.csv"
needs_data = pytest.mark.skipif(not VOTES.is_file(), reason=f"shared data not found: {VOTES}")


def _docs(messages: list[teddy.Message]) -> list[clustering.Doc]:
    return [
        clustering.Doc(
            key=m.number, title=m.title, text=m.text, at=m.at, place=m.place, caller=m.user, votes=m.up + m.down
        )
        for m in messages
    ]


@needs_data
def test_a_real_slice_clusters_one_known_topic_together_and_apart_from_the_rest() -> None:
    messages = teddy.load(VOTES).messages
    topic = [m for m in messages if "伊景园" in m.title]
    others = [m for m in messages if "伊景园" not in m.title and "伊景园" not in m.text][:400]
    assert len(topic) >= 8
    docs = _docs(topic + others)
    result = clustering.find_topics(docs)
    topic_keys = {m.number for m in topic}
    best = max(result.clusters, key=lambda c: sum(1 for i in c.members if docs[i].key in topic_keys))
    inside = sum(1 for i in best.members if docs[i].key in topic_keys)
    assert inside / len(topic) >= 0.7  # recall: most of the topic's messages are in one cluster
    assert inside / best.count >= 0.7  # purity: that cluster is mostly about the topic
    assert any("景园" in term or "车位" in term for term in best.terms)
    assert docs[best.representatives[0]].key in topic_keys
    # the rest of the slice is mostly unclustered noise, not one big blob
    assert max(c.count for c in result.clusters) <= len(topic) + 5


@needs_data
def test_the_teddy_file_loads_every_row_with_places_and_votes() -> None:
    loaded = teddy.load(VOTES)
    assert len(loaded.messages) == 4326 and loaded.errors == []
    assert sum(1 for m in loaded.messages if m.place) > 2000
    assert max(m.up for m in loaded.messages) > 100


def test_place_keeps_same_topic_in_different_districts_apart() -> None:
    at = dt.datetime(2026, 3, 1, 9)
    texts = ["小区门口垃圾站臭气熏天，夏天蚊虫很多，请尽快处理垃圾站", "小区门口的垃圾站臭气熏天，蚊虫多，请处理垃圾站"]
    docs = [
        clustering.Doc(key=f"{place}{i}", title="垃圾站臭气扰民", text=texts[i % 2], at=at, place=place)
        for place in ("440304", "440305")
        for i in range(3)
    ]
    docs.append(clustering.Doc(key="x", title="咨询社保卡补办", text="社保卡丢了怎么补办，需要什么材料", at=at))
    result = clustering.find_topics(docs)
    assert sorted((c.place, c.count) for c in result.clusters) == [("440304", 3), ("440305", 3)]


def test_hotness_orders_by_volume_callers_votes_and_growth() -> None:
    base = clustering.hotness(10, 10, 10, 0)
    assert clustering.hotness(20, 10, 10, 0) > base  # more tickets
    assert clustering.hotness(10, 10, 10, 50) > base  # votes
    assert clustering.hotness(10, 10, 3, 0) < base  # the same few callers calling again
    assert clustering.hotness(10, 2, 10, 0) > base  # growth on the previous window
    # a fading topic is not penalised below its size
    assert clustering.hotness(10, 40, 10, 0) == base
    assert clustering.hotness(0, 0, 0, 0) == 0.0


def test_empty_and_odd_input_does_not_crash() -> None:
    at = dt.datetime(2026, 3, 1)
    assert clustering.find_topics([]).clusters == []
    odd = [
        clustering.Doc(key=1, title="", text="😀😀😀", at=at),
        clustering.Doc(key=2, title="", text="   ", at=at),
        clustering.Doc(key=3, title="路燈不亮", text="路燈不亮 street light broken", at=at),
    ]
    assert isinstance(clustering.find_topics(odd).clusters, list)


def test_peak_growth_counts_the_busiest_window_and_the_one_before() -> None:
    start = dt.datetime(2026, 1, 1)
    days = [0, 51, 60, 62, 64, 66, 68]
    docs = [clustering.Doc(key=i, title="", text="", at=start + dt.timedelta(days=d)) for i, d in enumerate(days)]
    cluster = clustering.Cluster(members=list(range(len(docs))))
    assert clustering.peak_growth(cluster, docs, dt.timedelta(days=10)) == (5, 1)
