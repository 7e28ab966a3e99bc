"""Conclusion arrows in radiology shorthand: "A -> B" written as a radiologist writes it.

An arrow says what the finding before it leads to. What follows it is either a plan ("8mm RUL nodule -> f/u CT
3 mo", "Fleischner high risk -> PET/CT or tissue sampling") or an interpretation ("stable x 2 yrs -> benign",
"Kerley B lines -> CHF"):

* a plan becomes a recommendation of its own after the finding ("8 mm RUL nodule. Recommend f/u CT 3 mo."),
  or, when nothing before the arrow names a finding, one recommendation that keeps its reason in brackets
  ("Recommend PET/CT or tissue sampling (Fleischner high risk).");
* an interpretation stays with its finding: one interpreting adjective after a comma ("..., benign"), a hedge as
  dictated ("..., ?pneumonia"), a differential as possible ("..., possible GBM vs met"), else "..., consistent
  with CHF".

:func:`write_out_arrows` is a pure text step the radiology drafter runs before the kit reads the dictation.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["write_out_arrows"]

#: An arrow as typed: "->", "-->", "=>", "→", "⇒" (a spaced dash is the kit's own plan marker).
_ARROW = re.compile(r"\s*(?:-{1,2}>|={1,2}>|\u2192|\u21d2)\s*")
#: Where a sentence ends (a decimal point is not an end).
_END = re.compile(r"\n|;|(?<!\d)\.(?!\d)|(?<=\d)\.(?=\s|$)")
#: What opens a plan: a follow-up, a test, a procedure, a referral, a correlation, or no further work-up.
_PLAN = re.compile(
    r"^(?:f/?u|fu\b|follow[- ]?up|recommend\w*|rec\b|suggest\w*|consider\w*|advis\w*|repeat|rpt|annual|surveillance|"
    r"short[- ]interval|interval|pet(?:/ct)?|ct\b|cta|hrct|ldct|mri?\b|mra|mrs\b|mr spectroscopy|perfusion|us\b|ultrasound|"
    r"echo\w*|dedicated|biops\w*|bx\b|tissue (?:sampling|diagnosis)|sampling|fna\b|bronch\w*|ebus|egd|endoscop\w*|"
    r"colonoscop\w*|refer\w*|consult\w*|correlat\w*|clinical correlation|excis\w*|resect\w*|surg\w*|mdt|"
    r"multidisciplinary|tumou?r board|visual fields?|formal visual|ophthalmolog\w*|neurosurg\w*|thoracic surg\w*|"
    r"pulmonolog\w*|(?:[\w-]+\s+)?(?:team|clinic|service)\b|urgent|emergent|no (?:further |routine |dedicated |additional )*(?:f/?u|follow[- ]?up|imaging|"
    r"w/?u|work[- ]?up|surveillance|action))", re.I)
#: A plan that names its test after a word or two ("thyroid US", "renal MRI", "CT-guided bx") or says it is advised at
#: its end ("thyroid US recommended", "ENT review advised").
_PLAN_LATER = re.compile(
    r"^(?:[a-z/-]+\s+){1,2}(?:us|ultrasound|ct|cta|mri?|mra|pet(?:/ct)?|biops\w*|bx|fna|echo\w*|review|referral|consult\w*)\b"
    r"|\b(?:recommended|advised|suggested|needed|required|indicated|warranted)\W*$", re.I)
#: A plan that already says it is advised at its end (kept as dictated).
_ADVISED_AFTER = re.compile(r"\b(?:recommended|advised|suggested|needed|required|indicated|warranted)\W*$", re.I)
#: A plan that already says it is advised (no "Recommend" put in front).
_ADVISED = re.compile(r"^(?:recommend\w*|rec\b|suggest\w*|consider\w*|advis\w*|no\b|urgent|emergent)", re.I)
#: One word that interprets the finding before it on its own (", benign").
_INTERPRETING = frozenset({"benign", "malignant", "indeterminate", "nonspecific", "physiologic", "postoperative",
                           "postsurgical", "post-surgical", "post-operative", "reactive", "degenerative", "chronic",
                           "acute", "subacute", "old", "healed", "stable", "resolved", "resolving", "improved",
                           "improving", "worse", "worsening", "progression", "new", "artifactual", "incidental"})
#: An interpretation that keeps its own hedge or wording ("?pna", "likely infection", "c/w edema").
_OWN_WORDING = re.compile(r"^(?:\?|possible|possibly|probable|probably|likely|most likely|suspicious|concerning|"
                          r"worrisome|suggestive|suspect\w*|c/w|consistent|compatible|in keeping|favou?r\w*|may|could|"
                          r"ddx|differential|r/o|no\b|not\b)", re.I)


#: A differential after the arrow ("GBM vs met", "infection or inflammation").
_DIFFERENTIAL = re.compile(r"\b(?:vs\.?|versus|or)\b", re.I)


def write_out_arrows(text: str, names_finding: Callable[[str], bool]) -> str:
    """``text`` with each conclusion arrow written out (see the module docstring), sentence by sentence and, in a
    chain ("A -> benign -> no f/u"), left to right; ``names_finding`` says whether the words before an arrow name a
    finding. Text without an arrow comes back unchanged."""
    if not text or not _ARROW.search(text):
        return text
    out: list[str] = []
    pos = 0
    for end in [m for m in _END.finditer(text)] + [None]:
        stop = end.start() if end is not None else len(text)
        sentence = text[pos:stop]
        out.append(_sentence(sentence, names_finding) if _ARROW.search(sentence) else sentence)
        if end is not None:
            out.append(end.group(0))
            pos = end.end()
    return "".join(out)


def _sentence(sentence: str, names_finding: Callable[[str], bool]) -> str:
    lead = sentence[: len(sentence) - len(sentence.lstrip())]
    parts = [p.strip() for p in _ARROW.split(sentence)]
    cur = parts[0].rstrip(",")
    for after in parts[1:]:
        if not after:
            continue
        if not cur:
            # an arrow opening the sentence leads from the sentence before: a plan there is a plan ("=> CT.")
            if _PLAN.match(after):
                cur = after if _ADVISED.match(after) or _ADVISED_AFTER.search(after) else f"recommend {after}"
                cur = cur[:1].upper() + cur[1:]
            else:
                cur = after
        elif _PLAN.match(after) or (_PLAN_LATER.search(after) and not _OWN_WORDING.match(after)):
            plan = after if _ADVISED.match(after) or _ADVISED_AFTER.search(after) else f"recommend {after}"
            plan = plan[:1].upper() + plan[1:]
            cur = f"{cur}. {plan}" if names_finding(cur) else f"{plan} ({cur})"
        elif after.lower() in _INTERPRETING or _OWN_WORDING.match(after):
            cur = f"{cur}, {after}"
        elif _DIFFERENTIAL.search(after):
            cur = f"{cur}, possible {after}"  # "-> GBM vs met": a differential is uncertain, never "consistent with"
        else:
            cur = f"{cur}, consistent with {after}"
    return lead + cur
