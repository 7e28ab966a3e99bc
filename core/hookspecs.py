"""Hook specifications: the reference documentation for plugin authors.

A plugin is a module or object with functions named after these hooks and
decorated with :data:`pixtralogist.core.plugin.hookimpl`. Every hook name has
the ``pixtralogist_`` prefix. A plugin implements only the hooks it needs; a
hook implementation may accept any subset of the arguments listed here.

Hooks that take a ``specialty`` argument are called for every specialty; an
implementation returns ``None`` for specialties it does not handle. That lets
one plugin add, say, guideline snippets to another plugin's specialty.

Merge rules are stated per hook: *collected* hooks return a list of every
non-None result (later-registered plugins first); *first result* hooks stop
at the first non-None result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:  # pragma: no cover - typing only
    from pixtralogist.core.models import (
        Case,
        Draft,
        ExampleCase,
        Flag,
        GuidelineSnippet,
        ModelConfig,
        RouteScore,
        Specialty,
        Template,
    )
    from pixtralogist.core.protocols import Drafter, RegionSorter

PROJECT = "pixtralogist"
hookspec = pluggy.HookspecMarker(PROJECT)


# --- identity ------------------------------------------------------------------


@hookspec
def pixtralogist_specialty() -> "Specialty | None":
    """Declare the specialty this plugin provides.

    Return a :class:`~pixtralogist.core.models.Specialty` (name, label,
    version, description), or ``None`` for a plugin that only extends other
    specialties. Collected; two plugins declaring the same name is an error
    reported for the later one.
    """


@hookspec
def pixtralogist_templates(specialty: str) -> "list[Template] | None":
    """Report templates of ``specialty``.

    :param specialty: the specialty name being asked about.
    :return: templates (ordered regions with normal defaults and impression
        rules), or ``None`` when the plugin has none for this specialty.

    Collected and concatenated; template ids must be unique across plugins.
    """


# --- routing -------------------------------------------------------------------


@hookspec
def pixtralogist_route(case: "Case") -> "list[RouteScore] | None":
    """Score how well this plugin's templates fit ``case``.

    :param case: the validated case (DICOM modality and body part, image
        metadata, indication, notes, specialty hint).
    :return: one :class:`~pixtralogist.core.models.RouteScore` per template
        that could fit (score 0..1 with human-readable reasons), or ``None``.

    Collected. The router picks the highest score; a case where no score is
    confident, or two specialties tie, is handed to the clinician to choose.
    """


# --- drafting --------------------------------------------------------------------


@hookspec(firstresult=True)
def pixtralogist_drafter(specialty: str, template: "Template", model: "ModelConfig") -> "Drafter | None":
    """A drafter for ``template`` of ``specialty`` with the configured ``model``.

    :param specialty: the routed specialty.
    :param template: the chosen template.
    :param model: the model configuration in force for the specialty
        (``backend='offline'`` means no vision model: draft from dictation).
    :return: an object implementing :class:`~pixtralogist.core.protocols.Drafter`,
        or ``None`` when this plugin does not handle the combination.

    First result wins.
    """


@hookspec(firstresult=True)
def pixtralogist_region_sorter(specialty: str, template: "Template") -> "RegionSorter | None":
    """A region sorter for ``template`` of ``specialty``.

    :return: an object implementing
        :class:`~pixtralogist.core.protocols.RegionSorter` whose ``sort`` returns
        exactly the template's regions as keys, or ``None``.

    First result wins.
    """


@hookspec(firstresult=True)
def pixtralogist_model_config(specialty: str) -> "ModelConfig | None":
    """The plugin's default model/adapter configuration for ``specialty``.

    Site configuration (YAML / ``PIXTRALOGIST_*`` environment variables)
    overrides it. Return ``None`` to leave the default (offline engine).
    First result wins.
    """


# --- knowledge and checks --------------------------------------------------------


@hookspec
def pixtralogist_guidelines(specialty: str) -> "list[GuidelineSnippet] | None":
    """Guideline snippets for ``specialty``.

    Each snippet is a short statement in the project's own words with the
    citation of its source, the regions it concerns and what it applies to.
    Collected and concatenated; snippet ids must be unique.
    """


@hookspec
def pixtralogist_verify(
    draft: "Draft", case: "Case", template: "Template", snippets: "list[GuidelineSnippet]"
) -> "list[Flag] | None":
    """Rule checks on a draft.

    :param draft: the draft to check (do not modify it).
    :param case: the case it was drafted for.
    :param template: its template.
    :param snippets: the specialty's guideline snippets.
    :return: flags (severity, region, message, the ids of the snippets the rule relies on, and a
        ``stance`` only where the rule compared the report with them), or ``None``. The app shows
        each cited snippet as "cited by rule <code>", without a similarity score. Cite no snippet
        whose applicability your own test has rejected as backing for a category.

    Collected and concatenated.
    """


@hookspec
def pixtralogist_examples(specialty: str) -> "list[ExampleCase] | None":
    """Example cases of ``specialty`` for the app's "try an example" button and for tests.

    :param specialty: the specialty name being asked about.
    :return: :class:`~pixtralogist.core.models.ExampleCase` objects whose images
        the plugin generates itself (synthetic PNG/DICOM bytes, never patient
        data) with invented dictation, or ``None``.

    Collected and concatenated; example ids must be unique.
    """
