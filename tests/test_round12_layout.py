"""The LAYOUT of a dictation (round 12 of issue 13, fixer "layout"), each class tested as a family over made-up
(nonce) words and the four specialties through the built-in plugins' configured (offline) drafters:

* inline numbered and lettered lists ("1) ... 2) ...", "(1) ...", "1. ...", "a) ... b) ...") lose their markers,
  also when an item opens with a number ("1) 47F, ..."), and a section label behind a marker acts as the label;
* a capital letter after a classification slot ("type B") or a proper name ("Zorvak B lesion") is a class, never
  a side letter;
* a field dictated with only an absence for its value ("RESIDUAL ZORVIC: none.") is that absence, never a bare
  "None." beside a positive-sounding label.
"""

from __future__ import annotations

import re

import pytest

from pixtralogist.core.models import Case
from pixtralogist.core.plugins import get_plugin_manager
from pixtralogist.kit.layout import lay_out

CASES = {
    "cxr": ("radiology", "CR", "CHEST"),
    "ct_chest": ("radiology", "CT", "CHEST"),
    "mri_brain": ("radiology", "MR", "BRAIN"),
    "skin_lesion": ("dermatology", "XC", "SKIN"),
    "fundus": ("ophthalmology", "OP", "EYE"),
    "octa": ("ophthalmology", "OPT", "EYE"),
    "breast-resection": ("pathology", "SM", "BREAST"),
}
NONCE = ["Zorvak", "Talbrek", "Quenmox", "Drelbun", "Marvost"]  # (a word with an English ending, "-ic", "-ar", is no name)


@pytest.fixture(scope="module")
def host():
    return get_plugin_manager(autoload=False)


def draft(host, template_id: str, notes: str, indication: str = ""):
    specialty, modality, body = CASES[template_id]
    template = host.template(template_id)
    case = Case(notes=notes, indication=indication, modality=modality, body_part=body, specialty_hint=specialty)
    return host.drafter(template.specialty, template).draft(case, template)


def region_text(d, region: str) -> str:
    return " ".join(f.text for f in d.findings if f.region == region and not f.is_default)


def all_text(d) -> str:
    return " ".join(f.text for f in d.findings) + " " + " ".join(d.impression)


_MARKER = re.compile(r"(?:^|(?<=\s))(?:\(?\d{1,2}\)|\d{1,2}\.|\(?[a-h]\))(?=\s)")

# --- numbered and lettered lists ----------------------------------------------------------------------------------

MARKS = [("{n}) ", "digits"), ("({n}) ", "parenthesised"), ("{n}. ", "dotted"), ("{a}) ", "letters")]


def _mark(style: str, k: int) -> str:
    return style.format(n=k, a="abcdefgh"[k - 1])


@pytest.mark.parametrize("style", [m for m, _ in MARKS])
@pytest.mark.parametrize("age", ["47F", "63 yo M", "29M"])
@pytest.mark.parametrize("nonce", ["zorvic", "blorvane"])
def test_fundus_list_markers_go_and_the_impression_label_acts(host, style, age, nonce):
    items = [f"{age}, slow {nonce} field loss.", f"Both discs: {nonce} pallor, CDR 0.3, no swelling.",
             "Maculae normal.", "Periphery flat.", f"Impression: {nonce} atrophy both eyes.",
             f"Urgent {nonce} scan with contrast."]
    notes = " ".join(_mark(style, k) + it for k, it in enumerate(items, start=1))
    d = draft(host, "fundus", notes)
    text = all_text(d)
    assert not _MARKER.search(text), text
    assert "0.3" in region_text(d, "optic_disc"), text
    assert "impression" not in region_text(d, "optic_disc").lower(), text
    imp = " ".join(d.impression).lower()
    assert f"{nonce} atrophy" in imp, imp
    assert f"urgent {nonce} scan" in imp, imp
    assert f"{nonce} scan" not in region_text(d, "others").lower(), text


