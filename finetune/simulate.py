"""Simulated clinicians for trying and measuring the learning loop (no patients, no downloads).

:class:`HabitClinician` reviews each AI draft through the real app service
(:class:`pixtralogist.agents.service.ReportingService`: draft, edit, sign; the
agent's ``learn`` node stores draft and signed report) and corrects one
systematic habit: it always rewrites one region's wording (by default the
heart region to :data:`HABIT_TEXT`) and accepts every other region as
drafted. That is the kind of pattern a site's adapter should learn.

:func:`synthetic_case` makes a case from a small random image (a different
seed per case) and a short indication: no real study, no identifiers (a
test adds identifying DICOM tags on purpose to check they never leak).
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field

__all__ = ["HABIT_REGION", "HABIT_TEXT", "HabitClinician", "synthetic_case", "synthetic_png"]

HABIT_REGION = "heart"
HABIT_TEXT = "The cardiac silhouette is within normal limits."
_INDICATIONS = ("cough", "fever", "shortness of breath", "chest pain", "pre-operative", "follow-up")


def synthetic_png(seed: int, size: int = 48) -> bytes:
    """A small grey noise image (PNG bytes), different for every seed."""
    from PIL import Image

    rng = random.Random(seed)
    img = Image.frombytes("L", (size, size), bytes(rng.randrange(256) for _ in range(size * size)))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def synthetic_case(seed: int, *, specialty: str = "radiology", images: list | None = None):
    """A case with one synthetic image (or ``images``) and an indication, routed to ``specialty``."""
    from pixtralogist.core.imaging import build_case

    return build_case(images or [synthetic_png(seed)], indication=_INDICATIONS[seed % len(_INDICATIONS)],
                      specialty_hint=specialty)


@dataclass
class HabitClinician:
    """Signs every case after rewriting ``region`` to ``text`` (see the module docstring)."""

    name: str = "Dr Simulated"
    region: str = HABIT_REGION
    text: str = HABIT_TEXT
    signed: list[str] = field(default_factory=list)

    def review(self, service, case_id: str):
        """Edit (when the draft's wording differs) and sign an open case; returns the signed turn."""
        turn = service.get(case_id)
        if turn.status == "choose_specialty":
            turn = service.choose_specialty(case_id, turn.candidates[0].specialty)
        current = turn.draft.region_dict().get(self.region, "")
        if " ".join(current.split()) != self.text:
            service.edit_region(case_id, self.region, self.text, clinician=self.name)
        turn = service.sign(case_id, self.name)
        if turn.status != "signed":
            raise RuntimeError(f"simulated sign-off failed: {turn.status} {turn.error or ''}")
        self.signed.append(case_id)
        return turn

    def handle(self, service, case):
        """Start ``case`` in the app (the active adapter drafts it), then review and sign it."""
        turn = service.start(case)
        return turn, self.review(service, turn.case_id)
