"""Lexicon-wide abbreviation coverage: is every shorthand of every built-in lexicon written out and placed?

For every abbreviation of every built-in template lexicon (radiology ``cxr``/``ct_chest``/``mri_brain``,
pathology ``breast-resection``, dermatology ``skin_lesion``, ophthalmology ``fundus``/``octa``; each with the
kit base lexicon and the files it extends), a short dictation using it is drafted with the plugin's
configured drafter, exactly as ``benchmarks/dictation.py`` drafts (built-in plugins, offline drafter).
Each abbreviation is tried in the forms a clinician writes it for its template: as a statement of its
own ("PTX.", "OD: CRVO.", "LVI present.") and as a modifier of a finding ("RUL nodule", "margin sup 2 mm",
"papule L shoulder"); it **passes** when one form's draft

* writes it out: the expansion's words are in the draft (an acronym the lexicon keeps as an acronym,
  "SVC", must be there itself), and
* places it: a sentence naming the expansion is in the home region of the lexicon concept the expansion
  names (a recommendation's home is the impression, clinical context's the indication), or, when the
  expansion names no concept, in any region but the catch-all "Other" (or the impression/indication;
  pathology's catch-all, "Additional findings", is a home of its own); never only in the drafter's
  "not placed" list.

An abbreviation shared by several templates (the radiology common file, the kit base) is checked once per
specialty, in the first of the specialty's templates whose concepts name it (else the first template).
Context abbreviations (``cm`` after no number, ``cp angle``, ``the LAD``) are tried with their first trigger word.

Prints the failures per specialty and a summary; exits 1 when any abbreviation fails.

    python benchmarks/lexicon_coverage.py [--specialty NAME] [--show N]
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dictation import TEMPLATE_CASE, _case, _host, draft_sections, normalize  # noqa: E402

#: The templates of each specialty, in the order an abbreviation is homed.
SPECIALTY_TEMPLATES = {
    "radiology": ("cxr", "ct_chest", "mri_brain"),
    "pathology": ("breast-resection",),
    "dermatology": ("skin_lesion",),
    "ophthalmology": ("fundus", "octa"),
}

#: The dictation forms per template: "{A}" the abbreviation as a clinician types it (upper case for an
#: all-letter acronym), "{a}" as typed in running text (the same here; kept apart for clarity).
FORMS = {
    "cxr": ("{A}.", "R {A}.", "{A} opacity.", "Effusion {A} atelectasis."),
    "ct_chest": ("{A}.", "R {A}.", "6 mm {A} nodule.", "Effusion {A} atelectasis."),
    "mri_brain": ("{A}.", "L {A}.", "{A} T2 hyperintense lesion.", "Infarct {A} hemorrhage."),
    "breast-resection": ("{A}.", "{A} present.", "Closest margin {A}, 2 mm.", "Tumour at {A}, 15 mm.",
                         "IDC {A} DCIS."),
    "skin_lesion": ("{A} L shoulder.", "Imp: {A}.", "{A} papule L shoulder.", "Pink papule L shoulder. Dermoscopy {A}.",
                    "Pink papule L shoulder. Plan: {A}.",
                    "Pink papule L shoulder. {A} score 3.", "Pink papule L shoulder. Plan: {A} referral.", "Papule {A} scale L shoulder."),
    "fundus": ("OD: {A}.", "Imp: {A} OD.", "OD: {A} haemorrhage.", "OD: haemorrhages {A} exudates."),
    "octa": ("OD: {A}.", "Imp: {A} OD.", "OD: {A} capillary dropout.", "OD: dropout {A} nonperfusion."),
}

#: Templates whose catch-all region is a home of its own: pathology's "Additional findings" (CAP: in situ
#: disease, biomarkers, benign changes, treatment effect), so a statement placed there counts as placed.
CATCH_ALL_IS_HOME = frozenset({"breast-resection"})

#: Where the lexicon itself sends an abbreviation elsewhere than its concept's region, on purpose.
EXPECTED_ELSEWHERE = {
    ("cxr", "cabg"): "heart",  # cxr.yaml's sorter: bypass grafts and valve surgery are the heart's line
    ("cxr", "aaa"): "others",  # an abdominal aortic aneurysm is outside the chest radiograph's regions
    ("cxr", "abd"): "others",  # so is the abdomen
}

#: Misses this check found and this branch leaves open, with why (printed apart; they do not fail the run).
KNOWN_GAPS = {
    ("breast-resection", "min"): "the pathology drafter does not apply the base's context shorthand",
    ("breast-resection", "abd"): "the pathology drafter does not apply the base's context shorthand (no use there)",
    ("fundus", "min"): "the ophthalmology drafter does not apply the base's context shorthand",
    ("fundus", "abd"): "the ophthalmology drafter does not apply the base's context shorthand (no use there)",
    ("skin_lesion", "7pcl"): "lower-case '7pcl score 3' stays raw ('7PCL 3' is written out): dermatology reader",
    ("skin_lesion", "-ve"): "a token opening with '-' loses it ('Dermoscopy -ve for ...' -> 'Ve for ...'): dermatology reader",
}


@dataclass(frozen=True)
class Entry:
    """One abbreviation of one lexicon, with what it must become."""

    template: str
    token: str
    expansion: str
    source: str  # "abbreviations" | "context_abbreviations" | "concept"


@dataclass
class Outcome:
    entry: Entry
    passed: bool
    why: str
    dictation: str
    home: str | None


def lexicon_of(template: str):
    """The kit lexicon a template's drafter reads."""
    if template in ("cxr", "ct_chest", "mri_brain"):
        from pixtralogist.plugins.radiology.lexicons import lexicon_for

        return lexicon_for(template)
    if template in ("fundus", "octa"):
        from pixtralogist.plugins.ophthalmology.lexicon import lexicon_for

        return lexicon_for(template)
    if template == "breast-resection":
        from pixtralogist.plugins.pathology.lexicon import LEXICON

        return LEXICON
    from pixtralogist.plugins.dermatology.lexicon import LEXICON

    return LEXICON


