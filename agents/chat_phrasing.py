"""Families of plain-English phrasing rewritten to the forms the chat's edit reader knows.

A clinician says "take the congestion out", "I don't need the azygos fissure in the report", "leave the
mastoid fluid out", "the scar can go": each is the removal "remove ...". "call it X in the impression", "in the
impression, call the mass X", "the impression should read X": each puts X into the impression. "measured it
again, it's 22 mm across": the lead clause is no part of the edit. The families are whole phrase shapes (verb +
object + particle, a wish, a "can go"), never a benchmark row's words; each rewrite keeps the object as said, so
the reader still finds the finding (or refuses) exactly as for the plain form. ``canonical`` never invents an
object: a rewrite only fires when the shape has one.
"""

from __future__ import annotations

import re

#: a phrasal removal whose particle follows the object: "take the X out", "get X out of there", "cut X out"
_PARTICLE_OUT = re.compile(
    r"^(?:please\s+)?(?:take|get|leave|cut|pull|strip|knock|chop|edit|rip|keep)\s+(?P<x>.+?)\s+(?:out|off)"
    r"(?:\s+of\s+(?:(?:the|this|my|your)\s+)?(?P<where>[\w /-]+?))?$", re.I)
#: places that are the whole report, not a region: "out of there", "out of the report"
_WHOLE = frozenset("there here it this that report draft findings text reading dictation".split())
#: a wish not to have it: "I don't need X (in the report)", "we don't want X", "no need for X", "don't mention X"
_NOT_WANTED = re.compile(
    r"^(?:(?:i|we)\s+(?:do\s+not|don['\u2019]?t)\s+(?:need|want)(?:\s+to\s+(?:mention|report|include|see))?|"
    r"(?:there(?:['\u2019]s|\s+is)\s+)?no\s+need\s+(?:for|to\s+(?:mention|report|include))|"
    r"(?:do\s+not|don['\u2019]?t)\s+(?:mention|report|include))\s+(?P<x>.+?)"
    r"(?:\s+(?:in|into|from)\s+(?:(?:the|this|my)\s+)?(?P<where>[\w /-]+?))?$", re.I)
#: "X can go", "X should go", "X needs to go", "X isn't needed", "X is not necessary"
_CAN_GO = re.compile(r"^(?P<x>.+?)\s+(?:can|should|could|has\s+to|needs\s+to|must)\s+go(?:\s+away)?$"
                     r"|^(?P<y>.+?)\s+(?:is|are)(?:\s+not|n['\u2019]?t)\s+(?:needed|necessary|relevant|required|"
                     r"worth\s+mentioning)$", re.I)
#: the impression as the place of a naming: "call it X in the impression", "in the impression call the mass X"
_IMP = r"(?:the\s+)?(?:impression|conclusion|summary)"
_NAME_VERB = r"(?:call|name|label|term|describe|report|list|diagnose|put\s+down|write\s+up|call\s+out)"
_CALL_IN_IMP = re.compile(
    rf"^(?:please\s+)?{_NAME_VERB}\s+(?P<y>it|this|that|them|these|(?:the|this|that)\s+[\w -]+?)\s+(?:as\s+)?"
    rf"(?P<x>.+?)\s+(?:in|for)\s+{_IMP}$"
    rf"|^(?:in|for)\s+{_IMP}\s*[,:;-]?\s*(?:please\s+)?{_NAME_VERB}\s+(?P<y2>it|this|that|them|these|"
    rf"(?:the|this|that)\s+[\w -]+?)\s+(?:as\s+)?(?P<x2>.+)$", re.I)
#: "in the impression (please) put/say/write/add X", "the impression should say X", "impression should read X"
_SAY_IN_IMP = re.compile(
    rf"^(?:in|for)\s+{_IMP}\s*[,:;-]?\s*(?:please\s+)?(?:put|say|write|add|state|give|use|include|have)\s+"
    rf"(?:that\s+)?(?P<x>.+)$"
    rf"|^{_IMP}\s+(?:should|must|needs\s+to|ought\s+to)\s+(?:say|read|state|be|include)\s+(?:that\s+)?(?P<x2>.+)$",
    re.I)
