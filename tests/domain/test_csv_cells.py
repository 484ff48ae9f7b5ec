"""CSV injection: a cell is neutralised by its first character after NFKC, whatever float() accepts."""
import pytest

from marketplace.domain.csv_cells import protect, unprotect


@pytest.mark.parametrize("cell", [
    "-inf", "+nan", "＝HYPERLINK(\"http://x\")",          # issue 10's examples
    "+Infinity", "-NaN", "﹦1+1", "＋cmd|' /C calc'!A0", "＠SUM(A1)", "－1+2",  # more of the kind
    "-1e3", "=1", "\rx",
])
def test_formula_like_cells_are_neutralised_and_restored(cell):
    protected = protect(cell)
    assert protected == "'" + cell
    assert unprotect(protected) == cell


@pytest.mark.parametrize("cell", ["-3", "+44", "12.50", "0", "plain", "Ａcme", "", "1,5"])
def test_plain_numbers_and_text_pass_unchanged(cell):
    assert protect(cell) == cell
    assert unprotect(cell) == cell


def test_a_supplier_apostrophe_before_text_is_kept():
    assert unprotect("'quoted") == "'quoted"
