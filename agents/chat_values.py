"""A value that replaces another of the same kind: "no, it's lobular" where the draft says "Invasive
ductal carcinoma.", "change the nodule to part solid" for "6 mm solid nodule ...", "it's a plaque"
for "Papule.".

Which values are of one kind is specialty data: the routed lexicon's ``value_groups`` (histologic
types, nodule solidity, lesion morphologies, ICDR levels, ...; see :mod:`pixtralogist.kit.lexicon`).
This module holds no value of its own. The one sentence of the draft that states another value of
the message's group takes the new value in place of the old one; every other word of the message
must be one of that sentence's words, of its region's name or label, or of the group's name ("type
is mucinous", "change histology to lobular"), so a new finding that happens to carry such a value
("a 4 mm solid nodule in the right middle lobe") is never written over another one. With two
sentences that could take it, nothing is changed and the reply says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pixtralogist.core import editing
from pixtralogist.core.models import Draft, Finding, Template
from pixtralogist.core.spelling import matching_form


#: Words around a value that say nothing of the finding ("it looks more like a plaque", "I'd call it
#: lobular, thanks").
_SPOKEN = frozenset("thanks thank you could can would i think like more rather looks look appears appear seems seem "
                    "called read reads go with we let us".split())


@dataclass(frozen=True)
class GroupValue:
    """One value of a value group found in a text: the group, the value, and where it is."""

    group: str
    value: str
    start: int
    end: int


def _pattern(value: str) -> re.Pattern[str]:
    # "part solid" also matches "part-solid"; a value is never part of a longer hyphenated word
    # ("blue" of "blue-white veil", "displaced" of "non-displaced")
    words = [re.escape(w) for w in re.split(r"[\s-]+", value) if w]
    return re.compile(r"(?<![\w-])" + r"[\s-]+".join(words) + r"(?![\w-])", re.I)


def find_values(text: str, groups: dict[str, tuple[str, ...]]) -> list[GroupValue]:
    """The group values ``text`` states, the longest first where they overlap ("part solid", not "solid")."""
    low = matching_form(text)
    found: list[GroupValue] = []
    cands = sorted(((g, v) for g, vals in groups.items() for v in vals), key=lambda gv: -len(gv[1]))
    taken: list[tuple[int, int]] = []
    for g, v in cands:
        for m in _pattern(matching_form(v)).finditer(low):
            if any(m.start() < b and a < m.end() for a, b in taken):
                continue
            taken.append((m.start(), m.end()))
            found.append(GroupValue(g, v, m.start(), m.end()))
    return sorted(found, key=lambda x: x.start)


def _span(text: str, value: str) -> tuple[int, int] | None:
    """Where ``text`` writes ``value`` in any spelling ("centre-involving" for "center-involving"), or None."""
    want = [w for w in re.split(r"[\s-]+", matching_form(value)) if w]
    tokens = list(re.finditer(r"[A-Za-z0-9]+", text))
    for i in range(len(tokens) - len(want) + 1):
        run = tokens[i:i + len(want)]
        if [matching_form(t.group()) for t in run] != want:
            continue
        gaps = [text[x.end():y.start()] for x, y in zip(run, run[1:])]
        a, b = run[0].start(), run[-1].end()
        if all(re.fullmatch(r"[\s-]+", g) for g in gaps) and text[a - 1:a] != "-" and text[b:b + 1] != "-":
            return a, b
    return None


def _write(text: str, old: GroupValue, new: str, values: tuple[str, ...] = ()) -> str:
    """``text`` with the old value written as ``new``: upper case where it was, a capital where it had one,
    mixed case letter by letter ("pT2" -> "pT3"); a prefix the old value has over a value of its group is kept
    ("pT2" and "T3" said -> "pT3", when "pt3" is a value too)."""
    at = _span(text, old.value)
    if at is None:
        return text
    for k in (1, 2):
        head, tail = old.value[:k], old.value[k:]
        if tail in values and not new.startswith(head) and head + new in values:
            new = head + new
            break
    said = text[at[0]:at[1]]
    if said.isupper() and len(said) > 1:
        new = new.upper()
    elif any(c.isupper() for c in said[1:]):
        new = "".join(n.upper() if c.isupper() else n for n, c in zip(new, said)) + new[len(said):]
    elif said[:1].isupper():
        new = new[:1].upper() + new[1:]
    return text[:at[0]] + new + text[at[1]:]


#: The words of a side ("OD", "the right eye"): a message's side is the target sentence's own, not extra words.
_SIDE = frozenset("left right od os ou bilateral both eye eyes side lt rt r l".split())


#: The words that name a grade, not a finding ("change the grade to severe", "the level is mild").
_GRADE_WORDS = frozenset("grade grading level stage severity classification category".split())


#: the words of a sentence said of both sides, with what each side's copy says instead
_BOTH_SIDES = re.compile(r"\b(?:in\s+)?both\s+(eyes|sides|lungs|breasts)\b|\bOU\b|\bbilateral(?:ly)?\b", re.I)
_ONE_SIDE = {"eyes": "eye", "sides": "side", "lungs": "lung", "breasts": "breast"}


def per_side(text: str, side: str) -> str | None:
    """``text`` said of both sides ("Mild NPDR in both eyes.", "... OU.", "Bilateral ...") as said of ``side``
    alone ("Mild NPDR in the right eye."); None when it names both sides in no such words."""
    m = _BOTH_SIDES.search(text)
    if m is None or len(_BOTH_SIDES.findall(text)) != 1:
        return None
    word = m.group()
    if m.group(1):
        new = ("in " if word.lower().startswith("in ") else "") + f"the {side} {_ONE_SIDE[m.group(1).lower()]}"
    elif word.upper() == "OU":
        new = {"right": "OD", "left": "OS"}[side]
    else:
        new = side if word[:1].islower() else side.capitalize()
    return text[:m.start()] + new + text[m.end():]


def _sided_write(text: str, old: GroupValue, new_value: str, values: tuple[str, ...], side: str | None) -> list[str]:
    """The sentence(s) that take ``new_value``: one said of both sides and given a value for one side only
    ("moderate NPDR in the left eye" for "Mild NPDR in both eyes.") becomes one sentence for each side, the other
    side keeping the old value; else the sentence with the value written (:func:`_write`)."""
    if side in ("left", "right") and (mine := per_side(text, side)) is not None:
        other = per_side(text, "left" if side == "right" else "right")
        found = find_values(mine, {"g": values})
        if other is not None and len({v.value for v in found}) == 1:
            return [other, _write(mine, found[0], new_value, values)]
    return [_write(text, old, new_value, values)]


def _graded(reader, edit, draft: Draft, said: str) -> tuple[str, list[GroupValue], str] | str | None:
    """``(said, values)`` for a severity said of a grade ("change the grade to severe", "make it severe", "the
    grade is mild" for "Moderate NPDR in the right eye."): the one value of a group the draft states (a finding
    or an impression item) that holds a severity word, with that word replaced by the one said, when that is a
    value of the group too ("severe non-proliferative diabetic retinopathy"); said is the message with the
    severity written as that value. None when the message names anything but a grade or the draft states no such
    value; the reply (a str) when several graded values could take it ("mild NPDR OD", "moderate NPDR OS")."""
    from pixtralogist.agents.chat_edits import _ANAPHORA, _FILLER, _SIDE_WORDS, _words

    sev = edit.attrs.severity
    if not sev or " " in sev or edit.attrs.size or edit.attrs.number:
        return None
    other = set(_words(" ".join(edit.subject))) - _GRADE_WORDS - _ANAPHORA - _FILLER - _SIDE_WORDS
    if other or not (set(_words(" ".join(edit.subject))) & _GRADE_WORDS or not edit.subject):
        return None
    if not set(_words(" ".join(edit.subject))) & _GRADE_WORDS and any(
            not f.is_default and reader.attribute_words(f.text, reader.severity)
            and not find_values(reader.expand(f.text), reader.value_groups) for f in draft.findings):
        return None  # "make it mild" where a finding states a severity ("Moderate macular edema."): that one's
    cands: set[tuple[str, str, str]] = set()
    for text in [f.text for f in draft.findings if not f.is_default] + list(draft.impression):
        for v in find_values(reader.expand(text), reader.value_groups):
            words = v.value.split()
            for i, w in enumerate(words):
                if w in reader.severity and w != sev:
                    new = " ".join(words[:i] + [sev] + words[i + 1:])
                    if new in reader.value_groups[v.group]:
                        cands.add((v.group, new, v.value))
    if len(cands) > 1:
        said_of = "; ".join(sorted({old for _, _, old in cands}))
        return (f"I read this as '{sev}' for a grade, but this draft states more than one grade that could take it "
                f"({said_of}); nothing was changed. Say which one, e.g. 'the right eye is {sev} ...'.")
    if not cands:
        return None
    group, value, old_value = next(iter(cands))
    low = matching_form(said)
    at = re.search(r"(?<![\w-])" + re.escape(sev) + r"(?![\w-])", low)
    if at is None:
        return None
    said = low[:at.start()] + value + low[at.end():]
    return said, find_values(said, {group: reader.value_groups[group]}), old_value


def group_edit(reader, edit, draft: Draft, template: Template, rebuild: bool):
    """The :class:`~pixtralogist.agents.chat_edits.EditResult` of a message whose value replaces another
    of its group in one sentence of the draft (or, when no finding states one, one impression item);
    a result that changes nothing when several sentences could take it; None when this does not apply
    (the message states no group value, or the draft no other value of its group)."""
    from pixtralogist.agents.chat_edits import _ANAPHORA, _FILLER, EditResult, _region_label, _stem, _words

    groups = reader.value_groups
    if not groups or edit.kind not in ("statement", "modify") or edit.also or edit.flip \
            or edit.case_side or edit.deny or edit.attrs.polarity:
        return None
    if edit.swap and any(_pattern(edit.swap[0]).search(f.text) for f in draft.findings):
        return None  # "change papule to nodule": the draft's own wording is replaced as said
    said = reader.expand(edit.said or " ".join(x for x in (edit.text, edit.predicate, " ".join(edit.words),
                                                           " ".join(edit.subject)) if x))
    values = find_values(said, groups)
    graded_from = None
    if not values and (graded := _graded(reader, edit, draft, said)) is not None:
        if isinstance(graded, str):
            return EditResult(draft, False, graded)
        said, values, graded_from = graded  # "change the grade to severe" for "Moderate NPDR ...": "severe NPDR"
    distinct = list(dict.fromkeys((v.group, v.value) for v in values))
    kinds = list(dict.fromkeys(g for g, _ in distinct))
    if not distinct:
        return None
    low = matching_form(said)
    rest = " ".join(low[a:b] for a, b in zip([0] + [v.end for v in values], [v.start for v in values] + [len(low)]))
    member = {_stem(w) for v in values for w in _words(v.value)}
    side = reader.attributes(said).laterality
    if len(kinds) > 1:
        # "stage pT3 N2a": one value of each kind, each written in place of its kind's value
        if len(distinct) != len(kinds):
            return None
        generic = {_stem(w) for g in kinds for w in _words(g.replace("_", " "))}
        generic |= {_stem(w) for w in _FILLER | _ANAPHORA | _SPOKEN}
        extra = {_stem(w) for w in _words(rest)} - member - generic
        current, regions, impression = draft, [], False
        for g, value in distinct:
            result = _apply(reader, current, template, rebuild, groups[g], value, None, extra, side)
            if result is None or not result.changed:
                return None
            current, impression = result.draft, impression or result.impression_changed
            regions += [r for r in result.regions if r not in regions]
        labels = ", ".join(_region_label(draft, r) for r in regions) or "the impression"
        return EditResult(current, True, f"Changed {labels}.", regions, impression)
    if len(distinct) > 2:
        return None
    group = distinct[0][0]
    # one value: the new one; two ("make the ground glass nodule part solid"): the one the draft does not say
    choices = [(distinct[0][1], graded_from)] if len(distinct) == 1 else \
        [(distinct[1][1], distinct[0][1]), (distinct[0][1], distinct[1][1])]
    generic = {_stem(w) for w in _words(group.replace("_", " ")) + list(_FILLER | _ANAPHORA | _SPOKEN | _GRADE_WORDS)}
    extra = {_stem(w) for w in _words(rest)} - member - generic
    for new_value, old_value in choices:
        result = _apply(reader, draft, template, rebuild, groups[group], new_value, old_value, extra, side)
        if result is not None:
            return result
    return None


def _apply(reader, draft: Draft, template: Template, rebuild: bool, values: tuple[str, ...], new_value: str,
           old_value: str | None, extra: set[str], side: str | None):
    """Write ``new_value`` in place of the other value of its group in the one sentence that fits (see
    :func:`group_edit`); ``old_value``: the value that sentence must state (when the message named it)."""
    from pixtralogist.agents.chat_edits import EditResult, _region_label, _replace, _stem, _words

    group = {"g": values}

    def fits(text: str, region: str | None) -> GroupValue | None:
        """The one other value of the group ``text`` states, when the message's other words are its own."""
        found = find_values(text, group)
        kinds = {v.value for v in found}
        if len(kinds) != 1 or new_value in kinds or (old_value is not None and kinds != {old_value}):
            return None
        words = {_stem(w) for w in _words(reader.expand(text))}
        if region:
            words |= {_stem(w) for w in _words(region.replace("_", " ") + " " + draft.region_labels.get(region, ""))}
        if side and (reader.attributes(text).laterality == side
                     or (side in ("left", "right") and per_side(text, side) is not None)):
            words |= _SIDE  # "severe NPDR OD" for "... in the right eye." (or "... in both eyes.": split)
        elif side and (extra - words) and not (extra - words - _SIDE):
            other_side.append(text)  # "a left PCA infarct" for "... right MCA territory.": not guessed
            return None
        if extra - words:
            return None
        return found[0]

    other_side: list[str] = []

    cands: list[tuple[Finding, GroupValue]] = []
    for f in draft.findings:
        if f.is_default or any(f.text.lower() == c.text.lower() for c, _ in cands):
            continue
        old = fits(f.text, f.region)
        if old is not None:
            cands.append((f, old))
    if len(cands) > 1:
        quoted = "; ".join(f"'{f.text}'" for f, _ in cands[:3])
        return EditResult(draft, False, f"I read this as '{new_value}', but more than one sentence of this draft could "
                          f"take it ({quoted}); nothing was changed. Name the finding, e.g. 'change the ... to "
                          f"{new_value}'.")
    if cands:
        f, old = cands[0]
        texts = _sided_write(f.text, old, new_value, values, side)
        if texts == [f.text]:
            return None
        findings = _replace(draft, f, texts, f.region, template)
        changed = editing._with(draft, findings, template, rebuild_impression=rebuild)
        return EditResult(changed, True, f"Changed {_region_label(draft, f.region)}.", [f.region])
    items = [(i, fits(item, None)) for i, item in enumerate(draft.impression)]
    items = [(i, old) for i, old in items if old is not None]
    if len(items) != 1:
        if other_side:
            return EditResult(draft, False, f"I read this as '{new_value}' on the {side} side, but the draft states it "
                              f"on another side ('{other_side[0]}'); nothing was changed. Say the side and the value "
                              "one at a time.")
        return None
    i, old = items[0]
    impression = list(draft.impression)
    impression[i:i + 1] = _sided_write(impression[i], old, new_value, values, side)
    if impression == draft.impression:
        return None
    return EditResult(draft.model_copy(update={"impression": impression}), True, "Changed the impression.", [], True)