#: the impression as the place of an addition: "add X to the impression", "add to impression: X"
_ADD_TO_IMP = re.compile(
    rf"^(?:please\s+)?(?:add|include|insert|append|write|put)\s+(?:to|in|into)\s+{_IMP}\s*[,:;-]?\s*(?P<x>.+)$"
    rf"|^(?:please\s+)?(?:add|include|insert|append)\s+(?P<x2>.+?)\s+(?:to|in|into)\s+{_IMP}$", re.I)
#: a reason after a removal naming who does not want it: "..., cardiology doesn't want it in", "..., not needed"
_NOT_WANTED_REASON = re.compile(
    r"\s*[,;-]+\s*(?:(?:the\s+)?[a-z][\w /-]{0,30}?\s+(?:does\s*n['\u2019]?t|do\s*n['\u2019]?t|does\s+not|do\s+not|"
    r"wo\s*n['\u2019]?t|will\s+not)\s+(?:want|need|like|care\s+about|use)\s+(?:it|that|this|them)"
    r"(?:\s+(?:in|there|here|mentioned|reported|in\s+(?:the\s+)?(?:report|draft)))?"
    r"|(?:(?:it|that|this)(?:['\u2019]s|\s+is)\s+)?not\s+(?:needed|relevant|wanted|necessary|important|required))\s*[.!]*$",
    re.I)
#: a word that opens an interpretation of a finding: "suspicious for ...", "consistent with ..."
_INTERPRETS = re.compile(r"^(?:suspicious|concerning|worrisome|consistent|compatible|in\s+keeping|likely|probably|"
                         r"probable|possible|possibly|representing|suggestive|typical|characteristic|diagnostic)\b",
                         re.I)
#: where the clinician saw it: "on the coronal", "on the unenhanced series", "on deeper levels", "on my remeasure"
_WHERE_SEEN = (r"(?:on|in)\s+(?:(?:the|my|our|a)\s+)?(?:[\w-]+\s+){0,2}?(?:series|sequences?|images?|views?|windows?|phase|"
               r"reconstructions?|recons?|reformats?|coronals?|sagittals?|axials?|levels|sections|slides?|stains?|"
               r"re-?measure(?:ment)?s?|re-?review|review|second\s+look|re-?look|recuts?|dwi|adc|flair|swi|stir|gre|t1|t2|"
               r"(?:lung|bone|soft[- ]tissue)\s+windows?|ihc|immunos?)")
#: the same opening the edit with no comma: "on the unenhanced series the adrenal nodule measures 6 HU"
_WHERE_SEEN_LEAD = re.compile(r"^" + _WHERE_SEEN + r"(?:\s*[,;:-]+\s*|\s+(?=(?:the|a|an|it|there|this|that|they|its|"
                              r"no)\b))", re.I)
#: the same said after the edit: "the RV/LV is 1.3 on my remeasure"
_WHERE_SEEN_TAIL = re.compile(r"\s*,?\s+" + _WHERE_SEEN + r"\s*[.!]*$", re.I)
#: a clause before the edit that says only how the clinician knows it: "measured it again, ...", "on review, ..."
_HOW_KNOWN = re.compile(
    r"^(?:(?:i(?:['\u2019]ve|\s+have)?\s+)?(?:re-?)?(?:measured|checked|looked\s+at|reviewed|re-?read|re-?examined|"
    r"remeasured|rechecked|double[- ]checked)(?:\s+(?:it|that|this|them|the\s+images?|the\s+scan|the\s+slides?))?"
    r"(?:\s+(?:again|more\s+closely|properly))?(?:\s+" + _WHERE_SEEN + r")?"
    r"|" + _WHERE_SEEN +
    r"|(?:looking|having\s+looked)(?:\s+(?:again|more\s+closely|at\s+it\s+again|at\s+it))?"
    r"|on\s+(?:re-?)?(?:review|measurement|inspection|reflection|second\s+look|closer\s+inspection))"
    r"\s*[,;:-]+\s*(?=\S)", re.I)


#: a region's value said as an assignment: "put UIQ as the site", "use 2 cm for the size", "record UIQ as site";
#: "site: UIQ"
_AS_REGION = re.compile(r"^(?:please\s+)?(?:put|use|have|enter|record|list|give|write|set|mark|take)\s+"
                        r"(?P<v>.+?)\s+(?:as|for)\s+(?:the\s+)?(?P<r>[a-z][\w /-]*?)$", re.I)
