"""Normalisation: 繁简, full-width, whitespace, cut, and refusal of texts with nothing to classify."""

from pengcheng.nlp.text import MAX_CHARS, Refusal, normalise


def test_traditional_becomes_simplified_and_fullwidth_halfwidth() -> None:
    assert normalise("臺北市政府資訊局　ＡＢＣ１２３") == "台北市政府资讯局 abc123"


def test_whitespace_and_control_characters_collapse() -> None:
    assert normalise("  路灯\t\n不亮\x00\x07了  ") == "路灯 不亮 了"


def test_empty_punctuation_and_emoji_only_are_refused() -> None:
    for text in ("", "   ", "！？。……", "😀😡🚗", "\u200b\u200b"):
        result = normalise(text)
        assert isinstance(result, Refusal) and result.code == "empty", text


def test_not_text_is_refused() -> None:
    assert isinstance(normalise(None), Refusal)
    result = normalise(12345)
    assert isinstance(result, Refusal) and result.code == "not_text"


def test_huge_text_is_cut() -> None:
    result = normalise("噪音扰民" * 100_000)
    assert isinstance(result, str) and len(result) == MAX_CHARS


def test_mixed_scripts_and_emoji_are_kept() -> None:
    result = normalise("Bus 站牌壞了😡 please fix")
    assert result == "bus 站牌坏了😡 please fix"
