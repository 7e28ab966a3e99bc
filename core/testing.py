"""Contract checks any plugin can run on itself (and the project runs on every installed plugin).

A plugin author writes one test::

    # tests/test_contract.py of your plugin package
    from pixtralogist.core.testing import assert_plugin_contract

    def test_plugin_contract():
        assert_plugin_contract("pixtralogist_dental.plugin")   # module, module name, entry-point or specialty name

or, to look at the problems without failing::

    from pixtralogist.core.testing import check_plugin
    for problem in check_plugin("dental"):
        print(problem)            # "[error] dental/templates: template 'x' region 'y' has no normal statement"

What is checked, for every specialty the plugin declares (see ``docs/plugins.md``):

``specialty``
    registered (``pixtralogist_register`` adds a :class:`~pixtralogist.core.registry.SpecialtyBundle`)
    with a valid name, a label and a version (PEP 440).
``templates``
    at least one; each valid (re-validated), of the specialty, unique region names, a label and a
    normal default statement for every region, a non-empty normal impression; a catch-all
    ``others`` region (warning when missing or not last); region names the impression rules
    mention exist; routing signals declared (a DICOM modality or request words; warning when none).
``examples``
    the bundle gives at least one example (warning when none), unique ids,
    of the specialty, images that ingest through :mod:`pixtralogist.core.imaging` (< 200 KB each,
    warning) and the same bytes on every call (warning).
``route``
    the host scores every template of the specialty for each example (its bespoke ``signals``
    must not raise); each example is routed (against every other installed plugin) to its
    ``expected_template``.
``drafter``
    a drafter exists for the offline :class:`~pixtralogist.core.models.ModelConfig` and every
    template; its draft (of each example, and of a case with no dictation) has exactly the
    template's regions in order, a statement in every region, ``ai-draft-unsigned`` status with
    the AI disclaimer, and provenance naming the plugin, its version and the template.
``region_sorter``
    exists; ``classify`` returns a non-empty subset of the template's regions and ``sort`` exactly
    the template's regions as keys.
``guidelines``
    unique ids, of the specialty, non-empty text and source, regions and template ids that exist.
``verify``
    the bundle's ``rules`` and the plugin's ``pixtralogist_verify`` return
    :class:`~pixtralogist.core.models.Flag` objects with valid severities, regions of the
    template, snippet ids of the specialty's guideline snippets and finding ids of the draft,
    and leaves the draft unchanged.
``isolation``
    the cross-plugin hooks and the bundle's bespoke routing signals do not raise on a case, a draft
    or a specialty of somebody else, and ``pixtralogist_guidelines`` adds nothing to an unknown
    specialty (``'contract-unknown'``).

A hook that raises is never fatal here either: the plugin host records it and it becomes a
problem. Problems have a severity: ``error`` breaks the contract, ``warning`` is advice
(:func:`assert_plugin_contract` fails on warnings too with ``strict=True``).
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
import io
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, Literal

from pixtralogist.core.errors import PixtralogistError, PluginError
from pixtralogist.core.models import (
    AI_DISCLAIMER,
    Case,
    Draft,
    ExampleCase,
    Finding,
    Flag,
    GuidelineSnippet,
    ModelConfig,
    Provenance,
    RouteScore,
    RegionSpec,
    ImpressionRules,
    Specialty,
    Template,
)

if TYPE_CHECKING:  # pragma: no cover
    from pixtralogist.core.plugins import PluginHost
    from pixtralogist.core.registry import SpecialtyBundle

__all__ = [
    "ContractProblem",
    "PluginContractError",
    "UNKNOWN_SPECIALTY",
    "assert_plugin_contract",
    "check_plugin",
    "contract_test",
    "installed_specialties",
    "route_score",
    "route_scores",
]

ProblemSeverity = Literal["error", "warning"]

#: A specialty no plugin may claim: hooks asked about it must return None.
UNKNOWN_SPECIALTY = "contract-unknown"
#: Largest example image the checks accept without a warning.
MAX_EXAMPLE_IMAGE_BYTES = 200_000

_VERSION_RE = re.compile(r"^\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?(\+[a-z0-9.]+)?$", re.I)
_FLAG_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_.:-]*$")
_MODALITY_RE = re.compile(r"^[A-Z0-9]{1,16}$")


@dataclass(frozen=True)
class ContractProblem:
    """One thing a plugin does not do as the contract says.

    :ivar plugin: the plugin (registered name) or specialty concerned.
    :ivar check: which check found it (``templates``, ``route``, ``drafter``, ...).
    :ivar message: what is wrong and, where possible, how to fix it.
    :ivar severity: ``error`` breaks the contract; ``warning`` is advice.
    """

    plugin: str
    check: str
    message: str
    severity: ProblemSeverity = "error"

    def __str__(self) -> str:
        return f"[{self.severity}] {self.plugin}/{self.check}: {self.message}"


class PluginContractError(PluginError, AssertionError):
    """A plugin breaks the contract; the message lists every problem.

    It is an :class:`AssertionError` too, so pytest reports it as a test failure.
    """

    def __init__(self, problems: list[ContractProblem]) -> None:
        self.problems = list(problems)
        lines = [f"{len(self.problems)} plugin contract problem(s):"] + [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))

    def __reduce__(self):  # rebuilt from its problems (pickled, e.g. from the app's engine process)
        return type(self), (self.problems,)


# --- entry points -----------------------------------------------------------------------------


def installed_specialties(host: "PluginHost | None" = None) -> list[str]:
    """Names of the specialties installed in ``host`` (default: built-ins only, no autoload), sorted.

    Handy to parametrise a test over every installed plugin at collection time::

        @pytest.mark.parametrize("specialty", installed_specialties())
        def test_contract(specialty):
            assert_plugin_contract(specialty)
    """
    from pixtralogist.core.plugins import get_plugin_manager

    host = host or get_plugin_manager(autoload=False)
    return sorted(host.specialties())


def route_scores(case: Case, specialty: str | None = None, host: "PluginHost | None" = None) -> list["RouteScore"]:
    """The host's scores for ``case`` (of ``specialty``'s templates only, when given), best first.

    Every installed template is scored together, as in the app (competition between specialties
    included). ``host`` defaults to a cached built-ins-only host.
    """
    return [s for s in (host or _builtin_host()).route(case) if specialty in (None, s.specialty)]


def route_score(case: Case, specialty: str, template_id: str | None = None,
                host: "PluginHost | None" = None) -> "RouteScore":
    """The score (with reasons) of ``specialty``'s best template, or of ``template_id``, for ``case``
    (see :func:`route_scores`); :class:`KeyError` when no such template was scored."""
    scores = [s for s in route_scores(case, specialty, host) if template_id in (None, s.template_id)]
    if not scores:
        raise KeyError(f"no template {template_id or ''!r} of specialty {specialty!r} was scored")
    return scores[0]


@functools.lru_cache(maxsize=1)
def _builtin_host() -> "PluginHost":
    from pixtralogist.core.plugins import get_plugin_manager

    return get_plugin_manager(autoload=False)


def check_plugin(
    module_or_name: Any,
    *,
    host: "PluginHost | None" = None,
    specialties: Iterable[str] | None = None,
) -> list[ContractProblem]:
    """Run every contract check on one plugin and return the problems (empty: the plugin passes).

    :param module_or_name: the plugin: a module or plugin object; or a string naming an installed
        specialty, an entry point of the ``pixtralogist`` group, or an importable module.
    :param host: the plugin host to check within (default: a fresh host with the built-in plugins,
        no autoload, with the plugin registered). Routing is checked against every plugin of it.
    :param specialties: limit the checks to these specialties (default: those the plugin declares).
    """
    from pixtralogist.core.plugins import get_plugin_manager

    host = host if host is not None else get_plugin_manager(autoload=False)
    problems: list[ContractProblem] = []
    names = _resolve(module_or_name, host, problems)
    if names is None:
        return problems
    checker = _Checker(host, names, problems)
    declared = checker.declared_specialties()
    wanted = list(specialties) if specialties is not None else declared
    if not wanted:
        checker.add("specialty", "registers no specialty (pixtralogist_register added no SpecialtyBundle); a "
                    "plugin that only extends other specialties is checked with specialties=[...]")
    checker.check_isolation_unknown()
    for name in wanted:
        checker.check_specialty(name)
    checker.collect_failures("hooks")
    return problems


def assert_plugin_contract(module_or_name: Any, *, host: "PluginHost | None" = None,
                           specialties: Iterable[str] | None = None, strict: bool = False) -> list[ContractProblem]:
    """Like :func:`check_plugin`, but raise :class:`PluginContractError` on any error
    (or any problem at all with ``strict=True``). Returns the warnings otherwise."""
    problems = check_plugin(module_or_name, host=host, specialties=specialties)
    failing = [p for p in problems if strict or p.severity == "error"]
    if failing:
        raise PluginContractError(failing)
    return problems


def contract_test(module_or_name: Any, *, strict: bool = False,
                  host_factory: Callable[[], "PluginHost"] | None = None) -> Callable[[], None]:
    """A ready-made pytest test function: ``test_contract = contract_test("my_plugin")``."""

    def test_plugin_contract() -> None:
        assert_plugin_contract(module_or_name, host=host_factory() if host_factory else None, strict=strict)

    test_plugin_contract.__doc__ = f"The pixtralogist plugin contract holds for {module_or_name!r}."
    return test_plugin_contract


# --- resolution -------------------------------------------------------------------------------


def _resolve(obj: Any, host: "PluginHost", problems: list[ContractProblem]) -> set[str] | None:
    """The registered plugin names to hold responsible, registering ``obj`` when needed."""
    from pixtralogist.core.plugins import ENTRY_POINT_GROUP, _register

    label = obj if isinstance(obj, str) else getattr(obj, "__name__", type(obj).__name__)
    if isinstance(obj, str):
        key = obj.strip()
        if key.lower() in host.specialties():
            return {host.bundle(key).plugin, key.lower()}
        ep = next((e for e in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP) if e.name == key), None)
        if ep is not None and host.pm.has_plugin(ep.name):
            return {ep.name}
        try:
            obj = ep.load() if ep is not None else importlib.import_module(key)
        except Exception as exc:
            problems.append(ContractProblem(label, "import", f"cannot import {key!r}: {type(exc).__name__}: {exc}"))
            return None
        if ep is not None:
            label = ep.name
    if host.pm.is_registered(obj):
        return {host.pm.get_name(obj)}
    name = label if isinstance(label, str) else str(label)
    if not _register(host, obj, name):
        for f in host.failures:
            if f.plugin == name:
                problems.append(ContractProblem(name, "register", f.error))
        return None
    return {name}


# --- the checks -------------------------------------------------------------------------------


class _Checker:
    def __init__(self, host: "PluginHost", names: set[str], problems: list[ContractProblem]) -> None:
        self.host = host
        self.names = set(names)
        self.problems = problems
        self.label = sorted(self.names)[0] if self.names else "?"
        self._seen_failures = 0

    # -- bookkeeping ---------------------------------------------------------------------------

    def add(self, check: str, message: str, severity: ProblemSeverity = "error") -> None:
        p = ContractProblem(self.label, check, message, severity)
        if p not in self.problems:
            self.problems.append(p)

    def collect_failures(self, check: str) -> None:
        """Failures the host recorded for our plugin(s) since the last look become problems."""
        new = self.host.failures[self._seen_failures:]
        self._seen_failures = len(self.host.failures)
        for f in new:
            if f.plugin in self.names or f.plugin == "?":
                self.add(check, f"{f.stage} failed: {f.error}")

    def _own_call(self, hook: str, check: str, *, context: str = "", **kwargs: Any) -> list[Any]:
        """Call our plugin's own implementations of ``hook`` (the host's guarded call); a raise becomes a problem."""
        from pixtralogist.core.plugins import call_hook

        def failed(plugin: str, exc: BaseException) -> None:
            self.add(check, f"{hook} raised {type(exc).__name__}{context}: {exc}")

        return call_hook(self.host.pm, hook, failed, plugins=self.names, **kwargs)

    def _bundle(self, specialty: str) -> "SpecialtyBundle":
        return self.host.bundle(specialty)

    # -- specialty -------------------------------------------------------------------------

    def declared_specialties(self) -> list[str]:
        out: list[str] = []
        registry = self.host.registry
        self.collect_failures("register")
        for bundle in registry:
            if bundle.plugin not in self.names:
                continue
            self.names.add(bundle.name)
            self._check_specialty_fields(bundle.specialty)
            out.append(bundle.name)
        if out and self.label not in out:
            self.label = out[0]
        return out

    def _check_specialty_fields(self, spec: Specialty) -> None:
        try:
            Specialty.model_validate(spec.model_dump())
        except Exception as exc:
            self.add("specialty", f"invalid Specialty: {exc}")
        if not spec.label.strip():
            self.add("specialty", f"specialty {spec.name!r} has an empty label")
        if not _VERSION_RE.match(spec.version.strip()):
            self.add("specialty", f"specialty {spec.name!r} version {spec.version!r} is not a version "
                     "number such as '0.1.0' (PEP 440)")

    def check_specialty(self, name: str) -> None:
        installed = self.host.specialties()
        self.collect_failures("specialty")
        if name not in installed:
            self.add("specialty", f"specialty {name!r} is not installed in the host; installed: {sorted(installed)}")
            return
        templates = self.check_templates(name)
        snippets = self.check_guidelines(name, templates)
        examples = self.check_examples(name)
        cases = self.check_route(name, templates, examples)
        try:
            self.host.model_config(name)
        except Exception as exc:
            self.add("model_config", f"model_config({name!r}) raised {type(exc).__name__}: {exc}")
        self.collect_failures("model_config")
        for tpl in templates:
            self.check_sorter(name, tpl, [c for _, c in cases])
            own = [(ex, c) for ex, c in cases if ex.expected_template in (None, tpl.id)]
            drafts = self.check_drafter(name, tpl, [c for _, c in own] + [_empty_case()])
            for case, draft in drafts:
                self.check_verify(name, tpl, case, draft, snippets)
        self.check_isolation(name, templates)

    # -- templates ------------------------------------------------------------------------------

    def check_templates(self, specialty: str) -> list[Template]:
        templates = self.host.templates(specialty)
        self.collect_failures("templates")
        if not templates:
            self.add("templates", f"specialty {specialty!r} has no template (SpecialtyBundle.templates)")
        for tpl in templates:
            where = f"template {tpl.id!r}"
            try:
                Template.model_validate(tpl.model_dump())
            except Exception as exc:
                self.add("templates", f"{where} does not validate: {exc}")
            if tpl.specialty != specialty:
                self.add("templates", f"{where} says specialty {tpl.specialty!r}, returned for {specialty!r}")
            names = tpl.region_names
            dupes = sorted({n for n in names if names.count(n) > 1})
            if dupes:
                self.add("templates", f"{where} repeats region names {dupes}")
            for r in tpl.regions:
                if not r.normal.strip():
                    self.add("templates", f"{where} region {r.name!r} has no normal default statement")
                if not r.label.strip():
                    self.add("templates", f"{where} region {r.name!r} has no label")
            if "others" not in names:
                self.add("templates", f"{where} has no catch-all 'others' region: sentences the sorter cannot "
                         f"place go to its last region {names[-1]!r}", "warning")
            elif names[-1] != "others":
                self.add("templates", f"{where}: put the catch-all 'others' region last", "warning")
            if not tpl.impression.normal.strip():
                self.add("templates", f"{where} has an empty normal impression")
            for key, value in tpl.impression.model_dump().items():
                if "region" not in key:
                    continue
                refs = [value] if isinstance(value, str) else list(value or [])
                missing = [v for v in refs if isinstance(v, str) and v not in names]
                if missing:
                    self.add("templates", f"{where} impression rule {key!r} names regions it does not have: {missing}")
            bad = [m for m in tpl.modalities if not _MODALITY_RE.match(m)]
            if bad:
                self.add("templates", f"{where} modalities {bad} are not upper-case DICOM codes", "warning")
            sig = tpl.routing
            if not (sig.modality or sig.modality_weights or [w for w in sig.words if w.weight > 0]):
                self.add("templates", f"{where} declares no routing signal (routing: modality weight or request "
                         "words): only a specialty hint can route a case to it", "warning")
        return templates

    # -- guidelines -----------------------------------------------------------------------------

    def check_guidelines(self, specialty: str, templates: list[Template]) -> list[GuidelineSnippet]:
        try:
            snippets = self.host.guidelines(specialty)
        except PixtralogistError as exc:  # duplicate ids
            self.add("guidelines", str(exc))
            snippets = []
        self.collect_failures("guidelines")
        if not snippets:
            self.add("guidelines", f"specialty {specialty!r} ships no guideline snippet", "warning")
        by_id = {t.id: t for t in templates}
        all_regions = {r for t in templates for r in t.region_names}
        seen: set[str] = set()
        for s in snippets:
            where = f"snippet {s.id!r}"
            if s.id in seen:
                self.add("guidelines", f"{where} id is used twice")
            seen.add(s.id)
            if s.specialty != specialty:
                self.add("guidelines", f"{where} says specialty {s.specialty!r}, returned for {specialty!r}")
            if not s.text.strip():
                self.add("guidelines", f"{where} has no text")
            if not s.source.strip():
                self.add("guidelines", f"{where} has no source citation")
            unknown_tpl = [t for t in s.template_ids if t not in by_id]
            if unknown_tpl:
                self.add("guidelines", f"{where} names templates the specialty does not have: {unknown_tpl}")
            scope = {r for t in s.template_ids if t in by_id for r in by_id[t].region_names} or all_regions
            unknown = [r for r in s.regions if r not in scope]
            if unknown:
                self.add("guidelines", f"{where} names regions its templates do not have: {unknown}")
            if not s.applicability.strip():
                self.add("guidelines", f"{where} has no applicability (who it is for, what it does not cover)",
                         "warning")
        return snippets

    # -- examples -------------------------------------------------------------------------------

    def check_examples(self, specialty: str) -> list[tuple[ExampleCase, Case]]:
        from pixtralogist.core.registry import load

        loader = self._bundle(specialty).examples
        try:
            groups, again = load(loader), load(loader)
        except Exception as exc:
            self.add("examples", f"the examples loader raised {type(exc).__name__}: {exc}")
            groups, again = [], []
        examples: list[ExampleCase] = []
        for ex in groups:
            if not isinstance(ex, ExampleCase):
                self.add("examples", f"the examples loader gave a {type(ex).__name__}, not an ExampleCase")
                continue
            examples.append(ex)
        if not examples:
            self.add("examples", f"specialty {specialty!r} ships no example case (SpecialtyBundle.examples): the "
                     "app's 'try an example' menu and the routing check need one", "warning")
        ids = [e.id for e in examples]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            self.add("examples", f"example ids used twice: {dupes}")
        later = {e.id: e for e in again if isinstance(e, ExampleCase)}
        out: list[tuple[ExampleCase, Case]] = []
        for ex in examples:
            where = f"example {ex.id!r}"
            if ex.specialty != specialty:
                self.add("examples", f"{where} says specialty {ex.specialty!r}, returned for {specialty!r}")
            for img in ex.images:
                if len(img.data) > MAX_EXAMPLE_IMAGE_BYTES:
                    self.add("examples", f"{where} image {img.filename} is {len(img.data):,} bytes; keep examples "
                             f"under {MAX_EXAMPLE_IMAGE_BYTES:,}", "warning")
            other = later.get(ex.id)
            if other is None or [i.data for i in other.images] != [i.data for i in ex.images]:
                self.add("examples", f"{where} images differ between calls: generate them deterministically",
                         "warning")
            from pixtralogist.core.examples import example_to_case

            try:
                out.append((ex, example_to_case(ex)))
            except Exception as exc:
                self.add("examples", f"{where} does not ingest: {type(exc).__name__}: {exc}")
        return out

    # -- routing --------------------------------------------------------------------------------

    def check_route(self, specialty: str, templates: list[Template],
                    examples: list[tuple[ExampleCase, Case]]) -> list[tuple[ExampleCase, Case]]:
        from pixtralogist.core.routing import decide_route

        tpl_ids = {t.id for t in templates}
        cases = list(examples) or [(None, _empty_case())]
        for ex, case in cases:
            where = f"example {ex.id!r}" if ex else "a case with no example"
            scores = self.host.route(case)
            self.collect_failures("route")
            own = {s.template_id for s in scores if s.specialty == specialty}
            if own != tpl_ids:
                self.add("route", f"{where}: the host scored templates {sorted(own)}, expected {sorted(tpl_ids)}")
            if ex is None:
                continue
            decision = decide_route(scores, hint=case.specialty_hint)
            if ex.expected_template is None:
                self.add("route", f"{where} has no expected_template: the routing check cannot run", "warning")
                continue
            if decision.status != "routed" or decision.choice is None:
                best = ", ".join(f"{s.specialty}/{s.template_id} {s.score:.2f}" for s in scores[:3])
                self.add("route", f"{where} is not routed confidently ({decision.reason}; scores: {best})")
            elif (decision.choice.specialty, decision.choice.template_id) != (specialty, ex.expected_template):
                self.add("route", f"{where} routes to {decision.choice.specialty}/{decision.choice.template_id}, "
                         f"expected {specialty}/{ex.expected_template}")
        return [(ex, c) for ex, c in cases if ex is not None]

    # -- region sorter --------------------------------------------------------------------------

    def check_sorter(self, specialty: str, tpl: Template, cases: list[Case]) -> None:
        where = f"template {tpl.id!r}"
        try:
            sorter = self.host.region_sorter(specialty, tpl)
        except PixtralogistError as exc:
            self.add("region_sorter", f"{where}: {exc}")
            return
        finally:
            self.collect_failures("region_sorter")
        names = tpl.region_names
        extra = [r for r in getattr(sorter, "regions", ()) if r not in names]
        if extra:
            self.add("region_sorter", f"{where}: sorter.regions has regions the template does not: {extra}")
        sentences = [r.normal for r in tpl.regions] + [c.notes for c in cases if c.notes.strip()]
        for sentence in sentences:
            try:
                got = sorter.classify(sentence)
            except Exception as exc:
                self.add("region_sorter", f"{where}: classify raised {type(exc).__name__}: {exc}")
                continue
            if not got or not set(got) <= set(names):
                self.add("region_sorter", f"{where}: classify({sentence[:60]!r}) returned {sorted(got or [])}, "
                         f"not a non-empty subset of {names}")
        for text in [" ".join(r.normal for r in tpl.regions), *[c.notes for c in cases], ""]:
            try:
                out = sorter.sort(text)
            except Exception as exc:
                self.add("region_sorter", f"{where}: sort raised {type(exc).__name__}: {exc}")
                continue
            if not isinstance(out, dict) or set(out) != set(names):
                keys = sorted(out) if isinstance(out, dict) else type(out).__name__
                self.add("region_sorter", f"{where}: sort() returned keys {keys}, expected exactly {names}")
            elif not all(isinstance(v, str) for v in out.values()):
                self.add("region_sorter", f"{where}: sort() values must be strings")

    # -- drafter --------------------------------------------------------------------------------

    def check_drafter(self, specialty: str, tpl: Template, cases: list[Case]) -> list[tuple[Case, Draft]]:
        where = f"template {tpl.id!r}"
        try:
            drafter = self.host.drafter(specialty, tpl, ModelConfig(backend="offline"))
        except PixtralogistError as exc:
            self.add("drafter", f"{where}: no drafter for the offline model configuration ({exc})")
            return []
        finally:
            self.collect_failures("drafter")
        if not isinstance(getattr(drafter, "name", None), str) or not drafter.name:
            self.add("drafter", f"{where}: the drafter has no name")
        out = []
        for case in cases:
            label = "a case with no dictation" if not case.notes else f"case notes {case.notes[:40]!r}"
            try:
                draft = drafter.draft(case, tpl)
            except Exception as exc:
                self.add("drafter", f"{where}: draft() of {label} raised {type(exc).__name__}: {exc}")
                continue
            if not isinstance(draft, Draft):
                self.add("drafter", f"{where}: draft() returned {type(draft).__name__}, not a Draft")
                continue
            self._check_draft(specialty, tpl, case, draft, label)
            out.append((case, draft))
        return out

    def _check_draft(self, specialty: str, tpl: Template, case: Case, d: Draft, label: str) -> None:
        where = f"template {tpl.id!r}, {label}"
        bad = []
        if d.regions != tpl.region_names:
            bad.append(f"regions {d.regions} are not the template's {tpl.region_names}")
        present = {f.region for f in d.findings}
        empty = [r for r in tpl.region_names if r not in present]
        if empty:
            bad.append(f"regions without a statement {empty} (use the normal default with is_default=True)")
        if (d.specialty, d.template_id, d.template_version) != (specialty, tpl.id, tpl.version):
            bad.append(f"says {d.specialty}/{d.template_id} v{d.template_version}, drafted with "
                       f"{specialty}/{tpl.id} v{tpl.version}")
        if d.case_id != case.id:
            bad.append("case_id is not the case's id")
        if d.status != "ai-draft-unsigned" or d.signed_by or d.signed_at:
            bad.append(f"status {d.status!r}: a new draft must be 'ai-draft-unsigned'")
        if d.disclaimer != AI_DISCLAIMER:
            bad.append("the AI disclaimer was changed")
        if not d.impression:
            bad.append("no impression")
        for prov, what in [(d.provenance, "draft")] + [(f.provenance, f"finding {f.text[:30]!r}") for f in d.findings]:
            if (prov.template_id, prov.template_version) != (tpl.id, tpl.version):
                bad.append(f"{what} provenance names template {prov.template_id} v{prov.template_version}")
            if not prov.plugin.strip() or not prov.plugin_version.strip() or not prov.engine.strip():
                bad.append(f"{what} provenance lacks the plugin, its version or the engine")
        for f in d.findings:
            if f.is_default and f.provenance.source != "template-default":
                bad.append(f"default statement {f.text[:30]!r} has provenance source {f.provenance.source!r}")
        for msg in dict.fromkeys(bad):
            self.add("drafter", f"{where}: {msg}")
        self._check_flags("drafter", tpl, d, d.flags, known_snippets=None)

    # -- verify ---------------------------------------------------------------------------------

    def check_verify(self, specialty: str, tpl: Template, case: Case, draft: Draft,
                     snippets: list[GuidelineSnippet]) -> None:
        before = draft.model_dump()
        flags: list[Any] = []
        rules = self._bundle(specialty).rules
        if rules is not None:
            try:
                flags.extend(rules(draft, case, tpl, snippets) or [])
            except Exception as exc:
                self.add("verify", f"template {tpl.id!r}: the bundle's rules raised {type(exc).__name__}: {exc}")
        for res in self._own_call("pixtralogist_verify", "verify", draft=draft, case=case, template=tpl,
                                  snippets=snippets):
            flags.extend(res if isinstance(res, (list, tuple)) else [res])
        if draft.model_dump() != before:
            self.add("verify", f"template {tpl.id!r}: the rules modified the draft (return flags instead)")
        typed = []
        for fl in flags:
            if isinstance(fl, Flag):
                typed.append(fl)
            else:
                self.add("verify", f"the rules returned a {type(fl).__name__}, not a Flag")
        self._check_flags("verify", tpl, draft, typed, known_snippets={s.id for s in snippets})

    def _check_flags(self, check: str, tpl: Template, draft: Draft, flags: list[Flag],
                     known_snippets: set[str] | None) -> None:
        finding_ids = {f.id for f in draft.findings}
        for fl in flags:
            where = f"template {tpl.id!r} flag {fl.code!r}"
            try:
                Flag.model_validate(fl.model_dump())
            except Exception as exc:
                self.add(check, f"{where} does not validate: {exc}")
            if not _FLAG_CODE_RE.match(fl.code or ""):
                self.add(check, f"{where}: use a stable lower-case code such as 'tooth-number-missing'", "warning")
            if not fl.message.strip():
                self.add(check, f"{where} has no message")
            if fl.region is not None and fl.region not in tpl.region_names:
                self.add(check, f"{where} names region {fl.region!r}, not one of {tpl.region_names}")
            if fl.finding_id is not None and fl.finding_id not in finding_ids:
                self.add(check, f"{where} names a finding that is not in the draft")
            if known_snippets is not None:
                unknown = [s for s in fl.snippet_ids if s not in known_snippets]
                if unknown:
                    self.add(check, f"{where} cites snippet ids the specialty does not have: {unknown}")

    # -- isolation ------------------------------------------------------------------------------

    def check_isolation_unknown(self) -> None:
        """The guidelines hook asked about an unknown specialty returns nothing and does not raise."""
        hook = "pixtralogist_guidelines"
        if self._own_call(hook, "isolation", context=f" asked about specialty {UNKNOWN_SPECIALTY!r}",
                          specialty=UNKNOWN_SPECIALTY):
            self.add("isolation", f"{hook} answered for specialty {UNKNOWN_SPECIALTY!r}, which no plugin "
                     "declares: return None for specialties you do not add snippets to")

    def check_isolation(self, specialty: str, templates: list[Template]) -> None:
        """Bespoke routing signals and the verify hook see cases and drafts of other specialties without raising."""
        from pixtralogist.core.examples import example_to_case, list_examples

        foreign_cases = [_foreign_case()]
        try:
            for ex in list_examples(self.host):
                if ex.specialty != specialty:
                    foreign_cases.append(example_to_case(ex))
        except Exception:  # another plugin's broken example is its own contract problem
            pass
        self.collect_failures("isolation")
        signals = self._bundle(specialty).signals
        for case in foreign_cases:
            for tpl in templates if signals is not None else []:
                try:
                    signals(case, tpl)
                except Exception as exc:
                    self.add("isolation", f"the bundle's routing signals raised {type(exc).__name__} on a case of "
                             f"another specialty: {exc}")
        tpl = _foreign_template()
        draft = _foreign_draft(tpl, foreign_cases[0])
        flags = []
        for res in self._own_call("pixtralogist_verify", "isolation", context=" on a draft of another specialty",
                                  draft=draft, case=foreign_cases[0],
                                  template=tpl, snippets=[]):
            flags.extend(res if isinstance(res, (list, tuple)) else [res])
        if flags:
            self.add("isolation", f"pixtralogist_verify flagged a draft of specialty {UNKNOWN_SPECIALTY!r} "
                     f"({[getattr(f, 'code', f) for f in flags]}): check draft.specialty first", "warning")


# --- synthetic inputs -----------------------------------------------------------------------


def _png(size: tuple[int, int] = (32, 32), value: int = 90) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", size, value).save(buf, format="PNG")
    return buf.getvalue()


def _empty_case() -> Case:
    """A case with one plain image and nothing dictated."""
    from pixtralogist.core.imaging import build_case

    return build_case([_png()])


def _foreign_case() -> Case:
    from pixtralogist.core.imaging import build_case

    return build_case([_png((24, 40), 140)], indication="Contract check: a case of no installed specialty.",
                      notes="Nothing here belongs to your plugin; 3 mm; left; possible; no.")


def _foreign_template() -> Template:
    return Template(
        id="contract-foreign", specialty=UNKNOWN_SPECIALTY, title="Contract check",
        regions=[RegionSpec(name="part", label="Part", normal="Nothing to report."),
                 RegionSpec(name="others", label="Other", normal="No other finding.")],
        impression=ImpressionRules(normal="Nothing to report."),
    )


def _foreign_draft(tpl: Template, case: Case) -> Draft:
    prov = Provenance(source="dictation", engine="contract-check", plugin="contract", plugin_version="0",
                      template_id=tpl.id, template_version=tpl.version)
    return Draft(
        case_id=case.id, specialty=UNKNOWN_SPECIALTY, template_id=tpl.id, template_version=tpl.version,
        regions=tpl.region_names, region_labels={r.name: r.label for r in tpl.regions},
        findings=[Finding(region="part", text="A 3 mm left finding is possible.", abnormal=True, uncertain=True,
                          laterality="left", size_mm=3.0, provenance=prov),
                  Finding(region="others", text="No other finding.", is_default=True,
                          provenance=prov.model_copy(update={"source": "template-default"}))],
        impression=["Possible 3 mm left finding."], provenance=prov,
    )

