"""The keyword side's tokenizer: identifiers intact, folding identical for documents and queries."""

from __future__ import annotations

import pytest

from index.tokenize import ChineseTokenizer


@pytest.fixture(scope="module")
def tokenizer() -> ChineseTokenizer:
    return ChineseTokenizer()


def test_doc_number_with_spaces_is_the_same_single_token(tokenizer):
    # The PDF-derived TXT of letter 003 writes "东政数函〔2021〕53 号"; users type it without the space.
    spaced = tokenizer.tokenize("东莞市政务服务数据管理局 东政数函〔2021〕53 号")
    typed = tokenizer.tokenize("东政数函〔2021〕53号")
    assert "东政数函〔2021〕53号" in spaced
    assert typed[0] == "东政数函〔2021〕53号"


def test_doc_number_bracket_variants_fold_together(tokenizer):
    assert tokenizer.tokenize("国发[2022]5号")[0] == tokenizer.tokenize("国发〔2022〕5号")[0]


def test_numbers_years_and_amounts_stay_whole(tokenizer):
    tokens = tokenizer.tokenize("第20210142号提案：2021年得分77.20分，汇聚360亿条数据，投入400万元")
    for expected in ("20210142", "2021年", "77.20分", "360亿条", "400万元"):
        assert expected in tokens


def test_policy_terms_survive_segmentation(tokenizer):
    tokens = tokenizer.tokenize("推进一网统管和粤省事，建设政务数据大脑")
    for term in ("一网统管", "粤省事", "政务数据大脑"):
        assert term in tokens


def test_traditional_query_matches_simplified_document(tokenizer):
    assert set(tokenizer.tokenize("數據共享")) == set(tokenizer.tokenize("数据共享"))


def test_stopwords_and_punctuation_are_dropped(tokenizer):
    tokens = tokenizer.tokenize("请问，数据共享的情况是什么？")
    assert "的" not in tokens and "什么" not in tokens and "，" not in tokens
    assert "数据共享" in tokens


def test_mined_terms_change_segmentation_and_version(tokenizer):
    extended = tokenizer.with_terms(["云网数"])
    assert "云网数" in extended.tokenize("建设“云网数”一体化底座")
    assert extended.version != tokenizer.version


@pytest.mark.parametrize("text", [
    "《东营市数字政府建设规划（2021-2025年）》提出，建设iaas平台、5g网络和“互联网+政务服务”体系",
    "附件2 21.IaaS（Infrastructure as a Service）；28.API；人员5G20.5G 5th；A+B、C#、R&D、x_y",
    "东政数函〔2022〕37号：投入3.5万元，完成率98.5%，第20210142号提案",
])
def test_rjieba_cuts_like_jieba(text):
    # jieba-rs keeps symbol runs ("2021-2025", "21.iaas") whole; the segmenter splits them as jieba does.
    assert ChineseTokenizer(segmenter="rjieba").tokenize(text) == ChineseTokenizer(segmenter="jieba").tokenize(text)


def test_the_segmenter_is_part_of_the_version():
    # An index tokenised by one segmenter must be refused by a tokenizer using the other.
    assert ChineseTokenizer(segmenter="rjieba").version != ChineseTokenizer(segmenter="jieba").version
    assert ChineseTokenizer().version == ChineseTokenizer(segmenter="rjieba").version
    with pytest.raises(ValueError, match="unknown segmenter"):
        ChineseTokenizer(segmenter="thulac")
