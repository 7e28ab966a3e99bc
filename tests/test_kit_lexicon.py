"""The kit's lexicon format and cue rules: loading, validation, merging, extension by a specialty."""

from __future__ import annotations

from pathlib import Path

import pytest

from pixtralogist.kit import CueRule, Lexicon, LexiconError, base_cues, base_lexicon, load_lexicon
from pixtralogist.kit.cues import CueError
from pixtralogist.kit.vocabulary import finding_vocabulary

SPECIALTY = """
name: demo
regions: [skin, nails, others]
catch_all: others
abbreviations: {pigm: pigmented, bcc: basal cell carcinoma}
concepts:
  - id: melanoma
    synonyms: [melanoma, malignant melanoma]
    abbreviations: [mm]
    region: skin
    severity: [in situ, invasive]
    normal: No melanoma.
  - id: onycholysis
    patterns: ['onycholy(?:sis|tic)']
    region: nails
  - {id: nail_plate, kind: anatomy, synonyms: [nail plate], region: nails}
cues:
  - {category: negated, direction: backward, max_scope: 3, literals: [excluded]}
sorter:
  rules:
    - [nails, '\\bnails?\\b|\\bonych\\w*']
    - [skin, '\\bskin\\b|\\blesions?\\b']
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_specialty_lexicon_loads_on_the_base(tmp_path):
    lex = load_lexicon(_write(tmp_path, "demo.yaml", SPECIALTY))
    assert lex.name == "demo" and lex.regions == ("skin", "nails", "others")
    mel = lex.concept("melanoma")
    assert mel.kind == "finding" and mel.region == "skin" and mel.normal == "No melanoma."
    assert lex.expansion("MM") == "melanoma"          # a concept's abbreviation -> its name
    assert lex.expansion("pigm") == "pigmented"       # the specialty's table
    assert lex.expansion("wnl") == "within normal limits"  # the base table, inherited, not copied
    assert "mild" in lex.severity and lex.of_kind("anatomy")[0].id == "nail_plate"
    assert lex.sorter_rules[0][0] == "nails"


def test_extends_merges_files_and_concepts(tmp_path):
    _write(tmp_path, "common.yaml", SPECIALTY)
    child = _write(tmp_path, "child.yaml", """
extends: [common.yaml]
name: child
abbreviations: {pigm: heavily pigmented}
concepts:
  - {id: melanoma, synonyms: [MM in situ]}
""")
    lex = load_lexicon(child)
    assert lex.name == "child" and lex.expansion("pigm") == "heavily pigmented"  # the later file wins
    assert lex.concept("melanoma").synonyms == ("melanoma", "malignant melanoma", "MM in situ")  # lists joined
    assert lex.concept("melanoma").region == "skin"  # kept from the file it extends


@pytest.mark.parametrize(
    "text, words",
    [
        ("concepts: [{kind: finding}]", "needs at least an 'id'"),
        ("concepts: [{id: x, kind: organ}]", "kind 'organ'"),
        ("concepts: [{id: x, colour: red}]", "unknown keys ['colour']"),
        ("concepts: [{id: x, patterns: ['(a|b)']}]", "capturing group"),
        ("concepts: [{id: x, patterns: ['(?:a']}]", "bad regular expression"),
        ("sorter: {rules: [[lung]]}", "must be [tag, pattern]"),
        ("regoins: [a]", "unknown keys ['regoins']"),
        ("- just a list", "must be a mapping"),
    ],
)
def test_malformed_lexicons_are_refused_with_the_reason(tmp_path, text, words):
    with pytest.raises(LexiconError, match=words.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(")):
        load_lexicon(_write(tmp_path, "bad.yaml", text))


def test_missing_file_and_extends_loop_are_clear_errors(tmp_path):
    with pytest.raises(LexiconError, match="not found"):
        load_lexicon(tmp_path / "nope.yaml")
    _write(tmp_path, "a.yaml", "extends: [b.yaml]")
    _write(tmp_path, "b.yaml", "extends: [a.yaml]")
    with pytest.raises(LexiconError, match="loops"):
        load_lexicon(tmp_path / "a.yaml")


def test_base_cues_read_negation_hedging_and_temporality():
    cues = base_cues()
    text = "no effusion or pneumothorax"
    assert cues.modifiers(text, [(3, 11), (15, 27)]) == [{"negated"}, {"negated"}]
    assert cues.modifiers("effusion has resolved", [(0, 8)]) == [{"negated"}]
    assert cues.modifiers("possible pneumonia", [(9, 18)]) == [{"uncertain"}]
    assert cues.modifiers("old rib fracture", [(8, 16)]) == [{"historical"}]
    # a pseudo cue ("no change") is no negation; a termination ends a cue's scope
    assert cues.modifiers("no change in the effusion", [(17, 25)]) == [set()]
    assert cues.modifiers("no effusion but a pneumothorax", [(18, 30)]) == [set()]


def test_a_specialty_extends_the_cues_without_copying_them():
    base = base_cues()
    text = "pneumothorax excluded"
    assert base.modifiers(text, [(0, 12)]) == [set()]
    extended = base.extend([{"category": "negated", "direction": "backward", "max_scope": 3, "literals": ["excluded"]}])
    assert extended.modifiers(text, [(0, 12)]) == [{"negated"}]
    assert len(extended.rules) == len(base.rules) + 1 and extended.rules[: len(base.rules)] == base.rules
    also = base.extend([CueRule("uncertain", "forward", literal="ddx")])
    assert also.modifiers("ddx sarcoid", [(4, 11)]) == [{"uncertain"}]


def test_bad_cue_rules_are_refused():
    with pytest.raises(CueError, match="category"):
        CueRule("maybe", "forward", literal="x")
    with pytest.raises(CueError, match="exactly one"):
        CueRule("negated", "forward")
    with pytest.raises(CueError, match="capturing"):
        CueRule("negated", "forward", pattern="(no)")


def test_the_comparator_vocabulary_is_the_lexicon(tmp_path):
    lex = load_lexicon(_write(tmp_path, "demo.yaml", SPECIALTY))
    vocab = finding_vocabulary(lex)
    terms = dict(vocab.terms)
    assert set(terms) == {"melanoma", "onycholysis"}   # findings and devices, not anatomy or qualifiers
    assert "onycholy(?:sis|tic)" in terms["onycholysis"]
    assert finding_vocabulary(lex) is vocab           # one shared instance per lexicon


def test_base_lexicon_is_data_not_code():
    lex = base_lexicon()
    assert isinstance(lex, Lexicon) and lex.regions == ()
    kinds = {c.kind for c in lex.concepts}
    assert {"qualifier", "recommendation", "context"} <= kinds


def test_the_kit_imports_only_core():
    """The kit sits above core and below the plugins: no module of it imports plugins, agents,
    finetune or ui, nor a heavy library at import time."""
    import ast

    kit_dir = Path(__file__).resolve().parents[1] / "kit"
    banned = ("pixtralogist.plugins", "pixtralogist.agents", "pixtralogist.finetune", "pixtralogist.ui",
              "torch", "transformers", "sentence_transformers", "gradio", "spacy")
    for path in sorted(kit_dir.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:  # module level only: heavy imports inside functions are allowed
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert not name.startswith(banned), f"{path.name} imports {name}"
