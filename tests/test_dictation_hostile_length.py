"""Every specialty's dictation parser stays linear on long hostile notes.

A note a clinician pastes can be one huge token ("aaaa...") or thousands of short words; a pattern that
can start anywhere inside a word turns that into quadratic time (the eye parser once took 34 s on 20,000
letters). The limits are generous (this is a guard against a quadratic pattern, not a timing target).
"""

from __future__ import annotations

import time

import pytest

HOSTILE = ("a" * 20_000, "a1" * 10_000, "OD " * 6_000, "0.3 OD " * 3_000, "R " * 8_000, "-" * 20_000)


def _parsers():
    from pixtralogist.plugins.dermatology.dictation import parse_dictation as derm
    from pixtralogist.plugins.ophthalmology.dictation import parse_dictation as eye
    from pixtralogist.plugins.pathology.dictation import parse_dictation as path
    from pixtralogist.plugins.radiology.dictation import parse_dictation as rad
    return {"radiology": rad, "dermatology": derm, "ophthalmology": eye, "pathology": path}


@pytest.mark.parametrize("specialty", ["radiology", "dermatology", "ophthalmology", "pathology"])
def test_long_hostile_notes_parse_in_linear_time(specialty):
    parse = _parsers()[specialty]
    for text in HOSTILE:
        t0 = time.perf_counter()
        out = parse(text)
        took = time.perf_counter() - t0
        assert took < 8.0, (specialty, text[:12], took)
        assert isinstance(out, list)
