"""Is a retrieved guideline snippet about what the question asks? (the review chat's guideline answers)

The semantic search always returns its nearest snippets, even when no installed snippet is about the
question's subject ("how far above the carina should an ETT tip be?" retrieves a nodule snippet). Quoting
those is a wrong answer; the honest one says that no installed snippet covers the subject. A snippet is
about the question when it shares one of the question's key terms (its content words and abbreviations,
not the words of asking: "what", "does", "say", "recommend", "cut-off", ...) with the snippet's text, id
source or keywords, compared by stem (plural, British/American spelling, a word's first letters). The check is
vocabulary-free: no condition or guideline name is listed here.
"""

from __future__ import annotations

import re
from typing import Any

#: words of asking, quantity and time that name no subject of a guideline
_ASKING = frozenset("""
what whats which who whom whose when where why how does did doing done say says said tell told remind explain
mean means meaning should would could can will must may might shall need needs needed want wants is are was
were be been being have has had get gets got make makes made put give gives given use used using go goes
the this that these those there here their them they its it our your you mine my his her and but with
without for from into onto over under above below about between within across per via than then also just
only ever again any anything some each every all both either neither more most less least much many few
number numbers amount far near long high low big small large value values level levels limit limits
cut off cutoff threshold thresholds point points score scores count counts total sit sits lie lies
guideline guidelines recommend recommends recommended recommendation recommendations according criteria
criterion rule rules standard standards definition define defines defined classify classified
classification system scale management manage managed follow followup next step steps
patient patients case cases report reports reported reporting finding findings draft again please quick
question query wondering know check remember rough roughly approx approximately exactly usually typically
generally normally standard usual per cent percent under over yes
grade grades grading graded stage stages staging staged class classes sign signs type types feature features
""".split())
#: the spelling differences a stem ignores (British/American)
_SPELL = ((r"ae", "e"), (r"oe", "e"), (r"our\b", "or"), (r"tre\b", "ter"), (r"ise\b", "ize"))
_TOKEN = re.compile(r"\d+(?:-\d+)+\b|[A-Za-z][A-Za-z0-9]*|\d+[A-Za-z]+[A-Za-z0-9]*")


def _stem(word: str) -> str:
    w = word.lower()
    for a, b in _SPELL:
        w = re.sub(a, b, w)
    for end in ("ies", "es", "s"):
        if len(w) > len(end) + 3 and w.endswith(end) and not w.endswith("ss"):
            w = w[: -len(end)] + ("y" if end == "ies" else "")
            break
    return w


def key_terms(question: str) -> list[str]:
    """The question's key terms as said (content words of 3+ letters, abbreviations of 2+ capitals, words
    with letters and digits such as "pT1c" or "M1"), in order, without the words of asking."""
    out: list[str] = []
    for tok in _TOKEN.findall(question):
        low = tok.lower()
        if low in _ASKING or (len(tok) < 3 and not (tok.isupper() or any(c.isdigit() for c in tok))):
            continue  # "4-2-1" (a numbered rule) is a term; "2" alone is not
        if low not in (t.lower() for t in out):
            out.append(tok)
    return out


def _same(a: str, b: str) -> bool:
    """Two stems are one word: equal, or (long words) one the other's start ("proliferative"/"proliferation")."""
    if a == b:
        return True
    if len(a) >= 6 and len(b) >= 6:
        n = min(len(a), len(b), 8) - 1
        return a[:n] == b[:n]
    return False


def snippet_terms(snippet: Any) -> set[str]:
    """The stems of a snippet's text, id, source and keywords."""
    keywords = " ".join(getattr(snippet, "keywords", None) or [])
    text = f"{snippet.text} {snippet.id} {snippet.id.replace('-', ' ')} {snippet.source} {keywords}"
    return {_stem(t) for t in _TOKEN.findall(text)}


def about(question: str, snippet: Any) -> bool:
    """Does ``snippet`` share a key term of ``question``?"""
    terms = snippet_terms(snippet)
    return any(any(_same(_stem(k), s) for s in terms) for k in key_terms(question))


def relevant(question: str, hits: list[Any]) -> list[Any]:
    """The citations of ``hits`` whose snippet is about the question (the order kept)."""
    return [c for c in hits if about(question, c.snippet)]


def none_covers(question: str) -> str:
    """The reply when no installed snippet is about the question: its subject named, no snippet quoted."""
    terms = key_terms(question)
    subject = " ".join(terms) if terms else "this question"
    return (f"None of the installed guideline snippets covers {subject}; please check the source guideline. "
            "The offline assistant answers only from the installed guideline snippets.")