def _entries(lex, template: str) -> list[Entry]:
    out = [Entry(template, t, e, "abbreviations") for t, e in lex.abbreviations.items()]
    for t, rule in lex.context_abbreviations.items():
        if not rule:
            continue
        if "not_after_number" in rule:
            out.append(Entry(template, t, str(rule["not_after_number"]), "context_abbreviations"))
        elif rule.get("followed_by"):
            word = str(list(rule["followed_by"])[0])
            # the next word is written out too when it is shorthand itself ("path fx" -> "pathologic fracture")
            said = str(lex.abbreviations.get(word, word))
            out.append(Entry(template, f"{t} {word}", f"{rule.get('expansion', t)} {said}", "context_abbreviations"))
        elif rule.get("preceded_by"):
            word = str(list(rule["preceded_by"])[0])
            if rule.get("expansion"):
                out.append(Entry(template, f"{word} {t}", f"{word} {rule['expansion']}", "context_abbreviations"))
            if rule.get("otherwise"):
                out.append(Entry(template, t, str(rule["otherwise"]), "context_abbreviations"))
        elif "before_noun" in rule:
            out.append(Entry(template, t, str(rule.get("otherwise") or rule["before_noun"]), "context_abbreviations"))
    for c in lex.concepts:
        out.extend(Entry(template, a.lower(), c.label, "concept") for a in c.abbreviations)
    return out


def concept_home(lex, expansion: str) -> tuple[Any, str | None]:
    """The concept whose terms name ``expansion`` (the longest match) and its home region, or (None, None)."""
    from pixtralogist.kit.lexicon import iter_terms

    text = expansion.lower()
    best, best_len = None, 0
    for c, term, is_pattern in iter_terms(c for c in lex.concepts if c.kind != "qualifier"):
        pat = term if is_pattern else re.escape(term.lower())
        try:
            m = re.search(rf"(?<!\w)(?:{pat})(?!\w)", text)
        except re.error:
            continue
        if m and (m.end() - m.start()) > best_len:
            best, best_len = c, m.end() - m.start()
    if best is None:
        return None, None
    if best.kind == "recommendation":
        return best, "impression"
    if best.kind == "context":
        return best, "indication"
    if best.kind == "anatomy" or best.region not in lex.regions:
        return best, None
    return best, best.region


def typed(token: str) -> str:
    """The abbreviation as a clinician types it: an all-letter acronym in capitals."""
    return token.upper() if re.fullmatch(r"[a-z]{2,6}", token) else token


def _written_out(expansion: str, token: str) -> str:
    """The normalised words the draft must contain."""
    return normalize(expansion)


