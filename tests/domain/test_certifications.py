"""Certification claims read as the agencies print them and checked against the registries
(issue 8, items 7 and 11)."""
import csv
from pathlib import Path

import pytest

from marketplace.domain import normalise as n
from marketplace.domain import registries
from marketplace.domain.certifications import certification_hint, parse_claims, reference_json
from marketplace.domain.leads import parse_lead
from marketplace.domain.scoring import FLAG_LABELS, certification_signals, load_reference, score_lead
from tests.conftest import VALID_LEAD

CASES = Path(__file__).parents[1] / "cases"  # copies of the intake cases (../shared/cases)
REGISTRY_CODES = ("niosh_unknown", "niosh_holder_mismatch", "niosh_model_mismatch", "watchlist", "eua_removed",
                  "k510_other_product", "k510_unknown")


def assess(**fields):
    values, errors = parse_lead({**VALID_LEAD, **fields})
    assert not errors, errors
    return score_lead(values, n.normalise_lead(values))


def codes(assessment):
    return {s.code for s in assessment.signals}


def signal(assessment, code):
    return next(s for s in assessment.signals if s.code == code)


# ---- one parser for the printed formats --------------------------------------------------------

@pytest.mark.parametrize("text, scheme, number", [
    ("TC-84A-0006", "niosh", "TC-84A-0006"),
    ("TC 84A-0006", "niosh", "TC-84A-0006"),
    ("84A-0006", "niosh", "TC-84A-0006"),
    ("NIOSH TC-84A-0006", "niosh", "TC-84A-0006"),
    ("NIOSH approval no. 84A 9221", "niosh", "TC-84A-9221"),
    ("TC\u201384A\u20130007", "niosh", "TC-84A-0007"),          # en dashes from a PDF
    ("tc84a0007", "niosh", "TC-84A-0007"),
    ("K202354", "fda_510k", "K202354"),
    ("K 202354", "fda_510k", "K202354"),
    ("FDA 510(k) K123456", "fda_510k", "K123456"),
    ("510k: K-201380", "fda_510k", "K201380"),
    ("GB 2626-2019", "gb2626", "GB 2626-2019"),
    ("GB2626-2006", "gb2626", "GB 2626-2006"),
    ("GB/T 2626", "gb2626", "GB 2626"),
    ("ASTM F2100 level 2", "astm_f2100", "ASTM F2100 level 2"),
    ("ASTM F2100-19 Level 3", "astm_f2100", "ASTM F2100 level 3"),
    ("ANSI/AAMI PB70:2012 level 3", "aami_pb70", "AAMI PB70 level 3"),
    ("AAMI PB70 Level 2", "aami_pb70", "AAMI PB70 level 2"),
    ("ASTM D6319", "astm_d6319", "ASTM D6319"),
    ("ASTM D6319-19", "astm_d6319", "ASTM D6319"),
])
def test_claims_are_read_as_the_agencies_print_them(text, scheme, number):
    claims = parse_claims(text)
    assert [(c.scheme, c.number) for c in claims] == [(scheme, number)]


@pytest.mark.parametrize("text", ["CE FDA certified", "K12345", "K1234567", "TC-84A-123", "ISO 13485", "N95", "",
                                  "84A-00071", "510(k) pending"])
def test_text_that_holds_no_claim(text):
    assert parse_claims(text) == []


@pytest.mark.parametrize("typed, scheme, number", [
    # the tester's input: typed with a Chinese keyboard (full-width letters, digits and hyphens)
    ("ＴＣ－８４Ａ－０００６", "niosh", "TC-84A-0006"),
    # more of the kind: other full-width claims, a Japanese input method's dash (ー), the
    # non-breaking hyphen and minus sign of word processors, an em dash, an ideographic space
    ("Ｋ２０２３５４", "fda_510k", "K202354"),
    ("ＧＢ２６２６－２０１９", "gb2626", "GB 2626-2019"),
    ("ＴＣー８４Ａー０００７", "niosh", "TC-84A-0007"),
    ("NIOSH TC\u201184A\u20110006", "niosh", "TC-84A-0006"),
    ("K\u2212202354", "fda_510k", "K202354"),
    ("GB 2626\u20142019", "gb2626", "GB 2626-2019"),
    ("ＡＳＴＭ\u3000Ｆ２１００\u3000Ｌｅｖｅｌ\u3000３", "astm_f2100", "ASTM F2100 level 3"),
])
def test_full_width_text_and_every_dash_read_like_the_ascii_claim(typed, scheme, number):
    claims = parse_claims(typed)
    assert [(c.scheme, c.number) for c in claims] == [(scheme, number)]
    assert claims[0].text == typed.strip()  # kept as typed


