"""The search engine on its own: tokenising, BM25 fields, validity filtering, learning from pairs."""

import datetime as dt

from pengcheng.knowledge import engine

from .conftest import BODIES


def _index(**overrides: dict) -> engine.Index:
    docs = []
    for key, body in BODIES.items():
        doc = engine.Document(key, engine.analyse(body))
        for attr, value in overrides.get(key, {}).items():
            setattr(doc, attr, value)
        docs.append(doc)
    return engine.Index(docs)


def test_tokens_are_words_and_bigrams_without_function_words() -> None:
    assert "公积金" in engine.words("怎么提取住房公积金？") or "住房公积金" in engine.words("怎么提取住房公积金？")
    assert "的" not in engine.words("我的公积金")
    assert engine.bigrams("公积金") == ["公积", "积金"]
    assert engine.normalise("ＡＢＣ　１２３") == "abc 123"


def test_the_answer_comes_first() -> None:
    index = _index()
    assert index.search("租房怎么提取公积金")[0][0] == "fund"
    assert index.search("去外地看病怎么备案")[0][0] == "medical"
    assert index.search("下暴雪要注意什么")[0][0] == "snow"
    assert index.search("") == []
    assert index.search("😀😀") == []


def test_articles_not_answerable_today_are_never_returned() -> None:
    today = dt.date(2026, 11, 27)
    index = _index(
        fund={"valid_to": today - dt.timedelta(days=1)},
        medical={"valid_from": today + dt.timedelta(days=1)},
        snow={"live": False},
    )
    for query in ("租房提取公积金", "异地就医备案", "暴雪天气"):
        keys = [key for key, _ in index.search(query, limit=5, on=today)]
        assert set(keys) <= {"land"}
    assert index.search("租房提取公积金", on=today - dt.timedelta(days=2))[0][0] == "fund"


def test_question_variants_are_searched() -> None:
    docs = [
        engine.Document("a", engine.analyse("请携带身份证到窗口办理。", variants=["护照丢了怎么补办"])),
        engine.Document("b", engine.analyse("请携带户口簿到派出所办理。", variants=["户口迁移手续"])),
    ]
    assert engine.Index(docs).search("护照丢失补办")[0][0] == "a"


def test_training_learns_a_reranker_that_round_trip_through_json() -> None:
    docs = [engine.Document(key, engine.analyse(body)) for key, body in BODIES.items()]
    pairs = [
        ("怎么提取公积金", "fund"),
        ("公积金租房提取", "fund"),
        ("异地就医怎么备案", "medical"),
        ("外地看病备案", "medical"),
        ("暴雪怎么办", "snow"),
        ("下雪天注意什么", "snow"),
        ("什么是土地登记", "land"),
        ("土地登记的意思", "land"),
    ]
    model = engine.train(docs, pairs)
    assert model.trained_on == len(pairs)
    assert len(model.coefficients) == len(engine.FEATURES) + 1
    again = engine.LearnedModel.from_json(model.to_json())
    assert again.coefficients == model.coefficients
    index = engine.Index(docs, again)
    hits = engine.hits_at(index, pairs)
    assert hits[5] == 1.0 and hits[1] >= 0.75
    assert engine.LearnedModel.from_json({"features": ["other"]}).coefficients == []
