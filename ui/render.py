"""What the app shows, as plain strings and lists: pure functions of a Turn (no Gradio).

Everything user-controlled (dictation, chat messages and replies, guideline text, clinician
names) is HTML-escaped, with Markdown's link, image and emphasis characters neutralised,
before it is put into Markdown/HTML: case text is always shown as plain text.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence

from pixtralogist.agents.types import CaseSummary, ChatMessage, Citation, Turn
from pixtralogist.core.models import Draft, Flag, RouteScore, Specialty

SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}
CASE_COLUMNS = ["Case", "Status", "Specialty", "Indication", "Updated (UTC)"]
STATUS_LABEL = {
    "choose_specialty": "needs a specialty",
    "review": "in review",
    "signed": "signed",
    "error": "error",
}


#: Characters that can start Markdown syntax (emphasis, code, links, images, headings, lists,
#: tables, autolinked addresses, LaTeX): each gets a backslash escape in :func:`esc`.
_MD_PUNCT = frozenset("\\`*_{}[]()#+-.!|~:@=$")


def esc(text: object) -> str:
    """User text as literal text inside Markdown (and inline HTML): shown exactly as typed.

    ``&``, ``<`` and ``>`` become named character references (so no tag is ever formed) and
    every other ASCII punctuation character gets a Markdown backslash escape, so no emphasis,
    link, image, autolinked address or list marker is formed either. Numeric references are
    not used: Gradio's Markdown shows them literally.
    """
    out = []
    for ch in str(text or ""):
        if ch == "&":
            out.append("&amp;")
        elif ch == "<":
            out.append("&lt;")
        elif ch == ">":
            out.append("&gt;")
        elif ch in _MD_PUNCT:
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def html_esc(text: object) -> str:
    """User text inside plain HTML (not Markdown): :func:`html.escape`."""
    return html.escape(str(text or ""), quote=True)


# --- banner, status, provenance ----------------------------------------------


def banner_html(draft: Draft | None) -> str:
    if draft is None:
        return (
            '<div class="px-banner px-empty">No draft yet. Add the study and the dictation, '
            "then press <b>Draft report</b>.</div>"
        )
    if draft.is_signed:
        when = draft.signed_at.strftime("%Y-%m-%d %H:%M UTC") if draft.signed_at else ""
        return (
            f'<div class="px-banner px-signed">✔ Signed by <b>{html_esc(draft.signed_by)}</b> · {html_esc(when)} '
            "· report locked (drafted with AI assistance)</div>"
        )
    return (
        '<div class="px-banner px-unsigned">⚠ AI-generated draft — not signed. '
        "Review every region, edit as needed, and sign before clinical use.</div>"
    )


def status_md(turn: Turn | None) -> str:
    if turn is None:
        return ""
    parts = [f"**Case** `{turn.case_id}`", f"**Status** {STATUS_LABEL.get(turn.status, turn.status)}"]
    if turn.draft is not None:
        d = turn.draft
        parts.append(f"**Template** {esc(d.specialty)} / {esc(d.template_id)} v{esc(d.template_version)}")
        counts = {sev: sum(f.severity == sev for f in turn.flags) for sev in SEVERITY_ORDER}
        if any(counts.values()):
            parts.append("**Flags** " + ", ".join(f"{n} {sev}" for sev, n in counts.items() if n))
    line = " · ".join(parts)
    if turn.status == "error" and turn.error:
        line += f"\n\n⚠ {esc(turn.error)}"
    elif turn.status == "choose_specialty":
        line += "\n\nRouting was not confident: choose the specialty below."
    return line


def error_md(message: str) -> str:
    return f"⚠ {esc(message)}"


def provenance_md(draft: Draft | None) -> str:
    if draft is None:
        return ""
    p = draft.provenance
    rows = [
        ("Status", "signed" if draft.is_signed else "AI-generated draft, not signed"),
        ("Signed by", f"{draft.signed_by} at {draft.signed_at.isoformat(timespec='seconds')}" if draft.is_signed else "-"),
        ("Engine", p.engine),
        ("Model", p.model or "none (offline dictation drafter)"),
        ("Adapter", f"{p.adapter} {p.adapter_version or ''}".strip() if p.adapter else "-"),
        ("Plugin", f"{p.plugin} {p.plugin_version}"),
        ("Template", f"{draft.template_id} v{draft.template_version}"),
        ("Drafted", p.created_at.isoformat(timespec="seconds")),
        ("Guidelines", ", ".join(p.guideline_ids) or "-"),
    ]
    return "\n".join(f"- **{k}**: {esc(v)}" for k, v in rows)


# --- regions ---------------------------------------------------------------------


def region_label(draft: Draft, region: str) -> str:
    return draft.region_labels.get(region) or region.replace("_", " ").capitalize()


def _flag_line(f: Flag) -> str:
    sev = f.severity if f.severity in SEVERITY_ORDER else "info"
    return f'<span class="px-sev px-{sev}">{esc(sev)}</span> {esc(f.message)}'


def _citation_item(c: Citation) -> str:
    """One citation: the snippet, then how it was attached (retrieved with its similarity, or cited by a rule)."""
    s = c.snippet
    applies = f" Applies to: {esc(s.applicability)}" if s.applicability else ""
    return (
        f"- **{esc(s.id)}** <small>({esc(c.describe())})</small> — {esc(s.text)} "
        f"<small>Source: {esc(s.source)}.{applies}</small>"
    )


_STANCE_ORDER = {"contradicts": 0, "supports": 1, None: 2}


def _citation_order(c: Citation) -> tuple:
    """Computed conflicts first, then computed agreement, then rule citations, then retrieved by similarity."""
    return (_STANCE_ORDER.get(c.stance, 2), 0 if c.rule_ids else 1, -(c.score or 0.0))


def region_citations(draft: Draft, citations: Mapping[str, Sequence[Citation]]) -> dict[str, list[Citation]]:
    """Citations grouped by region (through the finding they are attached to), de-duplicated by snippet."""
    region_of = {f.id: f.region for f in draft.findings}
    out: dict[str, list[Citation]] = {r: [] for r in draft.regions}
    seen: dict[str, set[str]] = {r: set() for r in draft.regions}
    for fid, cits in citations.items():
        region = region_of.get(fid)
        if region is None:
            continue
        for c in sorted(cits, key=_citation_order):
            if c.snippet.id not in seen[region]:
                seen[region].add(c.snippet.id)
                out[region].append(c)
    return out


def region_flags(draft: Draft, flags: Iterable[Flag]) -> tuple[dict[str, list[Flag]], list[Flag]]:
    """Flags by region (via ``region`` or the finding) and the flags that belong to no region."""
    region_of = {f.id: f.region for f in draft.findings}
    by_region: dict[str, list[Flag]] = {r: [] for r in draft.regions}
    general: list[Flag] = []
    for fl in sorted(flags, key=lambda f: SEVERITY_ORDER.get(f.severity, 9)):
        region = fl.region if fl.region in by_region else region_of.get(fl.finding_id or "")
        (by_region[region] if region in by_region else general).append(fl)
    return by_region, general


def region_notes_md(flags: Sequence[Flag], citations: Sequence[Citation]) -> str:
    """The region's flags, then its guideline citations folded in one ``<details>``."""
    parts = [_flag_line(f) for f in flags]
    if citations:
        ordered = sorted(citations, key=_citation_order)
        n = len(ordered)
        parts.append(
            f"<details><summary>Guideline citations ({n})</summary>\n\n"
            + "\n".join(_citation_item(c) for c in ordered)
            + "\n\n</details>"
        )
    return "\n\n".join(parts)


