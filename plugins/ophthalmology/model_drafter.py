"""The model-backed drafter for ophthalmology: core's :class:`ModelDrafter` with eye-report instructions.

Two additions to the generic drafter, nothing else changes (same backends, same
parser, same provenance):

* :meth:`EyeModelDrafter.prompt` adds ophthalmology rules to the prompt built by
  :func:`pixtralogist.core.structured.build_prompt` from the template: name the
  eye of every finding (OD/OS/OU), grade diabetic retinopathy per eye on the ICDR
  scale only from lesions actually seen, and state diabetic macular edema
  separately;
* :meth:`EyeModelDrafter.findings` reads the eye from "OD"/"OS"/"OU" (which
  core NLP does not know) so each finding's laterality is set, and uses the
  ophthalmic vocabulary for abnormality and negation.
"""

from __future__ import annotations

from pixtralogist.core.model_drafter import ModelDrafter
from pixtralogist.core.models import Case, Finding, ModelConfig, Template
from pixtralogist.plugins.ophthalmology import lexicon

__all__ = ["EYE_RULES", "EyeModelDrafter"]

EYE_RULES = (
    "Ophthalmology rules:",
    "- Name the eye in every finding: right eye (OD), left eye (OS) or both eyes (OU); never guess an eye.",
    "- If there is diabetic retinopathy, state its ICDR level per eye in the impression (no apparent "
    "retinopathy, mild NPDR, moderate NPDR, severe NPDR, PDR), consistent with the lesions you describe.",
    "- State diabetic macular edema separately (absent or present) in the impression when it is assessed.",
    "- Give quadrant counts for hemorrhages, venous beading and IRMA where you can (the 4-2-1 rule).",
)
_MARKER = "\nClinical context."


class EyeModelDrafter(ModelDrafter):
    """A :class:`~pixtralogist.core.model_drafter.ModelDrafter` with eye-report rules (see the module docstring)."""

    def __init__(self, model: ModelConfig, *, specialty: str, plugin: str, plugin_version: str, backend=None) -> None:
        super().__init__(model, specialty=specialty, plugin=plugin, plugin_version=plugin_version, backend=backend,
                         extra_terms=lexicon.NLP_TERMS)

    def prompt(self, case: Case, template: Template) -> str:
        base = super().prompt(case, template)
        rules = "\n".join(EYE_RULES) + "\n"
        if _MARKER in base:
            head, _, tail = base.partition(_MARKER)
            return f"{head}\n{rules}{_MARKER}{tail}"
        return f"{base}\n\n{rules}"

    def findings(self, parsed, template: Template) -> list[Finding]:
        out = []
        for f in super().findings(parsed, template):
            side = lexicon.laterality_of(f.text)
            if side and side != f.laterality:
                f = f.model_copy(update={"laterality": side})
            out.append(f)
        return out