_FIELD = re.compile(r"^(?P<r>[a-z][a-z /-]{1,30}?)\s*[:=]\s*(?P<v>.+)$", re.I)
#: everyday words for a region's subject that a template names otherwise ("the edge is irregular": the border)
REGION_SYNONYMS = {"edge": "border", "edges": "border", "outline": "border", "contour": "border",
                   "location": "site", "position": "site", "dimension": "size", "dimensions": "size",
                   "measurement": "size", "diameter": "size", "shade": "color", "hue": "color", "pigmentation": "color"}
_SUBJECT = re.compile(r"^(?P<the>(?:the|its|it['\u2019]s)\s+)?(?P<w>[a-z]+)(?=\s+(?:is|are|was|were|looks?|seems?|appears?)\b)",
                      re.I)
#: a reason given after the edit, no part of it: "it's lobular - E-cadherin negative", "... because of the margins"
_REASON = re.compile(r"\s+(?:[-\u2013\u2014]+|,?\s*(?:because|since|given|as\s+(?:evidenced|shown)\s+by))\s+(?P<why>[^\d]+)$",
                     re.I)
#: what the clinician concludes after saying why: "..., so it's both eyes", "...; therefore it is the left side"
_CONCLUSION = re.compile(r"\s*[,;]?\s+(?:so|therefore|hence|which\s+means)\s+(?P<c>(?:it|that|this|they|these|the)"
                         r"(?:['\u2019]s|\s).+)$", re.I)
#: a conclusion that only gives a status to what the reason named: "..., so it is present", "..., so that's positive"
_ANAPHOR_STATUS = re.compile(r"^(?:it|that|this|they)(?:['\u2019]s|['\u2019]re|\s+is|\s+are|\s+was|\s+were)\s+"
                             r"(?P<v>(?:not\s+)?(?:present|positive|negative|absent|identified|involved|seen|detected))$",
                             re.I)
#: what a reason clause shows: "deeper levels show LVI", "IHC confirms lymphovascular invasion", "the recuts have PNI"
_SHOWN = re.compile(r"\b(?:shows?|showed|shown|demonstrates?|demonstrated|reveals?|revealed|confirms?|confirmed|has|have|"
                    r"had|see|saw|found|finds?|there\s+is|there['\u2019]s)\s+(?:(?:an?|the|some|definite|clear|focal|"
                    r"unequivocal|obvious)\s+)?(?P<x>[a-z][\w/-]*(?:\s+[a-z][\w/-]*){0,3})$", re.I)
#: words that are no part of a finding's name (the reason goes on: "shows it in two places", "ITCs in one node")
_NOT_NAME_END = frozenset("it them this that these those here there again too also now in on at of with".split())


def _concluded(reason: str, conclusion: str) -> str:
    """The edit of "<reason>, so <conclusion>": the conclusion; "it is present" after a reason that shows a finding
    ("deeper levels show LVI, so it is present") is said of that finding ("LVI is present")."""
    if (c := _ANAPHOR_STATUS.match(conclusion)) and (r := _SHOWN.search(reason.strip(" ,;"))) \
            and not set(r.group("x").lower().split()) & _NOT_NAME_END:
        return f"{r.group('x')} is {c.group('v')}"
    return conclusion


#: a value said as nearer the truth than the draft's: "closer to 9 mm", "more like 1.2 cm", "nearer 2 mm"
_APPROX = re.compile(r"\b(?:closer|nearer)(?:\s+to)?\s+(?=~?\d)|\bmore\s+like\s+(?=~?\d)", re.I)
#: a number said as a size with no unit: "the aorta measures 4.8 today", "the nodule is now 9"
_BARE_SIZE = re.compile(r"\b(?P<verb>measures?|measuring|measured|is\s+now|now|size\s+(?:is|of)|diameter\s+(?:is|of))\s+"
                        r"(?:about\s+|approximately\s+|~\s*)?(?P<n>\d+(?:\.\d+)?)\b(?!\s*(?:%|/|(?:mm|cm|m|x|by|of|o['\u2019]?clock|hu|hounsfield|ml|cc|mmhg|degrees?|bpm|suv|units?|mls?|"
                        r"g|kg|mg|per\s*cent|percent)\b))"
                        r"(?![\d./%])", re.I)
_UNIT_IN = re.compile(r"\d(?:\.\d+)?\s*(mm|cm)\b", re.I)


