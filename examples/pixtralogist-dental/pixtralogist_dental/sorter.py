"""Which regions of the dental template a sentence talks about (the ``RegionSorter`` protocol).

Keyword rules, one compiled pattern per region. Generic tooth words ("tooth 36",
"lower molar") only decide the ``teeth`` region when no other region's words
appear, so "Tooth 46 has an intact amalgam restoration." is a restorations
statement. A sentence with no dental words goes to ``others``.

    sorter = DentalSorter()
    sorter.classify("Distal caries 36.")                 # frozenset({"teeth"})
    sorter.sort("Distal caries 36. Bone levels normal.")  # {"teeth": ..., "periodontal": ..., ...}
"""

from __future__ import annotations

import re

from pixtralogist.core.text import split_sentences

from pixtralogist_dental.templates import REGIONS

_RULES: dict[str, re.Pattern[str]] = {
    "restorations": re.compile(
        r"\b(restorations?|restored|fillings?|amalgam|composite|crowns?|bridges?|implants?|root canal|"
        r"root-filled|root filling|endodontic\w*|obturat\w*|posts?|veneers?|overhangs?|prosthe\w*|mod)\b",
        re.I),
    "periapical": re.compile(r"\b(periapical|apical|apex|apices|lamina dura|peri-?radicular)\b", re.I),
    "periodontal": re.compile(
        r"\b(periodont\w*|perio|alveolar|crestal|bone levels?|bone loss|furcation|calculus|"
        r"ligament space|interdental bone)\b", re.I),
    "teeth": re.compile(
        r"\b(caries|carious|decay|demineral\w*|enamel|dentine?|impacted|impaction|unerupted|erupting|"
        r"missing|resorption|crown fracture|root fracture|supernumerary|hypodontia)\b", re.I),
    "others": re.compile(
        r"\b(sinus(?:es)?|tmj|temporomandibular|condyl\w*|soft tissues?|technique|positioning|artefacts?|"
        r"artifacts?|comparison|prior)\b", re.I),
}
#: A tooth named by word or by FDI two-digit number ("36", "#36"); "12 mm" is a size, not a tooth.
TOOTH_REFERENCE = re.compile(
    r"\b(?:tooth|teeth|molars?|premolars?|incisors?|canines?|wisdom|dentition)\b"
    r"|(?<![\w.#])#?(?:[1-4][1-8]|[5-8][1-5])(?![\w.])(?!\s*(?:mm|cm|%|years?|months?|weeks?|days?)\b)",
    re.I,
)


class DentalSorter:
    """Rules-only region sorter for the ``dental`` template."""

    regions: tuple[str, ...] = REGIONS

    def classify(self, sentence: str) -> frozenset[str]:
        found = {region for region, rx in _RULES.items() if rx.search(sentence or "")}
        if len(found) > 1:
            found.discard("others")  # "comparison with prior: caries 36 larger" is about the tooth
        if not found and TOOTH_REFERENCE.search(sentence or ""):
            found = {"teeth"}
        return frozenset(found or {"others"})

    def sort(self, text: str) -> dict[str, str]:
        """``{region: text}`` with exactly the template's regions; a multi-region sentence goes to each."""
        out: dict[str, list[str]] = {r: [] for r in self.regions}
        for sentence in split_sentences(text or ""):
            for region in self.classify(sentence):
                out[region].append(sentence)
        return {r: " ".join(parts) for r, parts in out.items()}