def test_full_width_does_not_make_a_claim_of_what_is_not_one():
    assert parse_claims("ＴＣ－８４Ａ－１２３") == []          # three digits, as in ASCII
    assert parse_claims("Ｋ１２３４５６７") == []              # seven digits
    assert [c.number for c in parse_claims("８４Ａ－０００６ ／ Ｋ２０２３５４")] == ["TC-84A-0006", "K202354"]


def test_a_full_width_claim_scores_like_the_ascii_one():
    """Tester finding 7: the form accepted ＴＣ－８４Ａ－０００６ and scoring called it malformed."""
    for typed in ("ＴＣ－８４Ａ－０００６", "ＴＣー８４Ａー０００６"):
        full = assess(certification=typed, product_description="N95 respirator model １８６０")
        ascii_ = assess(certification="TC-84A-0006", product_description="N95 respirator model 1860")
        assert "certification_malformed" not in full.flags
        assert full.score == ascii_.score and full.flags == ascii_.flags
        assert "TC-84A-0006" in signal(full, "certification_ok").text


def test_several_claims_in_one_text_in_order():
    claims = parse_claims("NIOSH TC 84A-0007 / FDA 510(k) K 202354; ASTM F2100 Level 3")
    assert [c.number for c in claims] == ["TC-84A-0007", "K202354", "ASTM F2100 level 3"]


def test_every_category_hint_passes_its_own_rule():
    ref = load_reference()
    hint = certification_hint()
    for category, rule in reference_json()["certifications"].items():
        assert rule["example"] in hint
        signals = certification_signals(category, rule["example"], ref.data, {}, ref.registries)
        assert signals[0].code == "certification_ok", (category, signals)
        assert all(s.weight >= 0 for s in signals), (category, signals)


def test_the_old_form_hint_for_gloves_is_not_malformed():
    # Issue 8 item 7: "FDA 510(k) K123456" for gloves scored "malformed". A glove's 510(k) is
    # not in our (masks only) copy: said so, without accusing.
    assessment = assess(product_category="nitrile_gloves", unit_price="0.035", product_description="Nitrile exam gloves",
                        certification="FDA 510(k) K123456")
    assert not set(assessment.flags) & {"certification_malformed", *REGISTRY_CODES}
    assert "not in our copy of the 510(k) list (surgical masks only)" in signal(assessment, "k510_not_covered").text


# ---- the case file: NIOSH numbers as printed -------------------------------------------

def case_rows():
    with open(CASES / "c11_niosh_tc_space.csv", newline="", encoding="utf-8") as stream:
        return {row["external_id"]: row for row in csv.DictReader(stream)}


def test_c11_niosh_numbers_as_printed_are_read_like_a_well_formed_number():
    scored = {}
    for key, row in case_rows().items():
        values, errors = parse_lead(row)
        assert not errors, (key, errors)
        scored[key] = score_lead(values, n.normalise_lead(values))
    for key in ("N1", "N2", "N3", "N4"):
        assert "certification_malformed" not in scored[key].flags, key
        assert signal(scored[key], "certification_ok")
    # N1 (NIOSH TC 84A-0006, model 1860) and N2 (84A-0007, model 8210) are 3M's real approvals of
    # those models: nothing against them.
    assert scored["N1"].score == scored["N2"].score == 100
    assert "TC-84A-0006" in signal(scored["N1"], "niosh_listed").text
    assert "model 8210 is listed under it" in signal(scored["N2"], "niosh_listed").text
    # N4: a KN95 sold as N95 (GB2626-2019): read, and said to be no NIOSH approval.
    assert scored["N4"].score == 100
    assert "no NIOSH approval is given" in signal(scored["N4"], "certification_ok").text
    # N3's number is well formed and real, but the registry lists its model 9210 under another
    # approval (TC-84A-2669): the only thing against it, and not the number's form.
    assert scored["N3"].flags == ["niosh_model_mismatch"]
    assert "TC-84A-2669" in signal(scored["N3"], "niosh_model_mismatch").text


