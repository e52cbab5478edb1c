"""The clause tree of the real documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.metadata import extract_metadata
from ingest.paragraphs import join_lines
from ingest.structure import iter_sections, parse_sections

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
CHAPTERS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一"]


def tree(stem: str):
    path = next(CORPUS.glob(f"{stem}_*.txt"))
    text = join_lines([path.read_text(encoding="utf-8")]).text
    title = extract_metadata(text, path.name)["title"]
    return text, parse_sections(text, front_title=title)


@pytest.fixture(scope="module")
def plan():
    return tree("002")


def test_plan_top_level_is_introduction_eleven_chapters_and_two_annexes(plan):
    _, sections = plan
    titles = [s.title for s in sections]
    assert titles[0] == "东莞市数字政府改革建设“十四五”规划"  # front matter: title, date, TOC
    body = titles[1:]
    assert body[0] == "引言"
    chapters = body[1:12]
    assert [t.split("、")[0] for t in chapters] == CHAPTERS
    assert chapters[3] == "四、夯实数字底座，提供领先、安全、稳定的基础设施"
    assert [t.replace(" ", "") for t in body[12:]] == ["附件1", "附件2"]


def test_plan_table_of_contents_is_not_parsed_as_headings(plan):
    text, sections = plan
    first_real = sections[1].start
    assert text[first_real:].startswith("引言")
    starts = [s.start for _, s in iter_sections(sections)][1:]
    assert min(starts) == first_real
    titles = [path[-1] for path, _ in iter_sections(sections)]
    assert titles.count("（一）现状基础") == 1


def test_levels_come_from_numbering_not_markdown(plan):
    _, sections = plan
    paths = {path for path, _ in iter_sections(sections)}
    assert ("四、夯实数字底座，提供领先、安全、稳定的基础设施", "（三）提升集约共享的数据中台能力") in paths
    # "## 5." sits next to "#### 1." in the file: both are items under （一）.
    chapter_one = sections[2]
    current = chapter_one.children[0]
    assert current.title == "（一）现状基础"
    assert [c.title.split(".")[0] for c in current.children] == ["1", "2", "3", "4", "5"]
    assert [c.title for c in chapter_one.children] == ["（一）现状基础", "（二）存在问题", "（三）面临形势", "（四）编制依据"]


def test_sections_nest_and_cover_the_text_in_order(plan):
    text, sections = plan
    assert sections[0].start == 0 and sections[-1].end == len(text)
    for (a, b) in zip(sections, sections[1:]):
        assert a.end == b.start
    for _, section in iter_sections(sections):
        assert section.start < section.end
        for child in section.children:
            assert section.start <= child.start < child.end <= section.end


def test_letter_front_matter_and_signature_are_sections():
    text, sections = tree("000")
    assert sections[0].title.startswith("关于东莞市政务数据大脑") and sections[0].start == 0
    assert "市财政局：" in text[sections[0].start : sections[0].end]
    assert [s.title[:2] for s in sections[1:5]] == ["一、", "二、", "三、", "四、"]
    assert "2021 年 12 月 10 日" in text[sections[-1].start : sections[-1].end]


def test_inline_clause_headings_nest_under_their_chapter():
    _, sections = tree("003")
    second = next(s for s in sections if s.title.startswith("二、"))
    assert [c.title for c in second.children][:2] == ["（一）提供人工查询服务", "（二）新增实体卡验证方式"]


def test_cross_references_and_enumerations_inside_text_are_not_headings():
    text = (
        "关于某事项的通知\n"
        "一、总体要求\n"
        "依照第三条规定的程序办理。\n"
        "第三条规定的情形除外，一是加强统筹；二是强化保障。\n"
        "按照第一、二项要求执行。\n"
        "二、工作措施\n"
        "（一）完善机制\n"
        "内容。"
    )
    sections = parse_sections(text)
    paths = [path for path, _ in iter_sections(sections)]
    assert paths == [
        ("正文",),
        ("一、总体要求",),
        ("二、工作措施",),
        ("二、工作措施", "（一）完善机制"),
    ]


def test_articles_keep_their_items():
    text = "第一章 总则\n第一条 为了规范管理，制定本办法。\n第二条 本办法适用于：\n（一）市级部门；\n（二）镇街。\n第二章 附则\n第三条 本办法自印发之日起施行。"
    sections = parse_sections(text)
    article_two = sections[0].children[1]
    assert article_two.title == "第二条 本办法适用于："
    assert [c.title for c in article_two.children] == ["（一）市级部门；", "（二）镇街"]
    assert [s.title for s in sections] == ["第一章 总则", "第二章 附则"]
