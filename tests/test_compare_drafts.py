"""benchmarks/compare_drafts.py: the old-vs-new draft comparison harness of the specialty-kit refactor.

Fast tests: the comparison on small hand-made snapshots, the allow list, bad input, the shorthand
corpus, the harness's own IU reader against the project's, and the worktree import trick (a
folder with a ``pixtralogist`` symlink first on PYTHONPATH wins over the editable install).
The end-to-end ``run`` on a real revision is marked slow.
"""

from __future__ import annotations

import gzip
import importlib.util
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "compare_drafts.py"


@pytest.fixture(scope="module")
def cd():
    spec = importlib.util.spec_from_file_location("compare_drafts", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["compare_drafts"] = module  # dataclasses need the module registered
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("compare_drafts", None)


def _draft(regions: dict, impression=("No acute disease.",), flags=()):
    return {"id": None, "kind": "draft", "source": "shorthand:test", "template": "cxr",
            "fields": {"routing": {"status": "routed", "specialty": "radiology", "template": "cxr",
                                   "confidence": 0.9},
                       "regions": [f"{r}: {t}" for r, t in regions.items()],
                       "findings": [f"{r} [||] {t}" for r, t in regions.items()],
                       "impression": list(impression), "flags": list(flags), "flag_text": []}}


def _snapshot(path: Path, items: dict[str, dict], *, gz: bool = True) -> Path:
    meta = {"format": "pixtralogist-compare-drafts/1", "rev": path.stem, "tree": "/t", "counts": {}, "seconds": {},
            "throughput": {}}
    lines = [json.dumps({"meta": meta})] + [json.dumps({**item, "id": k}) for k, item in items.items()]
    data = ("\n".join(lines) + "\n").encode()
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def _corpus():
    return {
        "shorthand:cxr/a": _draft({"lung": "Small left effusion.", "heart": "Normal heart size."},
                                  impression=["Small left pleural effusion."]),
        "shorthand:cxr/b": _draft({"lung": "Lungs clear.", "heart": "Normal heart size."}),
        "sorter/cxr/abc": {"kind": "sorter", "source": "sorter", "input": "Heart size normal.",
                           "fields": {"sorter_regions": ["heart"]}},
    }


def _run(cd, *argv) -> tuple[int, str]:
    out = io.StringIO()
    from contextlib import redirect_stdout

    with redirect_stdout(out):
        code = cd.main(list(argv))
    return code, out.getvalue()


def test_identical_snapshots_exit_0(cd, tmp_path):
    old = _snapshot(tmp_path / "old.jsonl.gz", _corpus())
    new = _snapshot(tmp_path / "new.jsonl", _corpus(), gz=False)  # plain JSONL reads too
    code, out = _run(cd, "compare", str(old), str(new))
    assert code == 0, out
    assert "identical: 3; differing: 0" in out
    assert "unchanged on 2 drafts and 1 sorter decisions" in out


def test_changed_region_is_reported_with_a_unified_diff_and_exit_1(cd, tmp_path):
    changed = _corpus()
    changed["shorthand:cxr/a"]["fields"]["regions"][0] = "lung: Small right effusion."
    changed["sorter/cxr/abc"]["fields"]["sorter_regions"] = ["heart", "lung"]
    old = _snapshot(tmp_path / "old.jsonl.gz", _corpus())
    new = _snapshot(tmp_path / "new.jsonl.gz", changed)
    code, out = _run(cd, "compare", str(old), str(new))
    assert code == 1
    assert "identical: 1; differing: 2" in out
    assert "regions              1 items" in out and "sorter_regions       1 items" in out
    assert "impression" not in out.split("first")[0]  # unchanged fields are not listed
    assert "--- old shorthand:cxr/a regions" in out and "+++ new shorthand:cxr/a regions" in out
    assert "-lung: Small left effusion." in out and "+lung: Small right effusion." in out
    assert " heart: Normal heart size." in out  # context line
    assert "input: Heart size normal." in out
    assert "CHANGED: 2 of 3 items differ" in out


def test_allow_list_accepts_expected_differences_and_names_unused_rules(cd, tmp_path):
    changed = _corpus()
    changed["shorthand:cxr/a"]["fields"]["flags"] = ["verify:fleischner-followup-missing warning region=lung"]
    old = _snapshot(tmp_path / "old.jsonl.gz", _corpus())
    new = _snapshot(tmp_path / "new.jsonl.gz", changed)
    allow = tmp_path / "allow.txt"
    allow.write_text("# expected\nshorthand:cxr/*  flags   # new rule, reviewed\nsorter/*  sorter_split\n")
    code, out = _run(cd, "compare", str(old), str(new), "--allow", str(allow))
    assert code == 0, out
    assert "flags                0 items (+1 allowed)" in out
    assert "allow rules that matched nothing: line 3: sorter/* sorter_split" in out
    assert "unchanged on 2 drafts and 1 sorter decisions, 1 with allowed differences" in out
    allow.write_text("shorthand:cxr/b flags\n")  # a rule for another item does not cover it
    assert _run(cd, "compare", str(old), str(new), "--allow", str(allow))[0] == 1


def test_missing_items_and_errors_count_as_differences(cd, tmp_path):
    fewer = _corpus()
    del fewer["shorthand:cxr/b"]
    fewer["shorthand:cxr/a"]["fields"] = {"error": "DraftingError: the region sorter failed"}
    old = _snapshot(tmp_path / "old.jsonl.gz", _corpus())
    new = _snapshot(tmp_path / "new.jsonl.gz", fewer)
    code, out = _run(cd, "compare", str(old), str(new))
    assert code == 1
    assert "only in old: 1, only in new: 0" in out and "only in old: shorthand:cxr/b" in out
    assert "error                1 items" in out and "+DraftingError: the region sorter failed" in out


def test_bad_input_gets_a_clear_error_and_exit_2(cd, tmp_path, capsys):
    good = _snapshot(tmp_path / "good.jsonl.gz", _corpus())
    junk = tmp_path / "junk.jsonl"
    junk.write_text('{"hello": 1}\n')
    assert cd.main(["compare", str(junk), str(good)]) == 2
    assert "is not a pixtralogist-compare-drafts/1 snapshot" in capsys.readouterr().err
    assert cd.main(["compare", str(tmp_path / "absent.gz"), str(good)]) == 2
    assert "cannot read snapshot" in capsys.readouterr().err
    allow = tmp_path / "allow.txt"
    allow.write_text("only-one-column\n")
    assert cd.main(["compare", str(good), str(good), "--allow", str(allow)]) == 2
    assert "expected '<item pattern> <field pattern>" in capsys.readouterr().err


def test_snapshot_round_trip(cd, tmp_path):
    items = [{**v, "id": k} for k, v in _corpus().items()]
    path = tmp_path / "s.jsonl.gz"
    cd.write_snapshot(path, {"format": cd.FORMAT, "rev": "x"}, items)
    meta, back = cd.read_snapshot(path)
    assert meta["rev"] == "x" and list(back) == [i["id"] for i in items] and back["sorter/cxr/abc"] == items[2]


@pytest.fixture
def isolated_imports():
    """Undo what loading the dental example in-process does (sys.path entry, its modules), so
    tests that check it is not installed outside its fixtures stay true."""
    path, modules = list(sys.path), set(sys.modules)
    yield
    sys.path[:] = path
    for name in set(sys.modules) - modules:
        if name.split(".")[0] == "pixtralogist_dental":
            del sys.modules[name]


def test_shorthand_sets_name_real_templates_and_unique_ids(cd, isolated_imports):
    from pixtralogist.core.plugins import get_plugin_manager

    sets = cd.load_shorthand()
    assert {s["set"] for s in sets} >= {"cxr", "ct_chest", "mri_brain", "dermatology", "fundus", "octa",
                                        "pathology", "dental"}
    host, dental = cd.make_host(ROOT)
    assert dental == "loaded from examples/pixtralogist-dental"
    for s in sets:
        tpl = host.template(s["template"])
        assert tpl.specialty == s["specialty"], s["set"]
        assert len(s["dictations"]) >= 20, s["set"]
    ids = [d["id"] for s in sets for d in s["dictations"]]
    assert len(ids) == len(set(ids))
    # without the dental plugin its set is skipped and said so
    items, notes = cd.build_corpus(get_plugin_manager(autoload=False), iu=[], shorthand=sets)
    assert notes["sets_skipped"] == ["dental"]
    assert not any(i.source == "shorthand:dental" for i in items)


def test_harness_reads_the_iu_archive_like_the_project(cd):
    iu_xray = pytest.importorskip("pixtralogist.plugins.radiology.iu_xray")
    try:
        theirs = iu_xray.read_reports()
    except Exception as exc:  # the wheel with the archive is installed by make venv
        pytest.skip(f"IU X-Ray archive not installed: {exc}")
    ours = cd.read_iu_reports()
    assert len(ours) == len(theirs) == 3955
    assert ours == [(r.id, r.findings, r.indication) for r in theirs]


def test_package_shim_imports_the_named_tree(cd, tmp_path):
    tree = tmp_path / "tree"
    (tree / "core").mkdir(parents=True)
    (tree / "__init__.py").write_text("__version__ = 'from-the-shim'\n")
    (tree / "core" / "__init__.py").write_text("")
    (tree / "core" / "marker.py").write_text("WHERE = __file__\n")
    shim = cd.package_shim(tree, tmp_path / "shim")
    env = {**os.environ, "PYTHONPATH": str(shim)}
    out = subprocess.run([sys.executable, "-c", "import pixtralogist, pixtralogist.core.marker as m; "
                          "print(pixtralogist.__version__, m.WHERE)"],
                         env=env, cwd=tmp_path, capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == "from-the-shim"
    assert Path(out[1]).resolve() == (tree / "core" / "marker.py").resolve()
    # without the shim this interpreter's pixtralogist is this checkout
    plain = subprocess.run([sys.executable, "-c", "import pixtralogist; print(pixtralogist.__file__)"],
                           cwd=tmp_path, capture_output=True, text=True, check=True).stdout.strip()
    assert Path(plain).resolve().parent == ROOT


def test_snapshot_refuses_a_package_from_elsewhere(cd, tmp_path):
    proc = subprocess.run([sys.executable, str(SCRIPT), "snapshot", "--out", str(tmp_path / "s.gz"),
                           "--expect-tree", str(tmp_path)], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2
    assert f"pixtralogist was imported from {ROOT}, not from {tmp_path.resolve()}" in proc.stderr
    assert not (tmp_path / "s.gz").exists()


def test_checked_out_makes_and_removes_a_worktree(cd, tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "f.txt").write_text("one\n")
    subprocess.run(git + ["add", "f.txt"], check=True)
    subprocess.run(git + ["commit", "-qm", "one"], check=True)
    (repo / "f.txt").write_text("two\n")
    subprocess.run(git + ["commit", "-qam", "two"], check=True)
    with cd.checked_out("HEAD~1", repo, tmp_path) as tree:
        assert (tree / "f.txt").read_text() == "one\n"
        assert (repo / "f.txt").read_text() == "two\n"
    assert not tree.exists()
    listed = subprocess.run(git + ["worktree", "list"], capture_output=True, text=True, check=True).stdout
    assert str(tree) not in listed
    with pytest.raises(cd.HarnessError, match="not a commit"):
        with cd.checked_out("no-such-rev", repo, tmp_path):
            pass


@pytest.mark.slow
def test_run_against_head_on_a_small_corpus(tmp_path):
    """The whole ``run`` path: HEAD in a temporary worktree vs this working tree (a few IU reports)."""
    proc = subprocess.run([sys.executable, str(SCRIPT), "run", "--base", "HEAD", "--iu-limit", "3", "--no-sorter",
                           "--keep", str(tmp_path)], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"})
    assert "items compared:" in proc.stdout, proc.stdout + proc.stderr
    old_meta = json.loads(gzip.decompress((tmp_path / "old.jsonl.gz").read_bytes()).splitlines()[0])["meta"]
    assert "/tree-" in old_meta["tree"] and old_meta["dental"] == "loaded from examples/pixtralogist-dental"
    assert old_meta["counts"]["iu"] + old_meta["corpus_notes"]["iu_without_findings"] == 3
    assert old_meta["counts"]["errors"] == 0 and old_meta["counts"]["drafts"] > 250  # examples and shorthand too
    # HEAD vs the working tree: identical unless this checkout has uncommitted changes to the code
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no", "--", ".",
                            ":!benchmarks", ":!tests"], capture_output=True, text=True).stdout.strip()
    if not dirty:
        assert proc.returncode == 0, proc.stdout
        assert "unchanged on" in proc.stdout


def test_exec_runs_a_command_on_the_code_of_a_revision(cd, capfd):
    code = cd.main(["exec", "--rev", "HEAD", "--", sys.executable, "-c",
                    "import pixtralogist, pathlib; p = pathlib.Path(pixtralogist.__file__); "
                    "print('IMPORTED', p.parent.parent.name, p.resolve().parent.name)"])
    out = capfd.readouterr().out
    assert code == 0, out
    line = next(ln for ln in out.splitlines() if ln.startswith("IMPORTED"))
    assert line.split()[1] == "shim" and line.split()[2].startswith("tree-")  # a temporary worktree, via the shim
    assert cd.main(["exec", "--rev", "HEAD"]) == 2
