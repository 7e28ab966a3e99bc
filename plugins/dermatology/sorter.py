"""Skin lesion region sorter: which regions of the ``skin_lesion`` template a sentence talks about.

Regions: ``morphology`` (primary morphology and shape), ``size``, ``color``,
``border``, ``surface``, ``distribution_site`` (distribution, arrangement and
body site), ``dermoscopy`` (dermoscopic structures and patterns) and
``others`` (history, symptoms, surrounding skin, nodes, photographs, anything
with no lesion attribute).

Method: the kit's :class:`~pixtralogist.kit.Scanner` over the ordered rules of
``data/lexicon/skin_lesion.yaml`` (earlier rules win where matches overlap, so
"blue-whitish veil" is dermoscopy, not a colour). Labelling decisions applied
consistently:

* the lexicon's ``decide`` words settle a sentence outright: one that names
  dermoscopy ("Dermoscopy shows ...") is dermoscopy only (what it describes is
  the dermoscopic appearance), one about lymph nodes is *others*;
* generic lesion nouns (lesion, mole, naevus) and change over time
  ("growing", "changed") count only when nothing more specific is said
  ("The lesion measures 6 mm." is size; "Changing mole." is *others*);
* a sentence with no vocabulary word is *others*.

Multi-region sentences are rewritten so each region gets its part:
"6 mm asymmetric pigmented macule on the left upper back with irregular
borders and no ulceration." -> size "Measures 6 mm.", morphology "Asymmetric
macule.", color "Pigmented.", distribution_site "On the left upper back.",
border "Irregular borders.", surface "No ulceration.". A leading negation is
distributed over a list ("No ulceration or irregular border." -> "No
ulceration." + "No irregular border."), a leading hedge is kept on every part
("Possible ..."). Parts never lose the words that negate or hedge them; the
drafter additionally checks that no part claims more than its sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pixtralogist.core.text import clean_text, split_sentences
from pixtralogist.kit import Scanner
from pixtralogist.plugins.dermatology.lexicon import LEXICON, WORDS, pattern

__all__ = ["REGIONS", "Classification", "SkinLesionSorter", "classify_rules", "decompose", "scan"]

REGIONS: tuple[str, ...] = LEXICON.regions
_ORDER = {r: i for i, r in enumerate(REGIONS)}
_OTHERS = frozenset({"others"})


@lru_cache(maxsize=1)
def _scanner() -> Scanner:
    # the lexicon's words are whole words: each rule ends at a word boundary
    return Scanner([(tag, rf"(?:{p})(?![\w])") for tag, p in LEXICON.sorter_rules])


#: "non-" before a word denies it ("non-itchy", "non tender"): the prefix is part of the word's match, never a loose word
_NON_BEFORE = re.compile(r"(?<![\w-])non[- ]?$", re.I)


def _matches(text: str) -> list[tuple[str, int, int]]:
    """``(tag, start, end)`` of every rule that fires on ``text`` (matched lower-cased, positions in ``text``); a
    "non-" right before a match is part of it."""
    out = []
    for tag, hit, start in _scanner().hits(text.lower()):
        non = _NON_BEFORE.search(text[max(0, start - 4):start])
        out.append((tag, start - len(non.group()) if non else start, start + len(hit)))
    return out


_DECIDE = tuple((region, re.compile(p, re.I)) for region, p in LEXICON.data["decide"])


def scan(sentence: str) -> list[tuple[str, str]]:
    """The rules that fire on ``sentence``, in order: ``[(tag, matched text), ...]``."""
    return [(tag, sentence[s:e]) for tag, s, e in _matches(sentence or "")]


@dataclass(frozen=True)
class Classification:
    """Why a sentence got its regions: ``source`` is 'decide', 'rules', 'weak-rules' or 'default'."""

    regions: frozenset[str]
    source: str
    evidence: tuple[tuple[str, str], ...] = ()


def classify_rules(sentence: str) -> Classification:
    """The regions of one sentence (never empty)."""
    for region, rx in _DECIDE:
        if rx.search(sentence or ""):
            return Classification(frozenset({region}), "decide")
    hits = scan(sentence)
    strong = {tag for tag, _ in hits if not tag.startswith("weak:")}
    if "distribution_site" not in strong and _loose_side(sentence or ""):
        # a side names a body site even when the site's word is not in the lexicon ("R infrascapular")
        strong.add("distribution_site")
        hits = hits + [("distribution_site", _loose_side(sentence or ""))]
    if strong and "distribution_site" not in strong and _loose_place(sentence or ""):
        # a place word opens a body site the lexicon does not know ("erythema over the zorvic crest")
        strong.add("distribution_site")
        hits = hits + [("distribution_site", _loose_place(sentence or ""))]
    if strong:
        return Classification(frozenset(strong), "rules", tuple(hits))
    weak = {tag[5:] for tag, _ in hits if tag.startswith("weak:")}
    if weak:  # "Changing mole." is history (others); "Benign-looking naevus." is morphology
        return Classification(frozenset({"others"} if "others" in weak else weak), "weak-rules", tuple(hits))
    return Classification(_OTHERS, "default", tuple(hits))


# --- rewriting multi-region sentences ---------------------------------------------------------

_NEG_LEAD = re.compile(r"^\s*(?:no|without|negative for|absence of|absent|nil)\b\s*", re.I)
_HEDGE_LEAD = re.compile(
    r"^\s*(?:(possible|possibly|probable|probably|likely|questionable|suspected|query|\?)\s*)", re.I
)
_REWRITE = LEXICON.data["rewrite"]
_CONNECTOR = pattern("rewrite", "connector")
_LEAD_WORD = pattern("rewrite", "lead_word")
_ARTICLE = re.compile(r"^(?:a|an|the|some)\s+", re.I)
_SITE_MODIFIERS = re.compile(f"(?:{_REWRITE['site_modifiers']})$", re.I)
_MODIFIERS = re.compile(f"(?:{_REWRITE['modifiers']})$", re.I)
_UNHEDGED = frozenset(_REWRITE["unhedged_regions"])
_SHAPE = re.compile("(?:" + "|".join(WORDS["shape"]) + ")", re.I)
#: an arrangement word ("scattered", "diffuse", "multiple"), not a body site
_ARRANGEMENT = re.compile("(?:" + "|".join(WORDS["distribution"]) + ")", re.I)
_SURFACE_ADJ = frozenset(_REWRITE["surface_adjectives"])


def _cap(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text


def _end(text: str) -> str:
    text = text.strip().rstrip(",;: ")
    if not text:
        return text
    return text if text[-1] in ".!?" else text + "."


def _regions_of(text: str) -> frozenset[str]:
    return classify_rules(text).regions


#: a size that opens a size phrase ("5 mm", "about 7 x 5 mm")
_SIZE_LEAD = re.compile(r"^(?:approximately |about |up to )?\d+(?:\.\d+)?(?:\s*(?:x|by)\s*\d+(?:\.\d+)?)*\s*(?:mm|cm)\b",
                        re.I)


def _render(region: str, words: list[str], prep: str = "") -> str:
    phrase = " ".join(w for w in words if w).strip()
    if not phrase:
        return ""
    if region == "size":
        size = _SIZE_LEAD.match(phrase)
        rest = phrase[size.end():].strip(" ,;") if size else ""
        if rest and not re.match(r"(?:x|by|in|across|diameter|wide|long|from|of|to|at|with|\w+ing)\b", rest, re.I) \
                and not re.search(r"\b(?:which|that|is|are|was|were|and|may|measures?|measuring)\b", rest, re.I):
            # "5 mm nodular basal cell carcinoma": what it is first, then its size ("Measures 5 mm nodular ..." is no
            # sentence)
            return _end(f"{_cap(rest)}, {size.group().strip()}")
        if re.match(r"^(?:approximately |about |up to )?\d", phrase, re.I):
            return _end(f"Measures {phrase[:1].lower() + phrase[1:] if not phrase[:1].isdigit() else phrase}")
        return _end(_cap(phrase))
    if region == "distribution_site" and prep:
        return _end(f"{_cap(prep)} {phrase}")
    if region == "surface" and phrase.lower() in _SURFACE_ADJ:
        return _end(f"{_cap(phrase)} surface")
    return _end(_cap(phrase))


_SIDE = re.compile(r"\b(?:left|right|bilateral(?:ly)?)\b", re.I)


def _loose_side(text: str) -> str:
    """The first side word ("left", "right", "bilateral") no lexicon rule has consumed, or ""."""
    taken = [(s, e) for _, s, e in _matches(text)]
    for m in _SIDE.finditer(text):
        if not any(s <= m.start() < e for s, e in taken):
            return m.group()
    return ""


#: the lead words a body site keeps ("On the left shin.", "Over the zorvic crest.")
_SITE_LEADS = ("on", "over", "overlying", "at", "around", "involving", "affecting")
_PLACE_LEAD = re.compile(rf"\b{_REWRITE['place_leads']}\s+", re.I)
_PLACE_NOT = re.compile(_REWRITE["place_not"], re.I)
#: where a place phrase ends: a stop, a bracket or the word that opens the next part
_PLACE_END = re.compile(r"[,;.()]|\s(?:with|without|and|but|measuring|which|that)\b", re.I)


def _loose_place(text: str) -> str:
    """A place phrase whose words no rule of another region claims ("over the zorvic crest", "involving the
    blorvic folds"): the body site, even when the lexicon does not know the site; "" when there is none or
    it is a time ("over 4 days", "over the past year")."""
    matches = _matches(text)
    for m in _PLACE_LEAD.finditer(text):
        if any(s <= m.start() < e for _, s, e in matches):
            continue
        end = _PLACE_END.search(text, m.end())
        stop = end.start() if end else len(text)
        words = text[m.end():stop].strip()
        if not re.search(r"[^\W\d_]{2}", words) or _PLACE_NOT.search(words):
            continue
        if any(t != "distribution_site" and s < stop and e > m.end() for t, s, e in matches):
            continue
        return text[m.start():stop].strip()
    return ""


#: words that may open a body site before its side ("just below the right knee", "tip of the left index finger")
_NOT_A_LESION = re.compile(r"\b(?:of|on|in|at|to|from|under|over|near|by|between|behind|below|above|the|a|an|and|or|both|"
                           r"side|sided|aspect|area|region|part|tip|edge|border|surface|whole|entire|all)\b", re.I)


def _modifies_site(words: str) -> bool:
    """Whether ``words`` end with a part of a site or a degree ("medial", "upper", "slightly") said before its side."""
    return any(m and m.group().strip() for m in (_SITE_MODIFIERS.search(words + " "), _SITE_MODIFIERS.search(words),
                                                  _MODIFIERS.search(words + " ")))


def _lead_before_side(sentence: str) -> str:
    """The words before the first side word of a body-site sentence when no rule claims them and they are no part of
    a site ("Zorvic right thigh" -> "Zorvic"; not "Tip of the right index finger", "Medial right knee"): one to three
    words, which name the lesion dictated before where it is. "" when there are none."""
    text = sentence.strip()
    side = _SIDE.search(text)
    if not side or side.start() == 0:
        return ""
    lead = text[:side.start()].strip(" ,;:")
    if not lead or len(lead.split()) > 3 or not re.fullmatch(r"[^\W\d_]+(?:[- ][^\W\d_]+)*", lead) \
            or _NOT_A_LESION.search(lead) or _modifies_site(lead) \
            or any(s < side.start() for _, s, _ in _matches(text)):
        return ""
    return text[:side.start()].strip(" ,;:")


def _site_words(gap: str) -> str:
    """The words of an unclaimed gap from its first side word on ("right infrascapular"), or ""."""
    m = _SIDE.search(gap)
    if not m or re.search(r"[,;]", gap[m.start():]):
        return ""
    return gap[m.start():].strip()


#: A word or a count no rule claimed ("monomorphic", the "20" of "20 brown macules"): kept with the lesion.
_LOOSE_WORD = re.compile(r"[~>]?\d+(?:\.\d+)?\+?(?![\w.])|[^\W\d_]+(?:-[^\W\d_]+)*")
#: Words of a gap that join parts and describe nothing themselves.
_GLUE = frozenset("a an the and or with of on in at to per by for from as is are was were it its this that "
                  "which also both side sided".split())


def _names_site(text: str) -> bool:
    """Whether ``text`` names a body site or a side (not only an arrangement such as "scattered")."""
    return any(t == "distribution_site" and not _ARRANGEMENT.fullmatch(text[a:b]) for t, a, b in _matches(text)) \
        or bool(_SIDE.search(text))


def _split_words(chunk: str, sited: bool = True) -> dict[str, list[str]] | None:
    """A chunk naming several regions ('6 mm asymmetric pigmented macule left upper back') split by word.

    A side with words the lexicon does not know ("right infrascapular") is still the body site: the
    unclaimed words from the side on go to ``distribution_site``, never dropped."""
    out: dict[str, list[str]] = {}
    pos = 0
    matches = _matches(chunk)
    if not matches:
        return None
    strong = {t for t, _, _ in matches if not t.startswith("weak:")}
    # "scattered papules", "diffuse erythema": in a sentence that names no body site (``sited`` false), the
    # distribution is the arrangement with what it arranges ("Scattered papules."), never a bare "Scattered."
    arrangement = ""
    arranged: tuple[str, int] | None = None  # the part right after the arrangement words
    last: str | None = None
    loose: list[tuple[int, str]] = []  # (where, word) of words no rule claimed
    first: dict[str, int] = {}  # where each region's first part starts
    for tag, start, end in matches:
        region = tag[5:] if tag.startswith("weak:") else tag
        if (region == "distribution_site" and not sited and _ARRANGEMENT.fullmatch(chunk[start:end])
                and any(b > end and t != "distribution_site" for t, _, b in matches)):
            arrangement += chunk[pos:end].strip().lstrip(":;,- ") + " "  # "2 weeks: multiple ...": not the colon
            pos = end
            continue
        if tag == "weak:morphology" and strong and region not in strong:
            pos = end  # a generic noun ("lesion") beside specific words is their subject, not a statement
            last = None
            continue
        if tag.startswith("weak:") and region not in strong:
            region = next(iter(sorted(strong, key=_ORDER.__getitem__)), region) if tag == "weak:others" else region
        gap = chunk[pos:start]
        if region == last and out.get(region) and 0 < len(gap.split()) <= 2 and not re.search(r"[,;]", gap) \
                and not _SIDE.search(gap):
            # words between two parts of one region belong to it ("flat-topped papules", "soft ... papule")
            out[region][-1] = (out[region][-1] + gap + chunk[start:end]).strip()
            pos = end
            continue
        last = region
        pre = ""
        if region == "distribution_site":
            mm = _SITE_MODIFIERS.search(gap)
            pre = mm.group(0) if mm else ""
            pre = _site_words(gap) + " " if _site_words(gap) and len(_site_words(gap)) > len(pre.strip()) else pre
        else:
            site = _site_words(gap)
            if site:
                out.setdefault("distribution_site", []).append(site)
                gap = ""
        rest = gap[: len(gap) - len(pre)] if pre else gap
        mm2 = _MODIFIERS.search(rest)
        if mm2:
            pre = mm2.group(0) + pre
            rest = rest[: mm2.start()]
        side = _SIDE.search(rest) if region == "distribution_site" else None
        rest = rest[: side.start()] if side else rest  # the side and what follows it are the body site
        loose += [(pos, w) for w in _LOOSE_WORD.findall(rest) if w.lower() not in _GLUE]
        first.setdefault(region, start)
        out.setdefault(region, []).append((pre + chunk[start:end]).strip())
        if arrangement and arranged is None:
            arranged = (region, len(out[region]) - 1)
        pos = end
    tail = _site_words(chunk[pos:])
    if tail:
        out.setdefault("distribution_site", []).append(tail)
    else:  # words after the last part ("8 mm post piercing") are kept too
        loose += [(pos, w) for w in _LOOSE_WORD.findall(chunk[pos:]) if w.lower() not in _GLUE]
    if loose:
        # words no rule knows ("monomorphic") describe the lesion: they stay with its noun, never dropped,
        # before it or after it as dictated ("monomorphic macules", "lentigo maligna")
        home = "morphology" if out.get("morphology") else next(iter(out))
        at_home = first.get(home, 0)  # a body site from a side word has no rule match of its own
        before = " ".join(w for at, w in loose if at <= at_home)
        after = " ".join(w for at, w in loose if at > at_home)
        if before:
            out[home][0] = f"{before} {out[home][0]}"
        if after:
            out[home][-1] = f"{out[home][-1]} {after}"
    if arrangement and arranged is not None:
        # the distribution says what is arranged so ("Scattered papules."; the lesion noun's part if there is one)
        region, k = ("morphology", 0) if out.get("morphology") else arranged
        out.setdefault("distribution_site", []).append(f"{arrangement}{out[region][k][:1].lower()}{out[region][k][1:]}")
    return out


_SECONDARY = re.compile(_REWRITE["secondary_lesions"], re.I)
_ON_THE_LESION = re.compile(_REWRITE["secondary_positions"], re.I)


def _secondary_lesion(body: str, regions: frozenset[str]) -> bool:
    """Whether a part names a secondary lesion placed on the lesion ("central eschar", "satellite erosion") with its own
    size, and no primary lesion."""
    return "size" in regions and "surface" in regions and "morphology" not in regions and bool(_SECONDARY.search(body)) \
        and bool(_ON_THE_LESION.search(body))


def _secondary_with_own_place(chunks: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A bare side or site part ("on left") right after a secondary lesion with its size joins that lesion's part."""
    out: list[tuple[str, str]] = []
    for lead, body in chunks:
        if out and lead in _SITE_LEADS and classify_rules(body).regions == {"distribution_site"}:
            plead, pbody = out[-1]
            if _secondary_lesion(pbody, classify_rules(pbody).regions):
                out[-1] = (plead, f"{pbody} {lead} {body}")
                continue
        out.append((lead, body))
    return out


def decompose(sentence: str) -> dict[str, list[str]] | None:
    """Region parts of a multi-region sentence, or ``None`` when it cannot be split safely."""
    text = clean_text(sentence).strip().rstrip(".!")
    if not text:
        return None
    hedge = ""
    hm = _HEDGE_LEAD.match(text)
    if hm:
        hedge = "Possible" if hm.group(1) in ("?", "query") else _cap(hm.group(1))
        text = text[hm.end():]
    neg = _NEG_LEAD.match(text)
    if neg:
        items = [i.strip() for i in re.split(r"\s*,\s*|\s+(?:or|nor|and)\s+", text[neg.end():]) if i.strip()]
        parts: dict[str, list[str]] = {}
        for item in items:
            regions = _regions_of(item)
            region = min(regions, key=_ORDER.__getitem__)
            parts.setdefault(region, []).append(item)
        return {r: [_end(f"No {' or '.join(v)}")] for r, v in parts.items()}

    chunks: list[tuple[str, str]] = []  # (lead word, body)
    also: set[int] = set()  # the chunks said after "also"
    for raw in _CONNECTOR.split(text):
        raw = raw.strip()
        if not raw:
            continue
        lm = _LEAD_WORD.match(raw)
        lead, body = (lm.group("w").lower(), raw[lm.end():]) if lm else ("", raw)
        if not body:
            continue
        if chunks and not lead and body.lower() == "also":
            also.add(len(chunks))  # "..., also on the neck": the next part is more of where, not a part of its own
            continue
        chunks.append((lead, body))

    if also and len(_secondary_with_own_place(chunks)) != len(chunks):
        also = set()  # (chunks joined: where "also" stood is not known any more)
    chunks = _secondary_with_own_place(chunks)
    parts = {}
    last_region: str | None = None
    sited = _names_site(text)
    for k, (lead, body) in enumerate(chunks):
        negated = lead in ("without", "and no") or bool(_NEG_LEAD.match(body))
        body = _NEG_LEAD.sub("", body) if negated else body
        with_article = body
        body = _ARTICLE.sub("", body)
        found = classify_rules(body)
        regions = found.regions
        if (found.source == "default" and not negated and _PLACE_LEAD.fullmatch(lead + " ")
                and _loose_place(f"{lead} {with_article}")):
            # "over the zorvic crest": a place the lexicon does not know is still where the lesion is
            place = _render("distribution_site", [with_article], lead)
            parts.setdefault("distribution_site", []).append(f"also {place[:1].lower()}{place[1:]}" if k in also else place)
            last_region = "distribution_site"
            continue
        if (found.source == "default" and not negated and last_region and lead not in ("and", "")
                and parts.get(last_region)):
            # a place or manner with no lesion word of its own describes the part before it:
            # "irregular streaks at the periphery", "papules over the area"
            prev = parts[last_region][-1].rstrip(".")
            parts[last_region][-1] = _end(f"{prev}{', also' if k in also else ''} {lead} {with_article}")
            continue
        if (len(regions) == 1 and not negated and lead not in ("and", "") and last_region in regions
                and parts.get(last_region) and found.source != "default"):
            # "compared with photograph", "brown with grey areas": a part of the same region keeps its
            # link word to the part before it (never "Compared and photograph"); "on the chest, also on the back"
            prev = parts[last_region][-1].rstrip(".")
            parts[last_region][-1] = _end(f"{prev}{', also' if k in also else ''} {lead} {with_article}")
            continue
        if len(regions) == 1 or negated:
            region = min(regions, key=_ORDER.__getitem__)
            if found.source == "default" and last_region and lead in ("and", ""):
                region = last_region  # an unmatched tail ("... and lightly", "... to the touch") stays put
            if negated:
                rendered = _end(f"No {body}")
            elif region == "distribution_site" and lead in _SITE_LEADS:
                rendered = _render(region, [with_article], lead)
            else:
                rendered = _render(region, [body])
            parts.setdefault(region, []).append(rendered)
            last_region = region
            continue
        if not negated and _secondary_lesion(body, regions):
            # "central black necrotic eschar 3 cm on left": the secondary lesion keeps its own size and side
            parts.setdefault("surface", []).append(_render("surface", [body]))
            last_region = "surface"
            continue
        split = _split_words(body, sited)
        if not split:
            return None
        for region in sorted(split, key=_ORDER.__getitem__):
            prep = lead if region == "distribution_site" and lead in ("on", "over", "overlying", "at", "around") else ""
            parts.setdefault(region, []).append(_render(region, split[region], prep))
            last_region = region

    # merge the parts of each region into one statement ("Tan." + "Dark brown." -> "Tan and dark brown.")
    merged: dict[str, list[str]] = {}
    for region, texts in parts.items():
        texts = [t for t in texts if t]
        if not texts:
            continue
        if len(texts) > 1 and all(not t.lower().startswith("no ") for t in texts):
            bodies = [t.rstrip(".") for t in texts]
            single = region == "morphology" and all(_SHAPE.fullmatch(b) for b in bodies[1:])
            sep = ", " if region == "distribution_site" or single else " and "  # "Patches, symmetrical."
            joined = bodies[0] + "".join(f"{sep}{b[:1].lower() + b[1:]}" for b in bodies[1:])
            texts = [_end(joined)]
        merged[region] = texts
    if hedge:  # the hedge belongs to the findings, not to where they are or how big
        merged = {r: ts if r in _UNHEDGED else [f"{hedge} {t[:1].lower()}{t[1:]}" for t in ts]
                  for r, ts in merged.items()}
    return merged or None


class SkinLesionSorter:
    """:class:`~pixtralogist.core.protocols.RegionSorter` for the ``skin_lesion`` template (rules only)."""

    regions: tuple[str, ...] = REGIONS

    def explain(self, sentence: str) -> Classification:
        return classify_rules(sentence)

    def classify(self, sentence: str) -> frozenset[str]:
        return classify_rules(sentence).regions

    def rewrite(self, sentence: str) -> dict[str, str]:
        """``{region: text}`` for one sentence: itself for one region, its parts for several."""
        regions = self.classify(sentence)
        if regions == {"distribution_site"}:
            lead = _lead_before_side(sentence)
            if lead:  # "Zorvic right thigh": what is there, then where (a descriptor never leads a site sentence)
                return {"morphology": _end(_cap(lead)), "distribution_site": _end(_cap(sentence.strip()[len(lead):].strip()))}
        if len(regions) == 1:
            return {next(iter(regions)): _end(_cap(sentence.strip()))}
        parts = decompose(sentence)
        if not parts:
            first = min(regions, key=_ORDER.__getitem__)
            return {first: _end(_cap(sentence.strip()))}
        return {r: " ".join(v) for r, v in parts.items()}

    def sort(self, text: str) -> dict[str, str]:
        out: dict[str, list[str]] = {r: [] for r in REGIONS}
        for sentence in split_sentences(clean_text(text or "")):
            for region, part in self.rewrite(sentence).items():
                out[region if region in out else "others"].append(part)
        return {r: " ".join(v) for r, v in out.items()}
