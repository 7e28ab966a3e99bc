"""Kit rules that keep a finding's qualifiers whatever shape they are dictated in (issue 13, round 6).

The classes ``benchmarks/phrasing_shapes.py`` found, each tested as a whole by a generator: every finding
word of a small lexicon of the test's own (the mechanism) and of radiology's lexicon (the words a specialty
really has) times every written form of the qualifier, not rows of a benchmark set.

* a side in any written form closing its clause, alone after a comma, or with one severity word or a
  measure ("bullae Lt", "effusion, L", ", moderate Rt", ", R 4 x 3 cm") stays with its finding;
* a severity word, side or measure after a spaced dash, in brackets or closing the part ("X - mild",
  "X (mild)", "X mild") reads as "mild X";
* a '?' followed only by qualifiers hedges the whole statement ("X? on the R (4 mm)");
* a hedge or interpretation opening keeps the lead when a severity word moves in front ("rule out mild X");
* a short interpretation follows the finding before it only when it names a diagnosis;
* a sentence of demographics and a presenting symptom ("61F reduced vision.") is the indication.
"""

from __future__ import annotations

import itertools
import re

import pytest

from test_kit_dictation_attach import _lexicon

from pixtralogist.core.models import Case, ImpressionRules, RegionSpec, Template
from pixtralogist.kit import KitDrafter, LexiconSorter, base_lexicon, parse_dictation, triage

_LEXICON = """\
regions: [chest, bones, others]
catch_all: others
concepts:
  - {id: base, kind: anatomy, synonyms: [base, apex]}
dictation:
  vocabulary: [effusion, opacity, nodule, pleural thickening, air trapping, consolidation, bullae, scoliosis]
  describing_parts: true
  conclusions: true
  diagnoses: [pneumonia, malignancy]
sorter:
  rules:
    - [bones, '\\bscoliosis|\\bfracture']
    - [chest, '\\beffusion|\\bopacit\\w*|\\bnodul\\w*|\\bthickening|\\btrapping|\\bconsolidation|\\bbullae|\\bpneumonia']
"""
FINDINGS = ("effusion", "opacity", "nodule", "pleural thickening", "air trapping", "consolidation", "bullae",
            "scoliosis")
SIDES = {"R": "right", "L": "left", "Rt": "right", "Lt": "left", "right": "right", "left": "left"}
SEVERITY = ("mild", "moderate", "severe")

_TEMPLATE = Template(
    id="t", version="1", specialty="s", title="T",
    regions=[RegionSpec(name="chest", label="Chest", normal="Normal chest."),
             RegionSpec(name="bones", label="Bones", normal="Normal bones."),
             RegionSpec(name="others", label="Others", normal="None.")],
    impression=ImpressionRules(normal="No acute abnormality."))


@pytest.fixture(scope="module")
def lex(tmp_path_factory):
    return _lexicon(tmp_path_factory.mktemp("lex"), _LEXICON)


@pytest.fixture(scope="module")
def cxr():
    from pixtralogist.plugins.radiology.lexicons import lexicon_for

    return lexicon_for("cxr")


def _one(lexicon, text: str) -> str:
    out = parse_dictation(text, lexicon=lexicon)
    assert len(out) == 1, (text, out)
    return out[0]


def _words(sentence: str) -> str:
    return " " + re.sub(r"[^a-z0-9]+", " ", sentence.lower()) + " "


# --- sides -------------------------------------------------------------------------------------------


SIDE_FORMS = ("{X} {S}", "{X} on the {S}", "{X}, {S}", "{X}, on the {S}", "{X} ({S})", "No {X} {S}",
              "No {X} on the {S}")


@pytest.mark.parametrize("form", SIDE_FORMS)
def test_a_side_in_every_written_form_stays_with_its_finding(lex, form):
    for x, (typed, side) in itertools.product(FINDINGS, SIDES.items()):
        text = form.format(X=x, S=typed)
        said = _words(_one(lex, text))
        assert f" {x} " in said and f" {side} " in said, (text, said)
        assert f" {typed.lower()} " not in said or typed.lower() == side, (text, said)  # written out


@pytest.mark.parametrize("form", ("{X}, {V} {S}", "{X}, {S} {V}", "{X}, {S}, {V}", "{X} - {V}, {S}"))
def test_a_side_with_a_severity_word_reads_as_one_statement(lex, form):
    for x, (typed, side), sev in itertools.product(FINDINGS[:4], SIDES.items(), SEVERITY):
        text = form.format(X=x, S=typed, V=sev)
        said = _one(lex, text)
        assert said.lower().startswith(f"{sev} {x}"), (text, said)
        assert f" {side} " in _words(said), (text, said)


def test_a_side_with_a_measure_keeps_both(lex):
    for x, (typed, side), form in itertools.product(FINDINGS, SIDES.items(), ("{X}, {S} 4 x 3 cm", "{X} ({S}) (4x3cm)",
                                                                           "{X} {S} ~4 x 3 cm", "{X}, {S}, 4 x 3 cm")):
        text = form.format(X=x, S=typed)
        said = _words(_one(lex, text))
        assert f" {x} " in said and f" {side} " in said and " 4 x 3 cm " in said, (text, said)


