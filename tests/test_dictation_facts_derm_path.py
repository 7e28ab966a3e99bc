"""Issue 13's dermatology and pathology dictations: every dictated fact lands in its own element.

Drafted exactly as ``pixtralogist draft`` does (the built-in plugins' configured offline drafter,
through the plugin manager), so the tests hold whatever the drafter is built from.
"""

from __future__ import annotations

import re

import pytest

from pixtralogist.core.models import Case, Draft
from pixtralogist.core.plugins import get_plugin_manager


@pytest.fixture(scope="module")
def host():
    return get_plugin_manager(autoload=False)


def draft(host, template_id: str, notes: str) -> Draft:
    template = host.template(template_id)
    return host.drafter(template.specialty, template).draft(Case(notes=notes), template)


def region(d: Draft, name: str) -> str:
    """The dictated (non-default) text of one region."""
    return " ".join(f.text for f in d.findings if f.region == name and not f.is_default)


_GENERIC = re.compile(r"^(?:lesion|lesions|mole|spot|growth|mild|moderate|severe|left|right)\.?$", re.I)


def assert_no_orphans(d: Draft) -> None:
    for f in d.findings:
        assert not _GENERIC.match(f.text.strip()), f"orphaned fragment in {f.region}: {f.text!r}"


# --- dermatology -------------------------------------------------------------------------------


def test_pigmented_lesion_shorthand_keeps_every_fact(host):
    d = draft(host, "skin_lesion", "6mm irreg pigmented lesion L shoulder, asymmetric, blue-white veil, atypical network")
    assert "6 mm" in region(d, "size")
    assert "pigmented" in region(d, "color").lower()
    assert "irregular" in (region(d, "color") + region(d, "border")).lower()
    assert "asymmetric" in region(d, "morphology").lower()
    assert region(d, "distribution_site") == "Left shoulder."
    dermoscopy = region(d, "dermoscopy").lower()
    assert "blue-white veil" in dermoscopy and "atypical network" in dermoscopy
    assert_no_orphans(d)
    assert not any(_GENERIC.match(i) for i in d.impression)


def test_nasal_ala_is_a_body_site(host):
    d = draft(host, "skin_lesion", "Pearly papule R nasal ala 5mm, rolled border, arborizing vessels. ?BCC")
    assert region(d, "distribution_site") == "Right nasal ala."
    assert "5 mm" in region(d, "size")
    assert "papule" in region(d, "morphology").lower()
    assert any("basal cell carcinoma" in i.lower() and "possible" in i.lower() for i in d.impression)


# --- pathology ---------------------------------------------------------------------------------


def test_space_separated_elements_are_split(host):
    d = draft(host, "breast-resection", "ER neg PR neg. IDC 1.9 cm G3 L breast lumpectomy.")
    assert region(d, "histologic_type") == "Invasive ductal carcinoma."
    assert region(d, "size") == "1.9 cm."
    assert region(d, "grade") == "Grade 3."
    assert region(d, "procedure") == "Left breast lumpectomy."
    assert region(d, "laterality") == "Left."



def test_mastectomy_one_liner_puts_each_fact_in_its_element(host):
    d = draft(host, "breast-resection",
              "L breast mastectomy: ILC 4.1 cm, grade 2, LVI present, 2/12 LN pos w/ ENE, ER+ PR+ HER2 neg")
    assert region(d, "procedure") == "Left breast mastectomy."
    assert region(d, "laterality") == "Left."
    assert region(d, "histologic_type") == "Invasive lobular carcinoma."
    assert "4.1 cm" in region(d, "size")
    assert "grade 2" in region(d, "grade").lower()
    assert "present" in region(d, "lvi").lower()
    nodes = region(d, "lymph_nodes").lower()
    assert "2 of 12" in nodes and "extranodal extension" in nodes
    assert "her2 negative" in region(d, "others").lower()
    assert d.impression[0] == "Invasive lobular carcinoma."
    assert not any("no diagnosis" in i.lower() for i in d.impression)


def test_comma_list_with_nottingham_sum_and_sentinel_nodes(host):
    d = draft(host, "breast-resection", "IDC, 2.3 cm, G2 (3+2+2), margins neg, closest 2 mm, 0/3 SLN")
    assert region(d, "histologic_type") == "Invasive ductal carcinoma."
    assert region(d, "size") == "2.3 cm."
    grade = region(d, "grade").lower()
    assert "grade 2" in grade and "3+2+2" in grade
    margins = region(d, "margins").lower()
    assert "negative" in margins and "closest margin 2 mm" in margins  # the closest margin is its own statement
    assert region(d, "lymph_nodes") == "0 of 3 sentinel lymph nodes."
    assert not next(f for f in d.findings if f.region == "lymph_nodes").abnormal
    assert "Tumor size: 2.3 cm." in d.impression  # a bare value in the final diagnosis names its element
    verified = host.verify(d, Case(), host.template("breast-resection"), host.guidelines("pathology"))
    assert "nottingham-grade" in [f.code for f in verified]  # 3+2+2 = 7 is grade 2: the stated grade agrees


def test_grade_components_in_parentheses_stay_with_the_grade(host):
    d = draft(host, "breast-resection", "IDC grade 1 (tubules 1, pleomorphism 2, mitoses 1; total 4)")
    assert region(d, "histologic_type") == "Invasive ductal carcinoma."
    assert region(d, "grade") == "Grade 1 (tubules 1, pleomorphism 2, mitoses 1; total 4)."
    verified = host.verify(d, Case(), host.template("breast-resection"), host.guidelines("pathology"))
    assert "nottingham-grade" in [f.code for f in verified]  # 1+2+1 = 4 is grade 1
