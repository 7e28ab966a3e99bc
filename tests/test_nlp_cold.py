"""spaCy's negation pipeline without torch (and without spaCy's command line, spacy.cli): nothing imports
torch on the way to a first draft, and the pipeline's answers are the same as with torch imported and
spaCy imported as usual (on a committed sample of report sentences)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

pytest.importorskip("spacy")
pytest.importorskip("negspacy")

SAMPLE = Path(__file__).resolve().parent / "fixtures" / "nlp_sample.txt"

_CODE = """
import json, sys
if {torch_first}:
    import torch
from pixtralogist.core.nlp import FindingAnalyzer
from pixtralogist.core.plugins import get_plugin_manager
host = get_plugin_manager(autoload=False)
vocabs = sorted({{()}} | {{tuple(t.finding_terms or ()) for s in host.specialties() for t in host.templates(s)}})
sentences = open({sample!r}, encoding="utf-8").read().splitlines()
out = {{}}
for vocab in vocabs:
    a = FindingAnalyzer(vocab)
    out[" ".join(vocab)] = [repr(x) for x in a.analyze_many(sentences)] + [a.backend]
from pixtralogist.core.deferred_imports import waiting
print(json.dumps({{"torch": "torch" in sys.modules, "thinc_torch": __import__("thinc.compat").compat.has_torch,
                  "cli_waiting": "spacy.cli" in waiting(), "answers": out}}))
"""


def _run(torch_first: bool) -> dict:
    code = _CODE.format(torch_first=torch_first, sample=str(SAMPLE))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_pipeline_without_torch_answers_as_with_torch():
    sentences = SAMPLE.read_text(encoding="utf-8").splitlines()
    assert len(sentences) >= 300
    cold, warm = _run(torch_first=False), _run(torch_first=True)
    assert cold["torch"] is False and cold["thinc_torch"] is False  # spaCy came without torch
    assert cold["cli_waiting"] is True and warm["cli_waiting"] is False  # and without its command line
    assert warm["torch"] is True and warm["thinc_torch"] is True  # torch there first: imported as before
    assert cold["answers"].keys() == warm["answers"].keys() and len(cold["answers"]) >= 5
    for vocab, answers in cold["answers"].items():
        assert answers[-1] == "spacy"
        assert answers == warm["answers"][vocab], vocab


def test_torch_is_hidden_only_from_the_thread_importing_spacy():
    from pixtralogist.core.nlp import _NoTorchHere

    finder = _NoTorchHere()
    assert finder.find_spec("torch") is None  # no thread is importing spaCy: nothing refused
    finder.threads.add(threading.get_ident())
    with pytest.raises(ModuleNotFoundError):
        finder.find_spec("torch")
    with pytest.raises(ModuleNotFoundError):
        finder.find_spec("torch.nn")
    assert finder.find_spec("torchvision_like") is None and finder.find_spec("numpy") is None
    seen: list[object] = []
    other = threading.Thread(target=lambda: seen.append(finder.find_spec("torch")))
    other.start()
    other.join()
    assert seen == [None]  # another thread goes on to the normal finders
