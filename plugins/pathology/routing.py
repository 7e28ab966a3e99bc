"""The pathology plugin's bespoke routing signal: H&E-like colours in a photomicrograph.

Everything else that routes a case here (DICOM SM, body part, pathology words) is declared in
``data/templates.yaml`` and scored by :mod:`pixtralogist.core.routing`.
"""

from __future__ import annotations

import io
from functools import lru_cache

from pixtralogist.core.models import StudyImage

__all__ = ["he_fraction"]


def he_fraction(image: StudyImage, size: int = 64) -> float:
    """Fraction of pixels with H&E-like colour: pink to purple hue (about 270-345 degrees), saturated, not dark.

    0.0 for grayscale images. Decoded once per image (routing asks for every template).
    """
    if image.meta.channels < 3:
        return 0.0
    return _he_pixels(image.png, size)


@lru_cache(maxsize=32)
def _he_pixels(png: bytes, size: int) -> float:
    from PIL import Image

    im = Image.open(io.BytesIO(png))
    if im.mode not in ("RGB", "RGBA"):
        return 0.0
    hsv = im.convert("RGB").resize((size, size)).convert("HSV")
    h, s, v = (list(c.getdata()) for c in hsv.split())
    lo, hi = round(270 / 360 * 255), round(345 / 360 * 255)
    hits = sum(1 for hh, ss, vv in zip(h, s, v) if lo <= hh <= hi and ss >= 25 and vv >= 60)
    return hits / float(size * size)
