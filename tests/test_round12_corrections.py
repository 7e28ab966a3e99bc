"""A self-correction said into a dictation ("8 mm - sorry, 6 mm -") keeps only the corrected value, in every
specialty; one that does not say what it corrects is left as dictated (kit.layout._self_corrections)."""
import pytest

from pixtralogist.kit.layout import _self_corrections
from test_round12_layout import CASES, draft  # the templates as their studies present them, the real drafter
from test_round12_layout import host  # noqa: F401  (the module-scoped fixture)

NONCE = ["zorvic", "talbrek", "quenmox"]
MARKS = ["- sorry, {new} -", ", sorry, {new},", "... correction, {new},", ", I mean {new},", "- or rather {new} -"]


@pytest.mark.parametrize("mark", MARKS)
@pytest.mark.parametrize("old,new", [("8 mm", "6 mm"), ("three rib spaces", "two rib spaces"),
                                     ("3 o'clock", "9 o'clock"), ("12 x 9 mm", "14 x 9 mm")])
def test_the_corrected_words_replace_the_old(mark, old, new):
    text = f"Zorvic plaque {old} {mark.format(new=new)} seen on the flank."
    out = _self_corrections(text)
    assert new in out and f"{old} " not in out.replace(new, "")
    assert "sorry" not in out.lower() and "correction" not in out.lower() and "i mean" not in out.lower()
    assert out.startswith("Zorvic plaque ") and out.rstrip().endswith("seen on the flank.")


@pytest.mark.parametrize("text", [
    "Sorry for the delay. Lungs clear.",          # no correction: a courtesy
    "No change, sorry.",                          # nothing follows
    "Lesion in the RUL, sorry, in the RLL.",      # the last word names nothing said before: left as dictated
    "Talbrek nodule, correction pending histology.",
])
def test_what_names_nothing_is_left_as_dictated(text):
    assert _self_corrections(text) == text


def test_a_side_said_alone_corrects_the_side():
    assert _self_corrections("Zorvic effusion R, sorry, left. Heart nl.") == "Zorvic effusion left. Heart nl."
    assert _self_corrections("L breast, sorry, right breast WLE.") == "right breast WLE."


def _text(d) -> str:
    return " ".join(f.text for f in d.findings) + " " + " ".join(d.impression)


@pytest.mark.parametrize("template", sorted(CASES))
@pytest.mark.parametrize("word", NONCE)
def test_a_draft_keeps_only_the_corrected_size(host, template, word):  # noqa: F811
    d = draft(host, template, f"{word.capitalize()} lesion 8 mm - sorry, 6 mm - with a smooth edge.")
    text = _text(d)
    assert "6 mm" in text and "8 mm" not in text, text
    assert "sorry" not in text.lower(), text