@pytest.mark.parametrize("style", [m for m, _ in MARKS])
@pytest.mark.parametrize("nonce", ["zorvic", "quellin"])
def test_cxr_list_items_with_region_labels(host, style, nonce):
    items = [f"Lungs: {nonce} consolidation in the left lower zone.", "Heart: normal size.",
             "Bones: healed right clavicle fracture.", f"Impression: {nonce} pneumonia.", f"Plan: repeat {nonce} film."]
    notes = " ".join(_mark(style, k) + it for k, it in enumerate(items, start=1))
    d = draft(host, "cxr", notes)
    text = all_text(d)
    assert not _MARKER.search(text), text
    assert nonce in region_text(d, "lung").lower(), text
    assert "clavicle" in region_text(d, "bone").lower(), text
    assert f"{nonce} pneumonia" in " ".join(d.impression).lower(), text


@pytest.mark.parametrize("style", [m for m, _ in MARKS])
def test_pathology_and_dermatology_lists_lose_their_markers(host, style):
    items = ["Left wide local excision.", "Invasive lobular carcinoma.", "Size: 19 mm.", "Margins: clear, closest 3 mm."]
    notes = " ".join(_mark(style, k) + it for k, it in enumerate(items, start=1))
    d = draft(host, "breast-resection", notes)
    assert not _MARKER.search(all_text(d)), all_text(d)
    assert "19 mm" in region_text(d, "size"), all_text(d)
    items = ["41F, itchy zorvic rash.", "Morphology: erythematous plaques.", "Dermoscopy: dotted vessels.",
             "Impression: zorvic dermatitis."]
    notes = " ".join(_mark(style, k) + it for k, it in enumerate(items, start=1))
    d = draft(host, "skin_lesion", notes)
    assert not _MARKER.search(all_text(d)), all_text(d)
    assert "zorvic dermatitis" in " ".join(d.impression).lower(), all_text(d)


@pytest.mark.parametrize("text", ["CDR 0.3. Maculae normal.", "Grade: 2. Margins clear.", "Size 1. 2 mm deep.",
                                  "Fazekas 1) mild"])
def test_a_number_that_counts_no_list_stays(text):
    assert lay_out(text) == text


def test_lists_restart_per_part():
    out = lay_out("Right eye zorvic. 1) disc pink. 2) zorvic macula. Left eye quellin. 1) disc pale. 2) quellin macula.")
    assert "1)" not in out and "2)" not in out, out


# --- classification letters -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", NONCE)
@pytest.mark.parametrize("letter", ["B", "L", "R"])
@pytest.mark.parametrize("template,noun", [("ct_chest", "dissection"), ("mri_brain", "lesion"), ("cxr", "opacity")])
def test_a_letter_after_a_name_is_a_class(host, name, letter, template, noun):
    d = draft(host, template, f"Incidental {name} {letter} {noun} noted. Small R effusion.")
    text = all_text(d)
    assert f"{name} {letter} {noun}" in text, text
    assert f"{name} {('bilateral', 'left', 'right')['BLR'.index(letter)]}" not in text.lower().replace(name.lower(), name), text


@pytest.mark.parametrize("name", NONCE)
def test_a_name_inside_its_part_before_a_letter_is_a_class(host, name):
    d = draft(host, "mri_brain", f"There is a {name} B lesion in the right frontal lobe.")
    assert f"{name} B lesion" in all_text(d), all_text(d)


@pytest.mark.parametrize("word", ["Zorvicosis", "Quellinia", "Blorvak"])
def test_a_capital_opening_its_part_before_a_side_is_the_finding(host, word):
    """(a sentence's first word is capitalised whatever it is: "Polymicrogyria R perisylvian cortex")"""
    d = draft(host, "mri_brain", f"{word} R frontal lobe.")
    assert f"{word} right frontal lobe".lower() in all_text(d).lower(), all_text(d)


@pytest.mark.parametrize("slot", ["type", "grade", "class", "subtype", "group", "stage", "Type", "Grade"])
@pytest.mark.parametrize("template,noun", [("ct_chest", "dissection"), ("fundus", "zorvic dystrophy"),
                                           ("skin_lesion", "zorvic naevus")])
