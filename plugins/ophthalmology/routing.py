"""The ophthalmology plugin's bespoke routing signal: does a colour image look like a fundus photograph?

Everything else that routes a case here (DICOM OP/OPT, body part EYE, descriptions, eye, fundus and
OCT words) is declared in ``data/templates.yaml`` and scored by :mod:`pixtralogist.core.routing`.
"""

from __future__ import annotations

import io
from functools import lru_cache

from pixtralogist.core.models import StudyImage


def fundus_like(image: StudyImage) -> bool:
    """Whether a display image looks like a colour fundus photograph: a bright, red-dominant,
    roughly round field on a dark surround (corners dark, centre bright). Cheap: reads a
    64-pixel thumbnail, once per image (routing asks for every template). Never raises (False on
    any problem)."""
    try:
        if image.meta.channels < 3 or not 0.6 <= image.meta.width / image.meta.height <= 1.7:
            return False
        return _fundus_pixels(image.png)
    except Exception:  # noqa: BLE001 - a routing hint must never fail a case
        return False


@lru_cache(maxsize=32)
def _fundus_pixels(png: bytes) -> bool:
    from PIL import Image

    im = Image.open(io.BytesIO(png))
    im.draft("RGB", (64, 64))
    im = im.convert("RGB").resize((64, 64))
    px = im.load()

    def mean(box: tuple[int, int, int, int]) -> tuple[float, float, float]:
        x0, y0, x1, y1 = box
        vals = [px[x, y] for x in range(x0, x1) for y in range(y0, y1)]
        n = len(vals)
        return tuple(sum(v[c] for v in vals) / n for c in range(3))  # type: ignore[return-value]

    corners = [mean(b) for b in ((0, 0, 6, 6), (58, 0, 64, 6), (0, 58, 6, 64), (58, 58, 64, 64))]
    centre = mean((20, 20, 44, 44))
    dark_corners = all(sum(c) / 3 < 25 for c in corners)
    bright_centre = sum(centre) / 3 > 45
    reddish = centre[0] > centre[1] * 1.15 and centre[0] > centre[2] * 1.3
    return dark_corners and bright_centre and reddish
