"""The one normalisation for documents and queries."""

from __future__ import annotations

from ingest.normalize import normalize_text


def test_a_query_and_a_document_written_differently_meet():
    document = "東莞市 政務數據\u200b大腦（２０２１年）ＩＯＣ\u3000運行中心"
    query = "东莞市政务数据大脑(2021年)ioc运行中心"
    assert normalize_text(document).replace(" ", "") == normalize_text(query).replace(" ", "")


def test_whitespace_is_collapsed_and_trimmed():
    assert normalize_text("  数据\n\n共享\t 平台  ") == "数据 共享 平台"


def test_kangxi_radicals_fold_to_ideographs():
    assert normalize_text("\u2f8f政") == "行政"


def test_latin_is_lower_cased():
    assert normalize_text("GPS轨迹 API") == "gps轨迹 api"
