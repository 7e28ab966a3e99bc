"""A drafter for any specialty that asks a vision-language model (any backend) for its regions.

:class:`ModelDrafter` implements :class:`~pixtralogist.core.protocols.Drafter`:

1. :func:`~pixtralogist.core.structured.build_prompt` for the template and case;
2. ALL the case's images (1-4, ``StudyImage.pil()``) and the prompt go to the
   backend in ONE request, with the configured adapter;
3. :func:`~pixtralogist.core.structured.parse_regions` sorts the answer into
   the template's regions (never raises; problems become flags);
4. one :class:`~pixtralogist.core.models.Finding` per sentence
   (:func:`~pixtralogist.core.text.split_sentences`, attributes from
   :func:`~pixtralogist.core.nlp.analyze`), with provenance ``source='model'``,
   the engine, model, adapter and adapter version, plugin and template;
   regions the model did not give get the template's normal statement with
   ``is_default=True`` and ``source='template-default'``;
5. the impression is the model's when it gave one, else
   :func:`~pixtralogist.core.impression.build_impression`; the draft is
   unsigned.

A :class:`~pixtralogist.core.errors.BackendError` (server down, model not
loadable) propagates with the specialty and engine named in its message.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

from pixtralogist.core.errors import BackendError, DraftingError
from pixtralogist.core.models import Case, Draft, Finding, ModelConfig, Provenance, Template

if TYPE_CHECKING:  # pragma: no cover - typing only
    from pixtralogist.core.backends import Backend
    from pixtralogist.core.structured import ParsedRegions

__all__ = ["ModelDrafter"]


class ModelDrafter:
    """Drafts with a model backend; see the module docstring.

    :param model: the model configuration in force (backend, base model or
        endpoint, adapter and its version, generation settings).
    :param specialty: the specialty being drafted (for messages).
    :param plugin: the plugin that supplies this drafter (provenance).
    :param plugin_version: its version (provenance).
    :param backend: a ready backend (default: :func:`~pixtralogist.core.backends.get_backend`
        of ``model``, created on first use).
    :param extra_terms: finding words the plugin adds to the NLP vocabulary.
    """

    def __init__(
        self,
        model: ModelConfig,
        *,
        specialty: str,
        plugin: str,
        plugin_version: str,
        backend: "Backend | None" = None,
        extra_terms: Iterable[str] = (),
    ) -> None:
        if model.backend == "offline":
            raise DraftingError("ModelDrafter needs a model backend ('transformers' or 'openai'), not 'offline'")
        self.model = model
        self.name = model.backend
        self.specialty = specialty
        self.plugin = plugin
        self.plugin_version = plugin_version
        self.extra_terms = tuple(extra_terms)
        self._backend = backend

    @property
    def backend(self) -> "Backend":
        if self._backend is None:
            from pixtralogist.core.backends import get_backend

            self._backend = get_backend(self.model)
        return self._backend

    # -- provenance --------------------------------------------------------------------

    def model_label(self) -> str | None:
        """The base model's directory name (transformers) or the server's model name (openai)."""
        if self.model.backend == "transformers" and self.model.base_model:
            return Path(self.model.base_model).name
        return self.model.model_name

    def adapter_label(self) -> str | None:
        """The adapter's directory name (transformers) or served name (openai)."""
        adapter = self.model.adapter
        if adapter and self.model.backend == "transformers":
            return Path(adapter).name or adapter
        return adapter

    def provenance(self, template: Template, source: str = "model") -> Provenance:
        return Provenance(
            source=source,
            engine=self.name,
            plugin=self.plugin,
            plugin_version=self.plugin_version,
            template_id=template.id,
            template_version=template.version,
            model=self.model_label(),
            adapter=self.adapter_label(),
            adapter_version=self.model.adapter_version,
        )

    # -- drafting ----------------------------------------------------------------------

    def prompt(self, case: Case, template: Template) -> str:
        from pixtralogist.core.structured import build_prompt

        return build_prompt(template, case)

    def _images(self, case: Case) -> list:
        if not case.images:
            raise DraftingError(
                f"the {self.name} engine drafts from images and this case has none; add 1-4 images "
                "or draft with the offline engine from dictation"
            )
        return [img.pil() for img in case.images]

    def _failed(self, exc: BackendError) -> BackendError:
        return BackendError(f"Drafting {self.specialty} with the {self.name} engine failed: {exc}")

    def generate(self, case: Case, template: Template) -> str:
        """The model's raw answer for ``case`` (one request with every image)."""
        images = self._images(case)
        try:
            return self.backend.generate(
                images,
                self.prompt(case, template),
                adapter=self.model.adapter,
                max_new_tokens=self.model.max_new_tokens,
                temperature=self.model.temperature,
            )
        except BackendError as exc:
            raise self._failed(exc) from exc

    def stream(self, case: Case, template: Template) -> Iterator[str]:
        """The raw answer as it is generated (for the UI); pass the joined text to :meth:`draft_from_text`."""
        images = self._images(case)
        try:
            yield from self.backend.stream(
                images,
                self.prompt(case, template),
                adapter=self.model.adapter,
                max_new_tokens=self.model.max_new_tokens,
                temperature=self.model.temperature,
            )
        except BackendError as exc:
            raise self._failed(exc) from exc

    def draft(self, case: Case, template: Template) -> Draft:
        return self.draft_from_text(case, template, self.generate(case, template))

    def draft_from_text(self, case: Case, template: Template, text: str) -> Draft:
        """Build the draft from a model answer (what :meth:`draft` does after generation)."""
        from pixtralogist.core.structured import parse_regions

        parsed = parse_regions(text, template)
        findings = self.findings(parsed, template)
        if parsed.impression:
            impression = parsed.impression[: template.impression.max_items]
        else:
            from pixtralogist.core.impression import build_impression

            impression = build_impression(findings, template)
        return Draft(
            case_id=case.id,
            specialty=template.specialty,
            template_id=template.id,
            template_version=template.version,
            regions=template.region_names,
            region_labels={r.name: r.label for r in template.regions},
            findings=findings,
            impression=impression,
            flags=list(parsed.flags),
            provenance=self.provenance(template),
        )

    def findings(self, parsed: "ParsedRegions", template: Template) -> list[Finding]:
        """One finding per sentence of every region; defaults marked ``is_default``."""
        from pixtralogist.core.nlp import analyze_many
        from pixtralogist.core.text import split_sentences

        model_prov = self.provenance(template)
        default_prov = self.provenance(template, source="template-default")
        rows: list[tuple[str, str, bool]] = []
        for region in template.region_names:
            is_default = region in parsed.defaulted
            for sentence in split_sentences(parsed.regions.get(region, "")):
                sentence = sentence.strip()
                if sentence:
                    rows.append((region, sentence, is_default))
        attrs = analyze_many([text for _, text, _ in rows], extra_terms=self.extra_terms + tuple(template.finding_terms))
        out: list[Finding] = []
        for (region, text, is_default), a in zip(rows, attrs):
            out.append(Finding(
                region=region,
                text=text,
                abnormal=a.abnormal and not is_default,
                negated=a.negated,
                uncertain=a.uncertain,
                laterality=a.laterality,
                size_mm=a.size_mm,
                is_default=is_default,
                provenance=default_prov if is_default else model_prov,
            ))
        return out
