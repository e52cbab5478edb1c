"""HTML and Markdown loaders: the visible text only."""

from __future__ import annotations

from ingest.loaders import load_file


def test_html_drops_scripts_styles_and_the_head(tmp_path):
    path = tmp_path / "notice.html"
    path.write_text(
        "<!DOCTYPE html><html><head><title>页面标题</title><style>p{color:red}</style></head>"
        "<body><script>var x = '脚本';</script><h1>关于推进数据共享的通知</h1>"
        "<p>各镇街：</p><p>现将有关事项\n通知如下。</p><table><tr><td>序号</td><td>事项</td></tr></table></body></html>",
        encoding="gb18030",
    )
    text = load_file(path).pages[0]
    assert text.split("\n") == ["关于推进数据共享的通知", "各镇街：", "现将有关事项通知如下。", "序号 事项"]


def test_html_is_recognised_by_content_whatever_the_extension(tmp_path):
    path = tmp_path / "page.txt"
    path.write_text("<html><body><p>正文</p><script>alert(1)</script></body></html>", encoding="utf-8")
    document = load_file(path)
    assert document.pages == ("正文",)
    assert any("HTML" in warning for warning in document.warnings)


def test_markdown_links_keep_their_label(tmp_path):
    path = tmp_path / "readme.md"
    path.write_text("# 标题\n\n详见[《东莞市公共数据管理办法》](https://example.org/a)。\n\n![印章](seal.png)\n", encoding="utf-8")
    text = load_file(path).pages[0]
    assert "# 标题" in text
    assert "详见《东莞市公共数据管理办法》。" in text
    assert "https://" not in text and "seal.png" not in text
