"""GREEN: the judge prompt, a tolerant parser of the judge's answer, and the score.

GREEN (Ostmeier et al., 2024, "GREEN: Generative Radiology Report Evaluation and
Error Notation") asks a judge language model to compare a candidate report with
a reference report and to answer in four sections::

    [Explanation]:
    <free text>

    [Clinically Significant Errors]:
    (a) False report of a finding in the candidate: <n>. <error 1>; <error 2>
    (b) Missing a finding present in the reference: <n>. ...
    (c) Misidentification of a finding's anatomic location/position: <n>. ...
    (d) Misassessment of the severity of a finding: <n>. ...
    (e) Mentioning a comparison that isn't in the reference: <n>. ...
    (f) Omitting a comparison detailing a change from a prior study: <n>. ...

    [Clinically Insignificant Errors]:
    (a) ... the same six lines ...

    [Matched Findings]:
    <n>. <finding 1>; <finding 2>

Score of one pair: ``M / (M + sum of the six significant counts)`` with M the
matched findings; ``0.0`` when M is 0; ``None`` (undefined) when the answer
cannot be read (:func:`green_score`). Insignificant errors are reported, not
scored. Both reports are truncated to 300 words in the prompt
(:func:`build_prompt`), as in the paper. The released judge models
(GREEN-RadLlama2-7b, GREEN-Phi2, ...) were fine-tuned on the paper's prompt, so
:func:`build_prompt` keeps its wording and layout.

:func:`parse_judge_output` never raises. It reads real judge output: markdown
(``**[Matched Findings]:**``, headings, code fences, bullets), missing
sections, counts written as words ("two", "none"), ``1)``-style or ``(1)``
numbering instead of letters, extra whitespace, error lists on separate lines,
and chat-template debris (``<|assistant|>``, ``</s>``).

The same :class:`JudgeResult` carries the offline comparator's answers
(:mod:`pixtralogist.finetune.comparator`); its ``metric`` field says which
metric produced it ("GREEN" only for a GREEN judge).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = [
    "CATEGORIES",
    "GREEN_METRIC",
    "JudgeResult",
    "SUBCATEGORIES",
    "build_prompt",
    "green_score",
    "parse_judge_output",
    "truncate_words",
]

GREEN_METRIC = "GREEN"
MAX_WORDS = 300

#: The six error sub-categories, by letter (the paper's wording).
SUBCATEGORIES: dict[str, str] = {
    "a": "False report of a finding in the candidate",
    "b": "Missing a finding present in the reference",
    "c": "Misidentification of a finding's anatomic location/position",
    "d": "Misassessment of the severity of a finding",
    "e": "Mentioning a comparison that isn't in the reference",
    "f": "Omitting a comparison detailing a change from a prior study",
}
LETTERS: tuple[str, ...] = tuple(SUBCATEGORIES)

#: Section names in the order the judge writes them.
CATEGORIES: tuple[str, ...] = (
    "Explanation",
    "Clinically Significant Errors",
    "Clinically Insignificant Errors",
    "Matched Findings",
)


def truncate_words(text: str, max_words: int = MAX_WORDS) -> str:
    """The first ``max_words`` whitespace-separated words of ``text``, joined by single spaces."""
    return " ".join(str(text or "").split()[:max_words])


def build_prompt(reference: str, candidate: str, *, max_words: int = MAX_WORDS) -> str:
    """The GREEN judge prompt for one pair (both reports truncated to ``max_words`` words)."""
    criteria = "\n".join(f"    {k}) {v}." for k, v in SUBCATEGORIES.items())
    error_lines = (
        "    (a) <Error Type>: <The number of errors>. <Error 1>; <Error 2>; ...; <Error n>\n"
        "    ....\n"
        "    (f) <Error Type>: <The number of errors>. <Error 1>; <Error 2>; ...; <Error n>\n"
    )
    return (
        "Objective: Evaluate the accuracy of a candidate radiology report in comparison to a reference "
        "radiology report composed by expert radiologists.\n\n"
        "    Process Overview: You will be presented with:\n\n"
        "    1. The criteria for making a judgment.\n"
        "    2. The reference radiology report.\n"
        "    3. The candidate radiology report.\n"
        "    4. The desired format for your assessment.\n\n"
        "    1. Criteria for Judgment:\n\n"
        "    For each candidate report, determine:\n\n"
        "    The count of clinically significant errors.\n"
        "    The count of clinically insignificant errors.\n\n"
        "    Errors can fall into one of these categories:\n\n"
        f"{criteria}\n"
        "    Note: Concentrate on the clinical findings rather than the report's writing style. "
        "Evaluate only the findings that appear in both reports.\n\n"
        "    2. Reference Report:\n"
        f"    {truncate_words(reference, max_words)}\n\n"
        "    3. Candidate Report:\n"
        f"    {truncate_words(candidate, max_words)}\n\n"
        "    4. Reporting Your Assessment:\n\n"
        "    Follow this specific format for your output, even if no errors are found:\n"
        "    ```\n"
        "    [Explanation]:\n"
        "    <Explanation>\n\n"
        "    [Clinically Significant Errors]:\n"
        f"{error_lines}\n"
        "    [Clinically Insignificant Errors]:\n"
        f"{error_lines}\n"
        "    [Matched Findings]:\n"
        "    <The number of matched findings>. <Finding 1>; <Finding 2>; ...; <Finding n>\n"
        "    ```\n"
    )


def green_score(matched: int | None, significant_errors: int | None) -> float | None:
    """``M / (M + E)``; ``0.0`` when M is 0; ``None`` when M is unknown, or E is unknown while M > 0."""
    if matched is None:
        return None
    if matched <= 0:
        return 0.0
    if significant_errors is None:
        return None
    return matched / (matched + max(0, significant_errors))


@dataclass
class JudgeResult:
    """One judged (reference, candidate) pair.

    ``significant`` / ``insignificant`` map each letter a-f to its count;
    ``significant_items`` / ``insignificant_items`` to the listed errors;
    ``matched`` is M (``None`` when unreadable); ``score`` follows
    :func:`green_score`; ``parsed`` says whether the answer could be read;
    ``raw`` is the judge's answer as given (kept for audit).
    """

    score: float | None
    matched: int | None
    significant: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LETTERS, 0))
    insignificant: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LETTERS, 0))
    significant_items: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in LETTERS})
    insignificant_items: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in LETTERS})
    matched_items: list[str] = field(default_factory=list)
    explanation: str = ""
    parsed: bool = False
    raw: str = ""
    metric: str = GREEN_METRIC

    @property
    def total_significant(self) -> int:
        return sum(self.significant.values())

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["total_significant"] = self.total_significant
        return d


# --- parsing -------------------------------------------------------------------------------

_NUMBER_WORDS = {
    "zero": 0, "no": 0, "none": 0, "nil": 0, "one": 1, "a single": 1, "single": 1, "two": 2, "three": 3,
    "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
    "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20,
}
_COUNT_RE = re.compile(
    r"^\W{0,3}(\d{1,4}|" + "|".join(sorted((re.escape(w) for w in _NUMBER_WORDS), key=len, reverse=True)) + r")\b",
    re.I,
)
_HEADER_RE = re.compile(
    r"(?:^|\n)[ \t>#*_`\-]*\[?[ \t*_]*"
    r"(explanation|clinically[ \t]+insignificant[ \t]+errors?|clinically[ \t]+significant[ \t]+errors?|"
    r"matched[ \t]+findings?)"
    r"[ \t*_]*\]?[ \t*_]*:?[ \t*_]*(?=\S|\n|$)",
    re.I,
)
_BRACKET_HEADER_RE = re.compile(
    r"\[[ \t*_]*(explanation|clinically[ \t]+insignificant[ \t]+errors?|clinically[ \t]+significant[ \t]+errors?|"
    r"matched[ \t]+findings?)[ \t*_]*\][ \t*_]*:?",
    re.I,
)
# "(a)", "a)", "(1)", "1)", "a." at a line start, or "(a)" anywhere.
_SUB_RE = re.compile(r"(?:(?<=\n)|^)[ \t\-*•]*\(?([a-f1-6])\)[ \t]*|\(([a-f])\)[ \t]*|(?:(?<=\n)|^)[ \t\-*•]*([a-f])\.[ \t]+", re.I)
_NONE_RE = re.compile(r"^\W*(?:no(?:ne)?\b|n/?a\b|nil\b|0\b|zero\b)", re.I)
_EMPTY_ITEM_RE = re.compile(
    r"^\W*(?:none|n/?a|nil|-+|\.\.\.|no(?: clinically)?(?: (?:significant|insignificant))?(?: errors?| matched findings?| findings?)?"
    r"(?: (?:found|identified|noted))?)\W*$",
    re.I,
)


def _clean(text: str) -> str:
    text = str(text or "")
    if "<|assistant|>" in text:
        text = text.rsplit("<|assistant|>", 1)[-1]
    for junk in ("</s>", "<s>", "<unk>", "<|end|>", "<|endoftext|>", "<|eot_id|>", "<pad>"):
        text = text.replace(junk, "")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"```[a-zA-Z]*", "\n", text)  # code fences
    text = text.replace("**", "").replace("__", "")
    return text


def _count(text: str) -> int | None:
    """A count at the start of ``text``: digits, a number word, or 'no'/'none' (0)."""
    m = _COUNT_RE.match(text)
    if not m:
        return None
    tok = m.group(1).lower()
    if tok.isdigit():
        return int(tok)
    return _NUMBER_WORDS.get(tok)


def _items(text: str) -> list[str]:
    parts = re.split(r"[;\n]+", text)
    out = []
    for p in parts:
        p = re.sub(r"^[ \t\-*•\d.)]+", "", p).strip().strip(".").strip()
        if p and not _EMPTY_ITEM_RE.match(p):
            out.append(p)
    return out


def _sections(text: str) -> dict[str, str]:
    """Section name -> body, for every header found (first occurrence wins)."""
    marks: list[tuple[int, int, str]] = []
    for rx in (_HEADER_RE, _BRACKET_HEADER_RE):
        for m in rx.finditer(text):
            marks.append((m.start(1), m.end(), _canonical(m.group(1))))
    marks.sort()
    # drop marks that overlap an earlier one (the same header found by both patterns)
    uniq: list[tuple[int, int, str]] = []
    for s, e, name in marks:
        if uniq and s < uniq[-1][1]:
            continue
        uniq.append((s, e, name))
    out: dict[str, str] = {}
    for i, (s, e, name) in enumerate(uniq):
        end = uniq[i + 1][0] if i + 1 < len(uniq) else len(text)
        body = text[e:end]
        # the next header's leading "[" / markup belongs to the next section
        body = re.sub(r"[ \t>#*_`\-\[]*$", "", body)
        if name not in out:
            out[name] = body.strip()
    return out


def _canonical(name: str) -> str:
    n = " ".join(name.lower().split())
    if n.startswith("explanation"):
        return "Explanation"
    if n.startswith("matched"):
        return "Matched Findings"
    if "insignificant" in n:
        return "Clinically Insignificant Errors"
    return "Clinically Significant Errors"


def _parse_errors(body: str) -> tuple[dict[str, int] | None, dict[str, list[str]]]:
    """Counts and items per letter; counts ``None`` when the section says nothing readable."""
    counts = dict.fromkeys(LETTERS, 0)
    items: dict[str, list[str]] = {k: [] for k in LETTERS}
    marks = []
    for m in _SUB_RE.finditer(body):
        key = (m.group(1) or m.group(2) or m.group(3) or "").lower()
        if key.isdigit():
            key = LETTERS[int(key) - 1]
        marks.append((m.start(), m.end(), key))
    if not marks:
        if not body.strip() or _NONE_RE.match(body):
            return counts, items
        return None, items
    found_any = False
    seen: set[str] = set()
    for i, (_, e, key) in enumerate(marks):
        end = marks[i + 1][0] if i + 1 < len(marks) else len(body)
        line = body[e:end]
        if key in seen:  # a letter repeated inside an error description: keep the first
            continue
        seen.add(key)
        # the count follows the sub-category label's colon; without a colon, the first count-like token
        colon = line.find(":")
        rest = line[colon + 1:] if colon >= 0 else line
        n = _count(rest.lstrip())
        if n is None and colon < 0:
            m = re.search(r"(?<![\w.])(\d{1,4})(?![\w])", line)
            n = int(m.group(1)) if m else None
        if n is None:
            # "(b) Missing a finding: -" or a label with nothing after it: no errors written down
            if not re.search(r"[A-Za-z0-9]", rest):
                n = 0
                found_any = True
            continue
        found_any = True
        counts[key] = n
        after = re.sub(r"^\W{0,3}\w+\.?", "", rest.lstrip(), count=1)
        items[key] = _items(after) if n else []
    if not found_any:
        return None, items
    return counts, items


def _parse_matched(body: str) -> tuple[int | None, list[str]]:
    text = body.strip()
    if not text:
        return None, []
    n = _count(text)
    if n is None:
        m = re.match(r"^[^\n]{0,40}?(?<![\w.])(\d{1,4})(?![\w])", text)
        if m:
            n = int(m.group(1))
            text = text[m.end():]
        else:
            return None, []
    else:
        text = _COUNT_RE.sub("", text, count=1)
    return n, (_items(text) if n else [])


def parse_judge_output(text: str) -> JudgeResult:
    """Read a GREEN judge's answer into a :class:`JudgeResult` (never raises).

    ``parsed`` is True and ``score`` a number when the matched-findings count
    can be read and, if it is above zero, the significant-errors section too.
    Missing insignificant or explanation sections do not make an answer
    unreadable. Counts may be digits or words; "None"/"No errors" read as 0.
    """
    raw = text if isinstance(text, str) else ("" if text is None else str(text))
    try:
        return _parse(raw)
    except Exception:  # pragma: no cover - defensive: the parser must never crash an evaluation
        return JudgeResult(score=None, matched=None, raw=raw)


def _parse(raw: str) -> JudgeResult:
    text = _clean(raw)
    sections = _sections(text)
    explanation = " ".join(sections.get("Explanation", "").split())
    sig_counts, sig_items = (None, {k: [] for k in LETTERS})
    if "Clinically Significant Errors" in sections:
        sig_counts, sig_items = _parse_errors(sections["Clinically Significant Errors"])
    ins_counts, ins_items = (None, {k: [] for k in LETTERS})
    if "Clinically Insignificant Errors" in sections:
        ins_counts, ins_items = _parse_errors(sections["Clinically Insignificant Errors"])
    matched, matched_items = (None, [])
    if "Matched Findings" in sections:
        matched, matched_items = _parse_matched(sections["Matched Findings"])
    total = sum(sig_counts.values()) if sig_counts is not None else None
    score = green_score(matched, total)
    return JudgeResult(
        score=score,
        matched=matched,
        significant=sig_counts if sig_counts is not None else dict.fromkeys(LETTERS, 0),
        insignificant=ins_counts if ins_counts is not None else dict.fromkeys(LETTERS, 0),
        significant_items=sig_items,
        insignificant_items=ins_items,
        matched_items=matched_items,
        explanation=explanation,
        parsed=score is not None,
        raw=raw,
    )
