"""Tables as "列名：值" rows, from any source's grid."""

from __future__ import annotations

from ingest.tables import Cell, Grid, grid_from_boxes


def test_a_merged_cell_repeats_down_and_spans_across():
    cells = [Cell("类别", 0, 0), Cell("因素", 0, 1), Cell("E1", 0, 2), Cell("E2", 0, 3),
             Cell("设备", 1, 0, rows=2), Cell("SF4", 1, 1), Cell("×", 1, 2), Cell("×", 1, 3),
             Cell("SF5", 2, 1), Cell("满足", 2, 2, cols=2)]
    assert Grid(cells).row_lines() == ["类别：设备；因素：SF4；E1：×；E2：×", "类别：设备；因素：SF5；E1、E2：满足"]


def test_a_table_continued_on_the_next_page_keeps_its_column_names_and_drops_a_repeated_header():
    first = Grid([Cell("名称", 0, 0), Cell("宽度", 0, 1), Cell("A4", 1, 0), Cell("210", 1, 1)])
    rest = Grid([Cell("名称", 0, 0), Cell("宽度", 0, 1), Cell("A3", 1, 0), Cell("297", 1, 1)]).continued(first.column_names())
    bare = Grid([Cell("B5", 0, 0), Cell("176", 0, 1)]).continued(first.column_names())
    assert rest.row_lines() == ["名称：A3；宽度：297"] and bare.row_lines() == ["名称：B5；宽度：176"]


def test_pdf_cell_boxes_spanning_grid_lines_are_merged_cells():
    boxes = [((0, 0, 50, 10), "类别"), ((50, 0, 100, 10), "值"), ((0, 10, 50, 30), "设备"),
             ((50, 10, 100, 20), "甲"), ((50, 20, 100, 30), "乙")]
    assert grid_from_boxes(boxes).row_lines() == ["类别：设备；值：甲", "类别：设备；值：乙"]


def test_a_one_column_table_is_a_frame_not_a_table():
    assert Grid([Cell("正文一", 0, 0), Cell("正文二", 1, 0)]).is_layout_box()
