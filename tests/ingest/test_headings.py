"""Heading recognition on real 公文 lines."""

from __future__ import annotations

import pytest

from ingest.headings import heading_title, match_heading


def level(line: str) -> int:
    found = match_heading(line)
    assert found is not None, line
    return found[0]


def test_levels_follow_the_gongwen_numbering_order():
    order = ["一、基础与形势", "（一）现状基础", "1. 数字政府建设管理机制基本确立", "（1）产出数量方面", "①数据汇聚"]
    levels = [level(line) for line in order]
    assert levels == sorted(levels) and len(set(levels)) == len(levels)
    assert level("第一章 总则") == level("一、总则")
    assert level("第一节 范围") == level("（一）范围")
    assert level("第三条 本办法适用于全市") == level("3. 本办法适用于全市")


def test_markdown_markers_do_not_decide_the_level():
    # 002 marks "1." with ## in one place and #### in another.
    assert level("## 5. 统筹集约建设效益初步显现") == level("#### 1. 数字政府建设管理机制基本确立")
    assert level("#### **（二）业务架构**") == level("## （二）存在问题")


@pytest.mark.parametrize(
    "line",
    [
        "（一）现状基础 .....\t3",  # table of contents
        "五、深化政务服务“一网通办”，提供便民利企的数字服务\t35",
        "附件 1 .....\t78",
        "第三条规定的情形，按照本办法处理。",  # cross-reference opening a sentence
        "第一、二项所列事项由市财政局负责。",
        "一是修订电子政务项目建设管理办法，电子政务项目采用项目库管理方式。",  # list item
        "2019 年以来，东莞市数字政府改革建设在参考省的模式基础上进一步创新。",
        "4.1项目建议书审定：市人民政府",
        "绩效评价报告中指出项目建设过程中存在问题。",
    ],
)
def test_body_text_toc_lines_and_references_are_not_headings(line):
    assert match_heading(line) is None


@pytest.mark.parametrize("line", ["引言", "## 引言", "附件 1", "## 附件 2", "摘  要", "第十二条 附则"])
def test_unnumbered_top_headings_are_recognised(line):
    assert match_heading(line) is not None


def test_inline_heading_title_stops_at_the_first_full_stop():
    line = "（一）提供人工查询服务。针对部分老年人不会使用智能手机自行出示粤康码的情况，我局改造市民服务中心入口闸道。"
    assert heading_title(line) == "（一）提供人工查询服务"
    assert heading_title("### **3. 一体化政务服务体系不断完善**") == "3. 一体化政务服务体系不断完善"
