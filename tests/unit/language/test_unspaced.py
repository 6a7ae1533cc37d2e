"""Chinese and Japanese, written without spaces: their words meet and their copies are
found; other scripts are left as they were."""

from __future__ import annotations

from pipeline.dedup.fingerprint import Fingerprinter, jaccard
from pipeline.events.lexical import term_vector
from pipeline.language.unspaced import bigrams, characters, has_unspaced
from pipeline.language.words import content_words
from pipeline.text import words

# Two outlets' own reports of one happening (Diogo Jota's death, 3 July 2025).
JOTA_1 = (
    "据西班牙警方消息，效力于英超利物浦队的葡萄牙国脚迪奥戈·若塔3日凌晨在西班牙萨莫拉省"
    "遭遇车祸身亡，年仅28岁。与他同车的弟弟安德烈·席尔瓦也在事故中丧生。西班牙国民警卫队"
    "表示，两人乘坐的兰博基尼在超车时爆胎，随后冲出道路并起火。"
)
JOTA_2 = (
    "葡萄牙足协和利物浦俱乐部3日相继发表声明，对迪奥戈·若塔和他的弟弟、同为职业球员的"
    "安德烈·席尔瓦遇难表示深切哀悼。事故发生在西班牙西北部萨莫拉省的一条高速公路上，车辆"
    "起火后两人均未能生还。"
)
CALL = (
    "俄罗斯总统普京3日与美国总统特朗普通电话，双方交谈近一小时。克里姆林宫助理乌沙科夫"
    "在通话后向媒体介绍说，普京表示俄方愿意继续谈判。"
)
JOTA_JA = "ディオゴ・ジョタ選手（28）が3日未明、スペイン北西部サモラ県で自動車事故により死亡した。"


def test_runs_become_characters_and_pairs_numbers_stay_whole() -> None:
    tokens = words("若塔2020年加盟利物浦")
    assert tokens == ["若塔2020年加盟利物浦"]  # one run: what `words` alone gives
    assert characters(tokens) == ["若", "塔", "2020", "年", "加", "盟", "利", "物", "浦"]
    assert bigrams(tokens) == ["若塔", "2020", "年加", "加盟", "盟利", "利物", "物浦"]
    assert bigrams(["7月3日"]) == ["7", "3"]  # a character alone says too little
    assert bigrams(["putin", "kyiv"]) == ["putin", "kyiv"]
    assert has_unspaced(JOTA_JA) and not has_unspaced("Poutine à Moscou") and not has_unspaced("")


def test_reports_of_one_happening_share_words() -> None:
    first, second, other = (
        term_vector(None, JOTA_1),
        term_vector(None, JOTA_2),
        term_vector(None, CALL),
    )
    shared = first.keys() & second.keys()
    assert {"若塔", "萨莫", "莫拉", "席尔", "尔瓦", "弟弟"} <= shared
    assert len(shared) > 3 * len(first.keys() & other.keys())
    # Japanese: kanji and kana alike (voicing marks fold away like accents: ジ is シ).
    assert {"ショ", "ョタ", "事故", "死亡"} <= set(content_words(JOTA_JA))


def test_a_copy_with_one_character_changed_is_near_and_another_report_is_not() -> None:
    fingerprinter = Fingerprinter()
    original = fingerprinter.fingerprint(JOTA_1)
    copy = fingerprinter.fingerprint(JOTA_1.replace("丧生", "遇难"))
    other = fingerprinter.fingerprint(JOTA_2)
    assert original.size > 80  # character shingles, not a few clauses
    assert jaccard(original.signature, copy.signature) > 0.85
    assert jaccard(original.signature, other.signature) < 0.2