def general_flags_md(flags: Sequence[Flag]) -> str:
    if not flags:
        return ""
    return "**Report-level flags**\n\n" + "\n\n".join(_flag_line(f) for f in flags)


def impression_text(draft: Draft | None) -> str:
    """One impression item per line (the edit box and :func:`editing.set_impression` agree on this)."""
    return "\n".join(draft.impression) if draft else ""


# --- chat, cases, candidates ----------------------------------------------------------


def chat_messages(messages: Sequence[ChatMessage]) -> list[dict]:
    """Agent messages in Gradio's messages format; system notes are shown as the assistant's, in italics.

    Every message is escaped (:func:`esc`): the clinician's words and the assistant's replies, which
    quote case and report text, are shown as plain text, never as HTML or Markdown images/links.
    """
    out: list[dict] = []
    for m in messages:
        if m.role == "clinician":
            out.append({"role": "user", "content": esc(m.text)})
        elif m.role == "assistant":
            text = esc(m.text)
            if m.sources:
                text += "\n\n<small>Sources: " + ", ".join(esc(s) for s in m.sources) + "</small>"
            out.append({"role": "assistant", "content": text})
        else:
            out.append({"role": "assistant", "content": f"_{esc(m.text)}_"})
    return out


def cases_rows(cases: Sequence[CaseSummary]) -> list[list[str]]:
    return [
        [
            c.case_id,
            STATUS_LABEL.get(c.status, c.status),
            c.specialty or "-",
            (c.indication or "")[:80],
            c.updated_at.strftime("%Y-%m-%d %H:%M") if c.updated_at else "",
        ]
        for c in cases
    ]


def candidate_choices(
    candidates: Sequence[RouteScore], installed: Mapping[str, Specialty]
) -> list[tuple[str, str]]:
    """Radio choices ``(label, specialty)``: the candidates best first, then any other installed specialty."""
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for c in candidates:
        if c.specialty in seen:
            continue
        seen.add(c.specialty)
        label = installed[c.specialty].label if c.specialty in installed else c.specialty
        why = f" — {'; '.join(c.reasons)}" if c.reasons else ""
        out.append((f"{label} (fit {c.score:.2f}){why}", c.specialty))
    for name, spec in installed.items():
        if name not in seen:
            out.append((f"{spec.label}", name))
    return out
