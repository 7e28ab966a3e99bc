"""Hook specifications: the reference documentation for plugin authors.

A plugin is a module or object with functions named after these hooks and
decorated with :data:`pixtralogist.core.plugin.hookimpl`. Every hook name has
the ``pixtralogist_`` prefix. A plugin implements only the hooks it needs; a
hook implementation may accept any subset of the arguments listed here.

A plugin that provides a specialty implements :func:`pixtralogist_register`
and adds a :class:`~pixtralogist.core.registry.SpecialtyBundle` (templates with
their routing signals, lexicon, rules, guideline corpus, examples, default
model, optional sorter/drafter factories). The host asks the bundle of the
routed specialty for everything specialty-specific, so no implementation checks
"is this my specialty?". The two remaining hooks cross plugins: one plugin may
add guideline snippets to, or check drafts of, another plugin's specialty.

Merge rules are stated per hook: *collected* hooks return a list of every
non-None result (later-registered plugins first).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:  # pragma: no cover - typing only
    from pixtralogist.core.models import Case, Draft, Flag, GuidelineSnippet, Template
    from pixtralogist.core.registry import Registry

PROJECT = "pixtralogist"
hookspec = pluggy.HookspecMarker(PROJECT)


# --- registration ----------------------------------------------------------------


@hookspec
def pixtralogist_register(registry: "Registry") -> None:
    """Add this plugin's specialties to ``registry``.

    :param registry: call ``registry.add(SpecialtyBundle(...))`` once per specialty
        (:class:`~pixtralogist.core.registry.SpecialtyBundle`).

    Called once per plugin host. A specialty name registered twice is rejected with
    :class:`~pixtralogist.core.errors.DuplicateRegistrationError` (reported for the later
    plugin, which is skipped). Return nothing.
    """


# --- knowledge and checks (cross-plugin) -----------------------------------------


@hookspec
def pixtralogist_guidelines(specialty: str) -> "list[GuidelineSnippet] | None":
    """Guideline snippets another plugin adds to ``specialty``'s own corpus (the bundle's ``guidelines``).

    :param specialty: the specialty name being asked about; return ``None`` for the others.

    Each snippet is a short statement in the project's own words with the
    citation of its source, the regions it concerns and what it applies to.
    Collected and concatenated; snippet ids must be unique.
    """


@hookspec
def pixtralogist_verify(
    draft: "Draft", case: "Case", template: "Template", snippets: "list[GuidelineSnippet]"
) -> "list[Flag] | None":
    """Rule checks on a draft of any specialty (the bundle's ``rules`` check its own drafts).

    :param draft: the draft to check (do not modify it); ``draft.specialty`` says whose it is.
    :param case: the case it was drafted for.
    :param template: its template.
    :param snippets: the specialty's guideline snippets.
    :return: flags (severity, region, message, the ids of the snippets the rule relies on, and a
        ``stance`` only where the rule compared the report with them), or ``None``. The app shows
        each cited snippet as "cited by rule <code>", without a similarity score. Cite no snippet
        whose applicability your own test has rejected as backing for a category.

    Collected and concatenated.
    """