@pytest.mark.parametrize("printed", ["84A-9221", "TC 84A-9221", "NIOSH TC-84A-9221", "TC-84A-9221"])
def test_genuine_claims_in_every_printed_form_score_the_same(printed):
    # Another holder's number (BYD) in the forms the issue lists.
    assessment = assess(company_name="BYD Precision Manufacture Co., Ltd.", supplier_type="manufacturer",
                        email="sales@byd.example", website="byd.example", product_description="N95 respirator DE2322",
                        certification=printed)
    assert assessment.score == 100 and assessment.flags == []
    assert "'BYD Precision Manufacture Co., Ltd.' is listed as its holder" in signal(assessment, "niosh_listed").text


def test_a_masks_510k_written_with_a_space_scores_like_the_canonical_number():
    a = assess(product_category="surgical_mask", unit_price="0.12", product_description="Surgical mask CW01",
               certification="K 202354")
    b = assess(product_category="surgical_mask", unit_price="0.12", product_description="Surgical mask CW01",
               certification="K202354")
    assert a.score == b.score == 100
    assert "Hunan Heng Chang" in signal(a, "k510_listed").text


# ---- claims with their expected registry signals ---------------------------------------------

@pytest.mark.parametrize("fields, code, words", [
    # A well-formed number that NIOSH never issued (0000 is a placeholder row in CDC's list).
    (dict(certification="TC-84A-0000"), "niosh_unknown", "not among the 517 approval numbers"),
    (dict(certification="NIOSH TC-84A-9999"), "niosh_unknown", "Certified Equipment List"),
    # CDC named SOUND as using Dasheng's approval without permission.
    (dict(company_name="Sound Protective Products", product_description="SOUND N95 respirator",
          certification="TC-84A-4335"), "watchlist", "'SOUND' as counterfeit"),
    # A brand CDC named, with no number at all.
    (dict(product_category="kn95_respirator", unit_price="0.95", product_description="Raxwell RX9501P KN95",
          certification="GB 2626-2019"), "watchlist", "'Raxwell'"),
    # A KN95 maker removed from FDA's Appendix A on 2020-05-07, named as the company ...
    (dict(product_category="kn95_respirator", unit_price="0.95", supplier_type="manufacturer",
          company_name="Changsha JNEYL Medical Equipment Co., Ltd.", product_description="KN95 JN-9501",
          certification="GB2626-2006"), "eua_removed", "on May 7, 2020"),
    # ... or in the description of a distributor's offer.
    (dict(product_category="kn95_respirator", unit_price="0.95",
          product_description="KN95 made by Bei (Dong Shan) Protective Supplies, model B707",
          certification="GB 2626-2019"), "eua_removed", "Bei (Dong Shan) Protective Supplies"),
    # A mask's 510(k) quoted for gloves, and for gowns.
    (dict(product_category="nitrile_gloves", unit_price="0.035", product_description="Nitrile exam gloves",
          certification="FDA 510(k) K202354"), "k510_other_product", "(surgical masks, FXX)"),
    (dict(product_category="isolation_gown", unit_price="1.20", product_description="Isolation gown",
          certification="AAMI PB70 level 2, K 201380"), "k510_other_product", "not isolation gown"),
    # A mask number not in our copy (a mask list, so checkable but incomplete: a small weight).
    (dict(product_category="surgical_mask", unit_price="0.12", product_description="Surgical mask",
          certification="K123456"), "k510_unknown", "look it up"),
    # A manufacturer claiming 3M's approval for its own respirator.
    (dict(company_name="Shenzhen Guardwell Medical", supplier_type="manufacturer", email="a@guardwell.example",
          website="guardwell.example", product_description="GW-95 N95", certification="TC-84A-0007"),
     "niosh_holder_mismatch", "holder as 3M Company"),
    # A real number quoted for another model (3M 1860 is TC-84A-0006).
    (dict(product_description="3M 1860 N95, 20 per box", certification="NIOSH TC-84A-0007"),
     "niosh_model_mismatch", "Model 1860 is listed under TC-84A-0006"),
])
def test_registry_signals_with_their_sentences(fields, code, words):
    assessment = assess(**fields)
    assert code in assessment.flags, [(s.code, s.text) for s in assessment.signals]
    found = signal(assessment, code)
    assert found.weight < 0 and words in found.text, found.text
    assert code in FLAG_LABELS
    assert "certification_malformed" not in assessment.flags
    evidence = found.evidence
    assert evidence["registry"] and evidence["as_of"].startswith("2020") and evidence["version"]
    assert evidence["rows"] or evidence["note"]


