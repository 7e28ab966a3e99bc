"""Core holds no chest X-ray finding vocabulary (issue 12, item 4): the words live in the radiology
plugin's lexicon data and reach core through ``Template.finding_terms`` and ``Template.concepts``.

The source check walks the syntax tree of every module under core/ and reads its string constants,
leaving out docstrings (examples there are documentation, not vocabulary) and comments.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from pixtralogist.core import nlp

CORE = Path(__file__).resolve().parent.parent / "core"
#: Chest radiograph finding words: none may appear in core's code.
CHEST_WORDS = ("pneumothora", "pleural", "effusion", "cardiomegaly", "atelecta", "consolidation", "emphysema",
               "pneumonia", "airspace", "kerley", "hiatal", "pneumomediastinum", "pneumoperitoneum")
#: Modules that still hold chest words, each with the reason. Keep this empty.
KNOWN: dict[str, str] = {}


def code_strings(path: Path) -> list[str]:
    """The string constants of ``path``'s code: docstrings left out (comments are not in the tree)."""
    tree = ast.parse(path.read_text("utf-8"), str(path))
    docstrings: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    return [n.value for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings]


def chest_words_in(path: Path) -> set[str]:
    text = " ".join(code_strings(path)).lower()
    return {w for w in CHEST_WORDS if w in text}


@pytest.mark.parametrize("path", sorted(CORE.glob("*.py")), ids=lambda p: p.name)
def test_core_code_has_no_chest_vocabulary(path):
    if path.name in KNOWN:
        pytest.skip(f"known: {KNOWN[path.name]}")
    assert chest_words_in(path) == set(), f"core/{path.name} names chest X-ray findings; move them to plugin data"


def test_known_exceptions_are_still_real():
    for name in KNOWN:
        assert chest_words_in(CORE / name), f"core/{name} is clean now: remove it from KNOWN"


def test_the_scanner_skips_docstrings_but_not_code(tmp_path):
    f = tmp_path / "m.py"
    f.write_text('"""No pleural effusion."""\n\ndef g():\n    """Cardiomegaly."""\n    return ("pneumothorax",)\n')
    assert chest_words_in(f) == {"pneumothora"}


def test_finding_terms_left_core():
    assert not hasattr(nlp, "FINDING_TERMS")
    generic = " ".join(nlp.GENERIC_FINDING_TERMS)
    assert not [w for w in CHEST_WORDS if w in generic]
    assert nlp.mentions_finding("A mass.") and not nlp.mentions_finding("A pneumothorax.")


def test_radiology_brings_its_vocabulary_through_the_template():
    from pixtralogist.plugins.radiology.templates import get_template

    for tid in ("cxr", "ct_chest", "mri_brain"):
        terms = get_template(tid).finding_terms
        assert {"pneumothorax", "pleural effusion", "cardiomegaly"} <= set(terms), tid
    terms = get_template("cxr").finding_terms
    attrs = nlp.analyze("Small left pneumothorax.", extra_terms=terms)
    assert attrs.abnormal and attrs.laterality == "left"
    assert nlp.analyze("There is no pneumothorax or pleural effusion.", extra_terms=terms).negated
    # without the template's words core does not see a finding there
    assert not nlp.analyze("Small left pneumothorax.").abnormal


def test_other_specialties_keep_the_words_they_used():
    """Words of the old core list that other specialties use now come from their own lexicons."""
    from pixtralogist.plugins.dermatology.templates import load_templates as derm
    from pixtralogist.plugins.ophthalmology.templates import get_template as eye

    assert {"bulla", "bullae"} <= set(derm()[0].finding_terms)
    fundus = eye("fundus").finding_terms
    assert {"opacity", "opacities"} <= set(fundus)
    assert nlp.analyze("Media opacity in both eyes.", extra_terms=fundus).abnormal


# -- the check concepts (core's generic table + the template's own, from its lexicon) ----------------

def test_core_concepts_are_generic_and_a_template_adds_its_own():
    from pixtralogist.core.concepts import GENERIC_CONCEPTS, concepts
    from pixtralogist.plugins.radiology.templates import get_template

    assert concepts("Acute fracture of the left fifth rib.") == {"fracture"}
    assert concepts("Small left pleural effusion.") == set()  # core alone knows no chest concept
    cxr = get_template("cxr")
    assert concepts("Small left pleural effusion.", cxr.concepts) == {"pleural effusion"}
    assert not {w for w in CHEST_WORDS for name in GENERIC_CONCEPTS if w in name}


def test_each_specialty_template_carries_its_lexicon_concept_table():
    from pixtralogist.plugins.dermatology import lexicon as derm
    from pixtralogist.plugins.dermatology.templates import load_templates as derm_templates
    from pixtralogist.plugins.ophthalmology import lexicon as eye
    from pixtralogist.plugins.ophthalmology.templates import load_templates as eye_templates
    from pixtralogist.plugins.pathology import lexicon as path
    from pixtralogist.plugins.pathology.templates import load_templates as path_templates
    from pixtralogist.plugins.radiology.lexicons import lexicon_for
    from pixtralogist.plugins.radiology.templates import load_templates as rad_templates

    for t in rad_templates():
        assert t.concepts == lexicon_for(t.id).check_concepts and "pneumothorax" in t.concepts
    for templates, table in ((derm_templates(), derm.LEXICON.check_concepts),
                             (eye_templates(), eye.EYE.check_concepts), (path_templates(), path.LEXICON.check_concepts)):
        assert table and all(t.concepts == table for t in templates)


def test_contradiction_check_uses_the_template_table():
    from pixtralogist.core.checks import check_contradictions
    from pixtralogist.core.models import Draft, Finding, Provenance
    from pixtralogist.plugins.radiology.templates import get_template

    cxr = get_template("cxr")
    prov = Provenance(source="dictation", engine="test", plugin="radiology", plugin_version="0",
                      template_id=cxr.id, template_version=cxr.version)
    region = cxr.region_names[0]
    draft = Draft(case_id="c", specialty=cxr.specialty, template_id=cxr.id, template_version=cxr.version,
                  regions=cxr.region_names, provenance=prov,
                  findings=[Finding(region=region, text="Small pleural effusion.", abnormal=True, provenance=prov),
                            Finding(region=region, text="No pleural effusion.", negated=True, provenance=prov)])
    assert [f.code for f in check_contradictions(draft, cxr)] == ["contradiction"]
    bare = cxr.model_copy(update={"concepts": {}})
    assert check_contradictions(draft, bare) == []
