"""The pipeline on small data: three heads, calibrated top-3, and bad input never crashes."""

import math

import pytest

from pengcheng.nlp.pipeline import Classified, Options, TextModel
from pengcheng.nlp.tests.samples import rows
from pengcheng.nlp.text import Refusal

SMALL = Options(lsa_dims=16)


@pytest.fixture(scope="module")
def model() -> TextModel:
    data = rows()
    corpus = ["市民反映问题，请相关部门处理。", "噪音扰民问题已经转交生态环境部门。", "社保业务请到人社窗口办理。"] * 5
    return TextModel(SMALL).fit(
        [t for t, *_ in data],
        {
            "type": [k for _, k, _, _ in data],
            "department": [d for _, _, d, _ in data],
            "category": [c for *_, c in data],
        },
        unlabelled=corpus,
    )


def test_three_heads_top_three_with_probabilities(model: TextModel) -> None:
    [result] = model.classify(["光明区深夜工地施工噪音太大，吵得没法睡觉"], k=3)
    assert isinstance(result, Classified)
    assert set(result.heads) == {"type", "department", "category"}
    guesses = result.heads["department"]
    assert guesses[0].label == "STHJJ"
    assert len(guesses) == 3
    scores = [g.score for g in guesses]
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= s <= 1 for s in scores) and math.isclose(sum(scores), 1.0, rel_tol=1e-6)
    assert result.best("type").label == "complaint"  # type: ignore[union-attr]


def test_traditional_text_is_classified_like_simplified(model: TextModel) -> None:
    simplified, traditional = model.classify(["请问社保卡丢了怎么补办", "請問社保卡丟了怎麼補辦"])
    assert isinstance(simplified, Classified) and isinstance(traditional, Classified)
    assert simplified.heads == traditional.heads
    assert traditional.best("department").label == "RSJ"  # type: ignore[union-attr]


def test_bad_input_is_classified_or_refused_never_raises(model: TextModel) -> None:
    inputs: list[object] = [
        "",
        "   ",
        "😀😀😀",
        "？？？",
        None,
        42,
        "路灯" * 500_000,
        "Street light 壞了 💡 pls fix",
        "\x00\x01路灯",
    ]
    results = model.classify(inputs)
    assert len(results) == len(inputs)
    for index in (0, 1, 2, 3, 4, 5):
        assert isinstance(results[index], Refusal), inputs[index]
    assert results[5].code == "not_text"  # type: ignore[union-attr]
    huge = results[6]
    assert isinstance(huge, Classified) and huge.truncated
    assert isinstance(results[7], Classified) and isinstance(results[8], Classified)


def test_predict_gives_none_for_refused(model: TextModel) -> None:
    assert model.predict(["路灯坏了请维修", ""], "department") == ["CGJ", None]


def test_training_refuses_only_unusable_rows_and_single_label_heads() -> None:
    data = rows()
    model = TextModel(SMALL).fit(
        [t for t, *_ in data] + ["", "😀"],
        {"type": [k for _, k, _, _ in data] + ["help", "help"], "only": ["x"] * (len(data) + 2)},
    )
    assert model.info["refused_rows"] == 2
    [result] = model.classify(["噪音"])
    assert isinstance(result, Classified)
    assert result.heads["only"][0].label == "x" and result.heads["only"][0].score == 1.0


def test_no_usable_text_is_an_error() -> None:
    with pytest.raises(ValueError):
        TextModel(SMALL).fit(["", "😀"], {"type": ["a", "b"]})


def test_a_ridge_candidate_is_chosen_when_it_is_the_only_one() -> None:
    data = rows()
    ridge = TextModel(Options(lsa_dims=16, svm_c=(), ridge_alpha=(1.0,))).fit(
        [t for t, *_ in data], {"department": [d for _, _, d, _ in data]}
    )
    assert ridge.heads["department"].algorithm == "ridge"
    [result] = ridge.classify(["光明区深夜工地施工噪音太大，吵得没法睡觉"], k=3)
    assert isinstance(result, Classified)
    scores = [g.score for g in result.heads["department"]]
    assert result.heads["department"][0].label == "STHJJ"
    assert math.isclose(sum(scores), 1.0, rel_tol=1e-6) and scores == sorted(scores, reverse=True)