def judge(entry: Entry, draft: Any, lex, home: str | None) -> tuple[bool, str]:
    want = _written_out(entry.expansion, entry.token)
    sections = draft_sections(draft)
    where = [r for r, sents in sections.items() for s in sents if re.search(rf"(?<!\w){re.escape(want)}(?!\w)", normalize(s))]
    if not where:
        unplaced = " ".join(getattr(draft, "not_placed", None) or getattr(draft, "unplaced", None) or [])
        if re.search(rf"(?<!\w){re.escape(want)}(?!\w)", normalize(unplaced)):
            return False, "not placed"
        return False, "not written out"
    if (entry.template, entry.token) in EXPECTED_ELSEWHERE:
        home = EXPECTED_ELSEWHERE[(entry.template, entry.token)]
        ok = home in where
        return (ok, "ok" if ok else f"in {'/'.join(sorted(set(where)))}, home {home}")
    if home == "indication":  # a known diagnosis dictated as a statement is the impression's too
        ok = bool({"indication", "impression"} & set(where))
        return (ok, "ok" if ok else f"in {'/'.join(sorted(set(where)))}, home indication or impression")
    if home is not None and home != lex.catch_all:
        ok = home in where
        return (ok, "ok" if ok else f"in {'/'.join(sorted(set(where)))}, home {home}")
    ok = entry.template in CATCH_ALL_IS_HOME or any(r != lex.catch_all for r in where)
    return (ok, "ok" if ok else f"only in {lex.catch_all}")


def plan(specialty: str) -> list[tuple[Entry, str | None]]:
    """One (entry, home) per abbreviation of the specialty, homed in its first template that names it."""
    templates = SPECIALTY_TEMPLATES[specialty]
    lexes = {t: lexicon_of(t) for t in templates}
    seen: dict[str, tuple[Entry, str | None]] = {}
    for t in templates:
        for e in _entries(lexes[t], t):
            _, home = concept_home(lexes[t], e.expansion)
            prev = seen.get(e.token)
            if prev is None or (prev[1] is None and home is not None and prev[0].expansion == e.expansion):
                seen[e.token] = (e, home)
    return list(seen.values())


def plan_template(specialty: str, token: str) -> str | None:
    """The template an abbreviation of ``specialty`` is checked in."""
    return next((e.template for e, _ in plan(specialty) if e.token == token), None)


def check(specialty: str, host=None, tokens: Iterable[str] | None = None) -> list[Outcome]:
    """Draft every abbreviation of ``specialty`` (or only ``tokens``) and judge it."""
    host = host or _host()
    want = {t.lower() for t in tokens} if tokens is not None else None
    out: list[Outcome] = []
    for entry, home in plan(specialty):
        if want is not None and entry.token not in want:
            continue
        template = host.template(entry.template)
        drafter = host.drafter(template.specialty, template)
        lex = lexicon_of(entry.template)
        first: Outcome | None = None
        for form in FORMS[entry.template]:
            text = form.format(A=typed(entry.token))
            draft = drafter.draft(_case(entry.template, text, ""), template)
            ok, why = judge(entry, draft, lex, home)
            res = Outcome(entry, ok, why, text, home)
            if ok:
                first = res
                break
            first = first or res
        out.append(first)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--specialty", choices=sorted(SPECIALTY_TEMPLATES), action="append")
    ap.add_argument("--show", type=int, default=200, help="failures to print per specialty")
    args = ap.parse_args(argv)
    host = _host()
    total = failed = 0
    for sp in args.specialty or list(SPECIALTY_TEMPLATES):
        res = check(sp, host)
        known = [r for r in res if not r.passed and (r.entry.template, r.entry.token) in KNOWN_GAPS]
        bad = [r for r in res if not r.passed and (r.entry.template, r.entry.token) not in KNOWN_GAPS]
        total += len(res)
        failed += len(bad)
        print(f"{sp:14s} abbreviations {len(res):4d}  written out and placed {len(res) - len(bad) - len(known):4d}  "
              f"failures {len(bad)}  known gaps {len(known)}")
        for r in bad[: args.show]:
            print(f"  - [{r.entry.template}] {r.entry.token!r} -> {r.entry.expansion!r}: {r.why} (home {r.home}); {r.dictation!r}")
        for r in known:
            print(f"  ~ known gap [{r.entry.template}] {r.entry.token!r}: {r.why}; {KNOWN_GAPS[(r.entry.template, r.entry.token)]}")
    print(f"ALL            abbreviations {total:4d}  failures {failed}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