@pytest.mark.parametrize("fields", [
    # Private-label holders listed under Dasheng's number TC-84A-4329.
    dict(company_name="The Home Depot", supplier_type="manufacturer", product_description="H200 N95",
         certification="TC-84A-4329"),
    dict(company_name="Kimberly-Clark Corp.", supplier_type="manufacturer", product_description="N95 63203",
         certification="84A-4329"),
    # One of the 63 holders of Makrite's TC-84A-5411, without a model.
    dict(company_name="CVS Pharmacy Inc", supplier_type="manufacturer", product_description="N95 respirator",
         certification="TC-84A-5411"),
])
def test_a_listed_private_label_holder_is_not_a_mismatch(fields):
    assessment = assess(email="a@holder.example", website="holder.example", **fields)
    assert not set(assessment.flags) & set(REGISTRY_CODES), assessment.signals
    listed = signal(assessment, "niosh_listed")
    assert "is listed as" in listed.text
    # The evidence starts with the lead's own row, however many holders the number has.
    assert n.company_name(listed.evidence["rows"][0]["holder"]) == n.company_name(fields["company_name"])


def test_a_makers_listed_model_is_not_taken_for_its_removed_one():
    # Anshun: AKF2002 removed from Appendix A, AKF6002 still on it.
    base = dict(product_category="kn95_respirator", unit_price="0.95", supplier_type="manufacturer",
                company_name="Anshun Health and Medical Technology Co., Ltd.", certification="GB 2626-2019")
    assert "eua_removed" in assess(product_description="KN95 AKF2002", **base).flags
    kept = assess(product_description="KN95 AKF6002", **base)
    assert "eua_removed" not in kept.flags and "eua_listed" in codes(kept)


def test_a_counterfeit_warning_about_genuine_models_is_a_caution_not_an_accusation():
    # 3M warns of counterfeits of its 1860: a genuine claim is shown the caution with no weight.
    assessment = assess(product_description="3M 1860 N95", certification="TC-84A-0006")
    caution = signal(assessment, "watchlist_caution")
    assert caution.weight == 0 and "lot numbers" in caution.text and assessment.score == 100


def test_quantities_in_the_description_are_not_taken_for_models():
    # 3000 and 8000 are 3M model numbers too: "3000 pcs" is a count, not a model.
    assessment = assess(product_description="3M 1860 N95, 3000 pcs per carton, 8,000 boxes", certification="TC-84A-0006")
    assert assessment.flags == []


def test_the_reference_version_carries_the_registries_version():
    reference = load_reference()
    assert reference.version == f"{reference.data['version']}+{registries.current().version}"
    assert len(reference.version) <= 32  # leads.reference_version is String(32)


# ---- the registry files ---------------------------------------------------------------------

def shipped_texts():
    texts, manifest = registries._shipped_texts()
    return dict(texts), manifest