#: a size asked about as a bound: "a nodule above 8 mm", "under 6 mm", "more than 1 cm", "> 8 mm"
_BOUND = re.compile(r"(?P<op>above|over|beyond|exceeding|more\s+than|larger\s+than|greater\s+than|bigger\s+than|>|"
                    r"under|below|less\s+than|smaller\s+than|<)\s*(?P<v>\d+(?:\.\d+)?)\s*(?P<u>mm|cm)\b", re.I)


def asked_size(question: str) -> float | None:
    """The size (mm) a question asks about when it says it as a bound: just past the bound ("above 8 mm" ->
    8.5, "under 6 mm" -> 5.5), so the snippet whose range holds it is chosen, not the one ending at the bound;
    None when no bound is said."""
    m = _BOUND.search(question[:2000])
    if m is None:
        return None
    v = float(m.group("v")) * (10 if m.group("u").lower() == "cm" else 1)
    below = m.group("op").lower().startswith(("under", "below", "less", "smaller", "<"))
    return v - 0.5 if below else v + 0.5


#: a name the question asks about: an abbreviation ("PICC", "RADS"), a code ("pN2a", "T1c"), a word with a capital
#: inside ("McDonald"), a hyphenated name with capitals ("Lung-RADS"), a capitalised word past the first, or a first
#: word that names a scheme ("Fazekas grade ...")
_NAME = re.compile(r"(?<![\w-])(?:[A-Za-z0-9]+-)*(?:[A-Z]{2,}[A-Za-z0-9]*|[a-z]+[A-Z][A-Za-z0-9]*|[A-Z][a-z]+[A-Z][A-Za-z0-9]*|"
                   r"[A-Za-z]+\d[A-Za-z0-9]*)(?:-[A-Za-z0-9]+)*(?![\w-])|(?<=\w\s)(?<![.?!]\s)[A-Z][a-z]{2,}(?:-[A-Za-z0-9]+)*(?![\w-])"
                   # the first word when it names a scheme ("Fazekas grade for ...", "Breslow thickness ...")
                   r"|^[A-Z][a-z]{2,}(?=\s+(?:grade|grading|score|scale|criteria|classification|category|rule|stage|"
                   r"staging|system|thickness|level|index|sign)\b)")


def _initials(abbr: str, text: str) -> bool:
    """Whether ``abbr`` ("ICDR") is the initials of consecutive words of ``text`` ("International Clinical
    Diabetic Retinopathy")."""
    letters = abbr.lower()
    words = [w.lower() for w in re.findall(r"[A-Za-z]+", text) if w.lower() not in ("of", "the", "and", "for", "in")]
    n = len(letters)
    return n >= 2 and any("".join(w[0] for w in words[i:i + n]) == letters for i in range(len(words) - n + 1))


def _shortens(abbr: str, text: str) -> bool:
    """Whether ``abbr`` ("PTX") is one word of ``text`` cut short ("pneumothorax"): its first letter, the rest
    in order, its last letter among the word's last three."""
    a = abbr.lower()
    if not 2 <= len(a) <= 5:
        return False
    for w in re.findall(r"[a-z]+", text.lower()):
        if len(w) < 2 * len(a) or w[0] != a[0] or a[-1] not in w[-3:]:
            continue
        i = 1
        for c in w[1:]:
            if i < len(a) and c == a[i]:
                i += 1
        if i == len(a):
            return True
    return False


def uncovered_name(question: str, snippets: list[Any]) -> str | None:
    """The first name the question asks about ("Lung-RADS", "pN2a", "PICC") that none of ``snippets`` states
    (by stem, or as the initials of its words), else None: a snippet of another scheme is no answer to it."""
    for name in _NAME.findall(question):
        if name.lower() in _ASKING:
            continue
        parts = [p for p in re.split(r"-", name) if p and p.lower() not in _ASKING]
        # a part of a name that is an ordinary word ("Lung" of "Lung-RADS") says nothing alone
        strong = [p for p in parts if not re.fullmatch(r"[A-Z]?[a-z]+", p)] or parts

        def stated(part: str, s: Any) -> bool:
            text = f"{s.text} {s.source} {' '.join(getattr(s, 'keywords', None) or [])}"
            return any(_same(_stem(part), t) for t in snippet_terms(s)) or (part.isupper() and (
                _initials(part, text) or _shortens(part, text)))

        if not any(all(stated(p, s) for p in strong) for s in snippets):
            return name
    return None
