"""The shared text rules (policyqa/text.py)."""

from __future__ import annotations

import pytest

from policyqa.text import DOC_NUMBER, PROPOSAL_NUMBER, chinese_number, years_as_digits


@pytest.mark.parametrize(("written", "value"), [("三十二", 32), ("十", 10), ("十二", 12), ("二十", 20), ("一百零五", 105),
                                                ("21", 21), ("两", 2), ("几", 0)])
def test_chinese_numbers(written: str, value: int) -> None:
    assert chinese_number(written) == value


def test_years_in_chinese_numerals_become_digits_and_nothing_else_changes() -> None:
    assert years_as_digits("二〇二二年六月二十日") == "2022年六月二十日"
    assert years_as_digits("第三十二条") == "第三十二条"


def test_doc_and_proposal_numbers() -> None:
    text = "东政数函〔2021〕53号答复第20210142号建议，另见国能综通科技[2021]92号"
    found = [m.group(0) for m in DOC_NUMBER.finditer(text)]
    # The issuer code is the Han run before the bracket (up to eight characters of it).
    assert found[0] == "东政数函〔2021〕53号" and found[1].endswith("国能综通科技[2021]92号") and len(found) == 2
    assert PROPOSAL_NUMBER.search(text).group(1) == "20210142"