def test_the_shipped_registries_load_whole_with_a_note_for_the_placeholder_row():
    current = registries.shipped()
    assert current.manifest["niosh"]["rows"] == 1324 and len(current.niosh) == 517
    assert current.manifest["k510"]["rows"] == 238 and current.k510_product_codes == {"FXX"}
    assert len(current.watchlist) == 7 and current.manifest["eua"]["rows"] == 237
    assert len(current.niosh["TC-84A-5411"]) == 63  # one Makrite number, many private-label holders
    assert current.notes == ["niosh row 108: TC-84A-0000 (Amston Tool Company, Amston) skipped: sequence 0000 is a "
                             "placeholder, never an issued approval"]


@pytest.mark.parametrize("kind, bad_row, message", [
    ("niosh", "TC-84B-12,Acme,X1,No", "niosh row 1327: tc_number: 'TC-84B-12' is not a NIOSH approval number"),
    ("niosh", "TC-84A-1234,,X1,No", "niosh row 1327: approval_holder: empty"),
    ("k510", 'K12,"Acme",Mask,FXX,2020-01-01,SESE,US', "k510 row 240: k_number: 'K12' is not a 510(k) number"),
    ("k510", 'K999999,"Acme",Mask,FXX,01/02/2020,SESE,US', "k510 row 240: decision_date: '01/02/2020' is not a date"),
    ("eua", "appendix_b,,Acme,X,China", "eua row 239: list: 'appendix_b' is not one of"),
    ("eua", "removed_from_appendix_a,,Acme,X,China", "eua row 239: date_removed: empty for a removed maker"),
    ("watchlist", "Fake,F1,TC-99,,counterfeit,CDC", "watchlist row 9: tc_number_used: 'TC-99' is not a NIOSH"),
])
def test_a_bad_row_refuses_the_whole_file_with_its_row_and_field(kind, bad_row, message):
    texts, manifest = shipped_texts()
    texts[kind] = texts[kind].rstrip("\n") + "\n" + bad_row + "\n"
    with pytest.raises(registries.RegistryError) as refused:
        registries.parse_tables(texts, manifest)
    assert any(p.startswith(message) for p in refused.value.problems), refused.value.problems


def test_a_file_with_another_header_is_refused():
    texts, manifest = shipped_texts()
    texts["k510"] = "number,company\nK123456,Acme\n"
    with pytest.raises(registries.RegistryError, match="k510: the header lacks k_number"):
        registries.parse_tables(texts, manifest)


def test_install_makes_a_new_version_current_and_keeps_the_other_tables(tmp_path):
    texts, _ = shipped_texts()
    gloves = texts["k510"].rstrip("\n") + '\nK203321,"Glove Maker Sdn Bhd",Nitrile Examination Gloves,LZA,2020-10-01,SESE,MY\n'
    before = registries.current(str(tmp_path))
    installed, changed = registries.install(str(tmp_path), {"k510": gloves}, as_of="2026-11-29", source="openFDA")
    assert changed and installed.version != before.version
    now = registries.current(str(tmp_path))
    assert now.version == installed.version and now.k510["K203321"].product_code == "LZA"
    assert now.manifest["k510"]["as_of"] == "2026-11-29" and now.manifest["niosh"]["as_of"] == "2020-11-13"
    assert len(now.niosh) == 517
    # The same files again: nothing to do.
    assert registries.install(str(tmp_path), {"k510": gloves}, as_of="2026-11-29", source="openFDA")[1] is False
    # A glove's 510(k) is now checked: the number is known, of the right product code.
    ref = load_reference().data
    signals = certification_signals("nitrile_gloves", "ASTM D6319, K203321", ref, {}, now)
    assert [s.code for s in signals] == ["certification_ok", "k510_listed"]
    signals = certification_signals("nitrile_gloves", "K209999", ref, {}, now)
    assert "k510_unknown" in {s.code for s in signals}


def test_a_refused_install_changes_nothing(tmp_path):
    texts, _ = shipped_texts()
    before = registries.current(str(tmp_path)).version
    with pytest.raises(registries.RegistryError):
        registries.install(str(tmp_path), {"niosh": texts["niosh"] + "not a number,Acme,X,No\n"})
    assert registries.current(str(tmp_path)).version == before
    assert not (tmp_path / "current.json").exists()
