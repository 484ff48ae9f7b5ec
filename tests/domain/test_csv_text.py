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
def test_windows_1252_is_read_exactly_when_named_and_refused_with_a_preview_when_not(name):
    data = (HEADER + row("Plain Supplier LLC") + row(name)).encode("cp1252")
    decoded = decode_csv(data, "Windows-1252")
    assert decoded.encoding == WINDOWS_1252 and name in decoded.text
    assert decode_csv(data, "cp1252").text == decoded.text
    with pytest.raises(FileRefused) as refused:
        decode_csv(data)
    message = str(refused.value)
    assert "not UTF-8 text (line 3)" in message and "CSV UTF-8" in message and "Windows-1252" in message
    assert "read as Windows-1252 it would give" in message


@pytest.mark.parametrize("text, code_page, name", [
    # Latin-script code pages give other letters for the same bytes: never guessed (tester's cases).
    ("Gdańsk Sprzęt Medyczny", "cp1250", "Windows-1250"),
    ("Győri Orvosi Kft", "cp1250", "Windows-1250"),
    ("İstanbul Tıbbi Malzeme Ltd. Şti.", "cp1254", "Windows-1254"),
    ("Įranga UAB", "cp1257", "Windows-1257"),
    ("Société Zürich Größe", "mac_roman", "Mac-Roman"),
    ("ООО МедТехСнаб", "cp1251", "Windows-1251"),
    ("深圳市安华医疗器械有限公司", "gb18030", "GB18030"),
])
def test_other_code_pages_are_read_only_when_named(text, code_page, name):
    data = (HEADER + row(text)).encode(code_page)
    with pytest.raises(FileRefused, match="not UTF-8 text"):
        decode_csv(data)
    decoded = decode_csv(data, name)
    assert decoded.encoding == name and text in decoded.text


@pytest.mark.parametrize("name, code_page", [
    ("深圳市安华医疗器械有限公司", "gbk"),       # Chinese Excel
    ("王伟", "gbk"),
    ("ООО МедТехСнаб", "cp1251"),             # Russian Excel
    ("Zakład Produkcji Żółć Łódź", "cp1250"),  # Polish Excel
    ("Προστασία Υγείας ΑΕ", "cp1253"),         # Greek Excel
    ("株式会社メディカル", "shift_jis"),        # Japanese Excel
])
def test_a_file_named_as_windows_1252_but_in_another_script_is_refused_not_read_as_gibberish(name, code_page):
    data = (HEADER + row("Plain Supplier LLC") + row(name)).encode(code_page)
    for encoding in (None, "Windows-1252"):
        with pytest.raises(FileRefused) as refused:
            decode_csv(data, encoding)
        message = str(refused.value)
        assert "CSV UTF-8" in message and ("line 3" in message or "byte" in message)
        assert "would give" not in message  # no gibberish preview either


def test_an_unknown_encoding_name_is_refused_with_the_choices():
    with pytest.raises(FileRefused, match="unknown encoding 'latin-9'; choose one of: Windows-1252"):
        decode_csv("Müller\n".encode("cp1252"), "latin-9")


def test_binary_and_broken_utf8_with_bom_are_refused():
    with pytest.raises(FileRefused, match="not a CSV text file"):
        decode_csv(b"%PDF-1.7\x00\x00binary")
    with pytest.raises(FileRefused, match=r"not UTF-8 text \(byte 5\)"):
        decode_csv(codecs.BOM_UTF8 + b"a,b\n\xff\xfe,1\n")
