"""Core holds no chest X-ray finding vocabulary (issue 12, item 4): the words live in the radiology
plugin's lexicon data and reach core's sentence analysis through ``Template.finding_terms``.

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
KNOWN: dict[str, str] = {
    # The concept table of the generic checks (DEFAULT_CONCEPTS) is still chest-radiograph flavoured;
    # moving it changes other specialties' check flags ("macular edema" matches "pulmonary edema"),
    # so it moves with its own draft comparison (issue 12, item 4).
    "concepts.py": "DEFAULT_CONCEPTS",
}


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