def with_unit(text: str, sentences: list[str], shares: "callable") -> str:
    """``text`` with a size said with no unit ("measures 4.8") given the unit of the draft's sentences that
    ``shares`` words with it (when none does, of every sentence of the draft), when they all state sizes in one
    unit; else as it is (never a guessed unit)."""
    m = _BARE_SIZE.search(text)
    if m is None:
        return text
    units = {u.lower() for s in sentences if shares(text, s) for u in _UNIT_IN.findall(s)}
    if not units and not any(shares(text, s) for s in sentences if _UNIT_IN.search(s)):
        # "the papule measures 7" where the size is the template's own region ("Measures 6 mm."): the draft's unit
        units = {u.lower() for s in sentences for u in _UNIT_IN.findall(s)}
    if len(units) != 1:
        return text
    return text[:m.end("n")] + f" {units.pop()}" + text[m.end("n"):]


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def removal(x: str, where: str | None) -> str:
    """'remove X' or, when the place is the impression, 'remove X from the impression'."""
    w = (where or "").strip().lower()
    if w and re.fullmatch(_IMP, w):
        return f"remove {x} from the impression"
    if w and not (set(w.split()) <= _WHOLE):
        return f"remove {x} from the {w}"
    return f"remove {x}"


def canonical(text: str, resolve=None) -> str:
    """``text`` in the form the reader knows when it is said in one of the families above; else as it is.

    :param resolve: the template's region for a word (:meth:`EditReader.resolve_region`); without it the
        region families (an assignment to a region, a region's everyday name) are not read."""
    text = _HOW_KNOWN.sub("", text).strip()
    text = _APPROX.sub("", text)  # "it's closer to 9 mm", "more like 1.2 cm": the value said
    text = _WHERE_SEEN_LEAD.sub("", text).strip()
    if (m := _WHERE_SEEN_TAIL.search(text)) and len(text[:m.start()].split()) >= 3:
        text = text[:m.start()].strip()  # "... on my remeasure": how it is known, never written
    if m := _ADD_TO_IMP.match(text):
        return f"put {(m.group('x') or m.group('x2')).strip()} in the impression"
    if (m := _CONCLUSION.search(text)) and len(text[:m.start()].split()) >= 3:
        text = _concluded(text[:m.start()], m.group("c").strip())  # "..., so it's both eyes": the conclusion
    if (m := _REASON.search(text)) and len(text[:m.start()].split()) >= 2:
        text = text[:m.start()].strip(" ,;")  # the reason is the clinician's, never written as a finding
    if (m := _NOT_WANTED_REASON.search(text)) and len(text[:m.start()].split()) >= 2:
        text = text[:m.start()].strip(" ,;")  # who does not want it is the clinician's reason, never written
    if resolve is not None:
        text = _region_forms(text, resolve)
    if m := _PARTICLE_OUT.match(text):
        return removal(m.group("x"), m.group("where"))
    if m := _NOT_WANTED.match(text):
        return removal(m.group("x"), m.group("where"))
    if m := _CAN_GO.match(text):
        return f"remove {m.group('x') or m.group('y')}"
    if m := _CALL_IN_IMP.match(text):
        y, x = (m.group("y") or m.group("y2")), (m.group("x") or m.group("x2"))
        named = re.sub(r"^(?:the|this|that)\s+", "", y, flags=re.I)
        if _INTERPRETS.match(x) and named.lower() not in ("it", "them", "these"):
            x = f"{named} {x}"  # "call the mass suspicious for carcinoma": "Mass suspicious for carcinoma"
        return f"put {_sentence_case(x.strip())} in the impression"
    if m := _SAY_IN_IMP.match(text):
        return f"put {(m.group('x') or m.group('x2')).strip()} in the impression"
    return text


def _region_forms(text: str, resolve) -> str:
    """"put UIQ as the site" / "site: UIQ" -> "the site is UIQ"; "the edge is irregular" -> "the border is
    irregular" when the template has a border region and none the word said."""
    for form in (_AS_REGION, _FIELD):
        if (m := form.match(text)) and resolve(m.group("r")) not in (None, "impression") and m.group("v").strip():
            return f"the {m.group('r').strip()} is {m.group('v').strip()}"
    if (m := _SUBJECT.match(text)) and (syn := REGION_SYNONYMS.get(m.group("w").lower())) \
            and resolve(m.group("w")) is None and resolve(syn) not in (None, "impression"):
        return f"the {syn}" + text[m.end("w"):]
    return text