def test_every_radiology_finding_word_keeps_a_dictated_side(cxr):
    words = [w for w in cxr.dictation["vocabulary"] if re.fullmatch(r"[a-z][a-z -]+", w)]
    assert len(words) > 40
    for w, form, typed in itertools.product(words, ("{X}, {S}", "{X} {S}", "{X} on the {S}"), ("Lt", "R")):
        text = form.format(X=w.capitalize(), S=typed)
        out = parse_dictation(text, lexicon=cxr)
        side = SIDES[typed]
        assert len(out) == 1 and f" {side} " in _words(out[0]), (text, out)


def test_radiotherapy_is_no_closing_side(lex):
    assert _one(lex, "Fibrosis post RT.") == "Fibrosis post RT."  # capitals: radiotherapy, not "Rt"


# --- severity after the finding ------------------------------------------------------------------------


@pytest.mark.parametrize("form", ("{X} - {V}", "{X} ({V})", "{X} {V}", "{X}, {V}"))
def test_a_severity_word_after_its_finding_goes_before_it(lex, form):
    for x, sev in itertools.product(FINDINGS, SEVERITY):
        assert _one(lex, form.format(X=x.capitalize(), V=sev)) == f"{sev.capitalize()} {x}.", form


def test_a_measure_in_brackets_is_the_findings(lex):
    for x in FINDINGS:
        assert _one(lex, f"{x} (4x3mm)") == f"{x.capitalize()}, 4 x 3 mm."
        assert _one(lex, f"{x} - 2.5 cm") == f"{x.capitalize()}, 2.5 cm."


def test_a_predicate_a_plan_and_other_brackets_stay(lex):
    assert _one(lex, "Effusion is small.") == "Effusion is small."
    assert _one(lex, "Opacity in the bilateral.") == "Opacity in the bilateral."  # a phrase cut short, not a qualifier
    assert _one(lex, "Nodule (previously 5 mm).") == "Nodule (previously 5 mm)."
    assert "advance 10 cm" in _one(lex, "Tip in the distal esophagus - advance 10 cm.")


# --- hedges ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("form", ("{X}? on the {S} (4 mm)", "{X} on the {S} (4 mm)?", "{X}, {S}, 4 mm?"))
def test_a_question_mark_before_qualifiers_hedges_the_statement(lex, form):
    for x, (typed, side) in itertools.product(FINDINGS, SIDES.items()):
        said = _one(lex, form.format(X=x, S=typed))
        assert said.lower() == f"possible {x} on the {side}, 4 mm.", (form, said)


def test_a_question_mark_before_another_finding_still_closes_its_statement(lex):
    assert parse_dictation("Opacity? no effusion.", lexicon=lex) == ["Possible opacity.", "No effusion."]


@pytest.mark.parametrize("lead, said", [("R/o", "rule out"), ("C/w", "consistent with"),
                                        ("Suspicious for", "suspicious for"), ("?", "possible")])
def test_a_hedge_keeps_the_lead_when_a_severity_word_moves_in_front(lex, lead, said):
    for x, sev in itertools.product(FINDINGS, SEVERITY):
        text = f"{lead}{'' if lead == '?' else ' '}{x} - {sev}"
        assert _one(lex, text).lower() == f"{said} {sev} {x}.", text


# --- interpretations and the indication ------------------------------------------------------------------


def _draft(lexicon, notes: str):
    drafter = KitDrafter(LexiconSorter.from_lexicon("t", lexicon), lexicon, plugin="t", plugin_version="0")
    d = drafter.draft(Case(notes=notes), _TEMPLATE)
    return {(f.region, f.text) for f in d.findings if not f.is_default}


def test_an_interpretation_naming_a_finding_of_another_region_stays_there(lex):
    for x in ("pleural thickening", "effusion", "air trapping"):
        placed = _draft(lex, f"Scoliosis. Suspicious for {x}.")
        assert ("chest", f"Suspicious for {x}.") in placed, placed


def test_an_interpretation_naming_a_diagnosis_follows_its_finding(lex):
    placed = _draft(lex, "Fracture. C/w malignancy.")
    assert ("bones", "Consistent with malignancy.") in placed, placed


@pytest.mark.parametrize("demo", ("61F", "61 yo F", "61 y/o M", "M 61", "61M"))
def test_demographics_with_a_presenting_symptom_are_the_indication(demo):
    lex = base_lexicon()
    for symptom in ("reduced vision", "decreased vision", "blurred vision", "SOB", "chest pain", "headache",
                    "visual loss", "floaters"):
        kinds = [s.kind for s in triage([f"{demo} {symptom}.", "Effusion."], lex)]
        assert kinds == ["indication", "finding"], (demo, symptom, kinds)