def test_a_letter_in_a_class_slot_is_a_class(host, slot, template, noun):
    d = draft(host, template, f"Acute {slot} B {noun} on the left.")
    text = all_text(d)
    assert f"{slot} B {noun}".lower() in text.lower(), text
    assert "bilateral" not in text.lower(), text


@pytest.mark.parametrize("lead", ["Small", "Subtle", "Residual", "Effacement of the", "Moderate"])
def test_side_letters_after_plain_words_still_expand(host, lead):
    """(also after a word that may name a place: "fluid level R maxillary")"""
    d = draft(host, "ct_chest", f"{lead} R effusion. Mild B lower lobe atelectasis.")
    text = all_text(d).lower()
    assert "right" in text and "bilateral" in text, text


def test_specialty_class_words_are_plugin_data(host):
    d = draft(host, "breast-resection", "Left mastectomy. Invasive carcinoma NST. Molecular subtype: luminal B type.")
    assert "bilateral" not in all_text(d).lower(), all_text(d)
    d = draft(host, "cxr", "Kerley B septa at both bases.")
    assert "kerley b" in all_text(d).lower(), all_text(d)


# --- a field whose value is only an absence ---------------------------------------------------------------------------

@pytest.mark.parametrize("label", ["RESIDUAL ZORVIC", "Residual zorvic", "Quellin change", "BLORVIC FOCI"])
@pytest.mark.parametrize("none", ["none", "nil", "none seen", "None", "NONE"])
def test_field_none_is_the_absence(label, none):
    out = lay_out(f"Left mastectomy.\n{label}: {none}.\nMargins clear.")
    said = " ".join(w.lower() if w.isupper() and len(w) > 4 else w for w in label.split())
    assert f"No {said[:1].lower() + said[1:]}." in out, out
    assert "\nNone" not in out and ": none" not in out.lower(), out


@pytest.mark.parametrize("label", ["Plan", "Comparison", "Clinical history", "Right eye"])
def test_section_labels_with_none_stay(label):
    assert lay_out(f"{label}: none.") == f"{label}: none."


@pytest.mark.parametrize("template,label,region", [("breast-resection", "Residual invasive carcinoma", "histologic_type"),
                                                   ("cxr", "Pneumothorax", "lung"), ("skin_lesion", "Ulceration", "surface")])
def test_field_none_drafts_negative(host, template, label, region):
    d = draft(host, template, f"{label}: none.")
    text = region_text(d, region)
    assert text.lower().startswith("no "), all_text(d)
    assert "none" not in all_text(d).lower(), all_text(d)


# --- a section label before an inline list, and markdown ------------------------------------------------------------

@pytest.mark.parametrize("style", [m for m, _ in MARKS])
@pytest.mark.parametrize("nonce", ["zorvic", "quellin"])
def test_section_labels_before_inline_lists_label_their_items(host, style, nonce):
    notes = (f"Findings: {_mark(style, 1)}acute {nonce} infarct in the left frontal lobe. {_mark(style, 2)}no haemorrhage. "
             f"Impression: {_mark(style, 1)}acute left {nonce} infarct. {_mark(style, 2)}{nonce} clinic review.")
    d = draft(host, "mri_brain", notes)
    text = all_text(d)
    assert not _MARKER.search(text), text
    assert "findings" not in text.lower(), text
    imp = " ".join(d.impression).lower()
    assert f"acute left {nonce} infarct" in imp and f"{nonce} clinic review" in imp, text


@pytest.mark.parametrize("label", ["Findings", "FINDINGS", "Impression"])
def test_markdown_marks_go(label):
    out = lay_out(f"## Report\n**{label}:** zorvic change.\n__Plan:__ review.")
    assert "*" not in out and "#" not in out and "__" not in out, out
    assert f"{label}: zorvic change." in out and "Plan: review." in out, out
