"""The one decoder for CSV imports (issue 8, item 9): read whole or refused whole, never gibberish."""
import codecs

import pytest

from marketplace.domain.csv_text import UTF8, UTF16, WINDOWS_1252, FileRefused, decode_csv

HEADER = "external_id,company_name,city\n"


def row(name: str, city: str = "Berlin") -> str:
    return f"X1,{name},{city}\n"


@pytest.mark.parametrize("data, encoding", [
    ((HEADER + row("Müller GmbH")).encode("utf-8"), UTF8),
    (codecs.BOM_UTF8 + (HEADER + row("深圳市安华医疗器械有限公司")).encode("utf-8"), UTF8),
    ((HEADER + row("ООО МедТехСнаб", "Москва")).encode("utf-16"), UTF16),
    ((HEADER + row("Supplier 1 LLC")).encode("ascii"), UTF8),
])
def test_unicode_files_are_read_as_they_say(data, encoding):
    decoded = decode_csv(data)
    assert decoded.encoding == encoding
    assert decoded.text.lstrip("\ufeff").startswith("external_id,company_name,city")


@pytest.mark.parametrize("name", [
    "Medizintechnik Müller GmbH",        # the intake case: German umlauts and ß
    "Jürgen Weiß",
    "Protecciones São João Ação Ltda",  # Portuguese: two accented letters side by side
    "Hôpital Sainte-Élodie – “Service” 5 €",  # French with typographic quotes, dash and euro
    "Señora Peña Muñoz S.A. de C.V.",
])
def test_western_windows_1252_files_are_read_exactly(name):
    decoded = decode_csv((HEADER + row(name)).encode("cp1252"))
    assert decoded.encoding == WINDOWS_1252
    assert name in decoded.text


@pytest.mark.parametrize("name, code_page", [
    ("深圳市安华医疗器械有限公司", "gbk"),       # Chinese Excel
    ("王伟", "gbk"),
    ("ООО МедТехСнаб", "cp1251"),             # Russian Excel
    ("Zakład Produkcji Żółć Łódź", "cp1250"),  # Polish Excel
    ("Προστασία Υγείας ΑΕ", "cp1253"),         # Greek Excel
    ("株式会社メディカル", "shift_jis"),        # Japanese Excel
])
def test_other_code_pages_are_refused_whole_not_read_as_gibberish(name, code_page):
    data = (HEADER + row("Plain Supplier LLC") + row(name)).encode(code_page)
    with pytest.raises(FileRefused) as refused:
        decode_csv(data)
    message = str(refused.value)
    assert "CSV UTF-8" in message
    assert "line 3" in message or "byte" in message


def test_binary_and_broken_utf8_with_bom_are_refused():
    with pytest.raises(FileRefused, match="not a CSV text file"):
        decode_csv(b"%PDF-1.7\x00\x00binary")
    with pytest.raises(FileRefused, match="says it is UTF-8"):
        decode_csv(codecs.BOM_UTF8 + b"a,b\n\xff\xfe,1\n")
