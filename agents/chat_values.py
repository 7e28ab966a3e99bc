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


def _write(text: str, old: GroupValue, new: str) -> str:
    """``text`` with the old value written as ``new`` (upper case where it was, a capital where it had one)."""
    m = _pattern(old.value).search(text)
    if m is None:
        return text
    said = m.group()
    if said.isupper() and len(said) > 1:
        new = new.upper()
    elif said[:1].isupper():
        new = new[:1].upper() + new[1:]
    return text[:m.start()] + new + text[m.end():]


def group_edit(reader, edit, draft: Draft, template: Template, rebuild: bool):
    """The :class:`~pixtralogist.agents.chat_edits.EditResult` of a message whose value replaces another
    of its group in one sentence of the draft (or, when no finding states one, one impression item);
    a result that changes nothing when several sentences could take it; None when this does not apply
    (the message states no group value, or the draft no other value of its group)."""
    from pixtralogist.agents.chat_edits import (_ANAPHORA, _FILLER, EditResult, _region_label, _replace, _stem,
                                                _words)

    groups = reader.value_groups
    if not groups or edit.kind not in ("statement", "modify") or edit.also or edit.flip \
            or edit.case_side or edit.deny or edit.attrs.polarity:
        return None
    if edit.swap and any(_pattern(edit.swap[0]).search(f.text) for f in draft.findings):
        return None  # "change papule to nodule": the draft's own wording is replaced as said
    said = reader.expand(edit.said or " ".join(x for x in (edit.text, edit.predicate, " ".join(edit.words),
                                                           " ".join(edit.subject)) if x))
    values = find_values(said, groups)
    if len({(v.group, v.value) for v in values}) != 1:
        return None  # no group value, or two ("ductal and lobular"): not this kind of edit
    new = values[0]
    low = matching_form(said)
    rest = " ".join(low[a:b] for a, b in zip([0] + [v.end for v in values], [v.start for v in values] + [len(low)]))
    member = {_stem(w) for w in _words(new.value)}
    generic = {_stem(w) for w in _words(new.group.replace("_", " ")) + list(_FILLER | _ANAPHORA | _SPOKEN)}
    extra = {_stem(w) for w in _words(rest)} - member - generic

    def fits(text: str, region: str | None) -> GroupValue | None:
        """The one other value of the group ``text`` states, when the message's other words are its own."""
        others = {(v.value, v.start) for v in find_values(text, {new.group: groups[new.group]})}
        kinds = {v for v, _ in others}
        if len(kinds) != 1 or new.value in kinds:
            return None
        words = {_stem(w) for w in _words(reader.expand(text))}
        if region:
            words |= {_stem(w) for w in _words(region.replace("_", " ") + " " + draft.region_labels.get(region, ""))}
        if extra - words:
            return None
        return find_values(text, {new.group: groups[new.group]})[0]

    cands: list[tuple[Finding, GroupValue]] = []
    for f in draft.findings:
        if f.is_default or any(f.text.lower() == c.text.lower() for c, _ in cands):
            continue
        old = fits(f.text, f.region)
        if old is not None:
            cands.append((f, old))
    if len(cands) > 1:
        quoted = "; ".join(f"'{f.text}'" for f, _ in cands[:3])
        return EditResult(draft, False, f"I read this as '{new.value}', but more than one sentence of this draft could "
                          f"take it ({quoted}); nothing was changed. Name the finding, e.g. 'change the ... to "
                          f"{new.value}'.")
    if cands:
        f, old = cands[0]
        text = _write(f.text, old, new.value)
        findings = _replace(draft, f, [text], f.region, template)
        changed = editing._with(draft, findings, template, rebuild_impression=rebuild)
        return EditResult(changed, True, f"Changed {_region_label(draft, f.region)}.", [f.region])
    items = [(i, fits(item, None)) for i, item in enumerate(draft.impression)]
    items = [(i, old) for i, old in items if old is not None]
    if len(items) != 1:
        return None
    i, old = items[0]
    impression = list(draft.impression)
    impression[i] = _write(impression[i], old, new.value)
    return EditResult(draft.model_copy(update={"impression": impression}), True, "Changed the impression.", [], True)
