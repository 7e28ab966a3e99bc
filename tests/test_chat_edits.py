"""The review chat understands plain edits in every specialty (issue 13, second half).

Drafts come from the real offline drafters of the built-in plugins; flags from the real checks;
the language-model fallback talks to a real http.server on 127.0.0.1.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pixtralogist.agents import chat
from pixtralogist.core.checks import run_generic_checks
from pixtralogist.core.models import Case, ModelConfig

SPECIALTY = {"cxr": ("radiology", "CR", "chest"), "ct_chest": ("radiology", "CT", "chest"),
             "mri_brain": ("radiology", "MR", "brain"), "breast-resection": ("pathology", "SM", "breast"),
             "skin_lesion": ("dermatology", "XC", "skin"), "fundus": ("ophthalmology", "OP", "eye"),
             "octa": ("ophthalmology", "OPT", "eye")}


def _case(template: str, dictation: str) -> Case:
    specialty, modality, body = SPECIALTY[template]
    return Case(notes=dictation, indication="", modality=modality, body_part=body, specialty_hint=specialty)


@pytest.fixture(scope="module")
def host():
    from pixtralogist.core.plugins import get_plugin_manager

    return get_plugin_manager(autoload=False)


def drafted(host, template_id: str, dictation: str, *, llm=None, history=None, proposal=None):
    """(draft, ChatContext) for one case, with the real drafter, sorter, lexicon and checks."""
    template = host.template(template_id)
    drafter = host.drafter(template.specialty, template)
    case = _case(template_id, dictation)
    d = drafter.draft(case, template)
    if not d.region_labels:
        d = d.model_copy(update={"region_labels": {r.name: r.label for r in template.regions}})
    flags = run_generic_checks(d, template) + host.verify(d, case, template, host.guidelines(template.specialty))
    d = d.model_copy(update={"flags": flags})
    ctx = chat.ChatContext(template=template, sorter=host.region_sorter(template.specialty, template), flags=flags,
                           citations={}, search=lambda q, r: [], lexicon=getattr(drafter, "lexicon", None),
                           history=history or [], proposal=proposal, llm=llm,
                           dictate=chat.dictation_reader(drafter, case, template),
                           conclude=chat.impression_builder(drafter, template))
    return d, ctx


def said(d, region: str) -> str:
    return d.region_dict()[region].lower()


# --- statements: dictation merged into the draft -------------------------------------------------

STATEMENTS = [
    # template, dictation, message, region, must say, must no longer say
    ("cxr", "Mod R effusion. Heart nl. No PTX.", "no, it's the left side", "lung", ["left", "effusion"], ["right"]),
    ("cxr", "Mod R effusion. Heart nl.", "effusion is small", "lung", ["small right pleural effusion"], ["moderate"]),
    ("cxr", "Mod R effusion. No PTX.", "there is also a small left apical pneumothorax", "lung",
     ["small left apical pneumothorax", "moderate right pleural effusion"], ["no pneumothorax"]),
    ("ct_chest", "7mm solid nodule RUL. No LAD.", "the nodule is 9 mm, not 7", "lungs_airways", ["9 mm"], ["7 mm"]),
    ("mri_brain", "Acute infarct R MCA territory. No hemorrhage.", "the infarct is on the left, not the right",
     "parenchyma", ["acute infarct left"], ["right"]),
    ("breast-resection", "L mastectomy. IDC 3cm, grade 2. LVI not identified.", "grade is 3", "grade", ["grade 3"],
     ["grade 2"]),
    ("breast-resection", "R lumpectomy. IDC 1.8cm G2. Margins neg.", "margins are involved at the posterior margin",
     "margins", ["involved", "posterior"], ["negative"]),
    ("skin_lesion", "6mm irreg pigmented lesion L shoulder, asymmetric.", "it's on the right shoulder",
     "distribution_site", ["right shoulder"], ["left"]),
    ("skin_lesion", "6mm irreg pigmented lesion L shoulder, asymmetric.", "size is 8 mm", "size", ["8 mm"], ["6 mm"]),
    ("fundus", "OD: dot-blot hemes 2 quadrants. Macula flat.", "sorry, that was the left eye", "periphery",
     ["left eye"], ["right eye"]),
    ("octa", "OD FAZ enlarged, irregular. SCP density reduced. No NV.", "DCP density is also reduced", "deep_plexus",
     ["reduced"], []),
    # a finding the draft denies, stated as present, replaces the denial (and the reverse)
    ("cxr", "Small L effusion. Heart nl. No PTX.", "there's a small right pneumothorax", "lung",
     ["small right pneumothorax", "small left pleural effusion"], ["no pneumothorax", "no right"]),
    ("cxr", "Small L effusion. Heart nl. No PTX.", "no effusion", "lung", ["no effusion", "no pneumothorax"],
     ["small left"]),
    ("cxr", "Small L effusion. Heart nl.", "the heart is enlarged", "heart", ["enlarged"], ["normal"]),
    ("skin_lesion", "6mm irreg pigmented lesion L shoulder, asymmetric.", "the lesion is symmetric", "morphology",
     ["symmetric"], ["asymmetric"]),
]


def applied(host, template, dictation, message, region, present, absent):
    """Apply ``message`` to the drafted case; check the region's text and that the change is shown."""
    d, ctx = drafted(host, template, dictation)
    res = chat.handle(message, d, ctx)
    assert res.changed, res.reply
    text = said(res.draft, region)
    for p in present:
        assert p in text, (text, res.reply)
    for a in absent:
        assert a not in text, (text, res.reply)
    assert "\u2192" in res.reply and res.edits
    return d, res


@pytest.mark.parametrize("template,dictation,message,region,present,absent", STATEMENTS,
                         ids=[f"{s[0]}:{s[2]}" for s in STATEMENTS])
def test_statement_is_merged_into_the_draft(host, template, dictation, message, region, present, absent):
    d, res = applied(host, template, dictation, message, region, present, absent)
    # every change is shown as a before/after line, one per changed region
    for e in res.edits:
        assert e["before"] != e["after"]
        assert f"\u201c{e['after']}\u201d" in res.reply
    # regions the message did not touch are as they were
    before, after = d.region_dict(), res.draft.region_dict()
    assert {r for r in after if after[r] != before[r]} == {e["region"] for e in res.edits}
    assert all(f.provenance.source == "clinician" for f in res.draft.findings if f.region == region
               and f.text.lower() not in before[region].lower())


# --- imperatives without a fixed syntax ----------------------------------------------------------

IMPERATIVES = [
    ("cxr", "Mod R effusion w/ basilar atelectasis. Heart nl.", "make the effusion small", "lung",
     ["small right pleural effusion", "atelectasis"], ["moderate"]),
    ("cxr", "Mod R effusion. Basilar atelectasis R. Heart nl.", "drop the atelectasis", "lung",
     ["moderate right pleural effusion"], ["atelectasis"]),
    ("cxr", "Small L effusion. Heart nl.", "change left to right in the effusion", "lung", ["small right"], ["left"]),
    ("cxr", "Old R rib fx. Lungs clear.", "say the rib fracture is acute", "bone", ["acute right rib fracture"], ["old"]),
    ("ct_chest", "7mm solid nodule RUL. No LAD.", "change the nodule size to 8 mm", "lungs_airways", ["8 mm"], ["7 mm"]),
    ("mri_brain", "Acute infarct R MCA territory. Mastoid effusion L, small.", "remove the mastoid effusion",
     "skull_soft_tissues", [], ["mastoid"]),
    ("breast-resection", "R lumpectomy. IDC 1.8cm G2. Margins neg.", "set the grade to 3", "grade", ["grade 3"],
     ["grade 2"]),
    ("breast-resection", "L lumpectomy. IDC 1cm G1. ER 100% PR 90% HER2 0. Ki-67 5%.", "drop the Ki-67", "others",
     ["er 100%"], ["ki-67"]),
    ("skin_lesion", "Symmetric tan macule 4mm, reg border, typical network. L forearm.", "make the border irregular",
     "border", ["irregular"], []),
    ("octa", "OS type 1 CNV, lacy flow. FAZ nl.", "change the eye to right", "neovascularization", ["right eye"],
     ["left"]),
]


@pytest.mark.parametrize("template,dictation,message,region,present,absent", IMPERATIVES,
                         ids=[f"{s[0]}:{s[2]}" for s in IMPERATIVES])
def test_imperative_edit(host, template, dictation, message, region, present, absent):
    applied(host, template, dictation, message, region, present, absent)


def test_move_and_refusals_say_what_happened(host):
    d, ctx = drafted(host, "ct_chest", "Thyroid nodule R 9 mm. Lungs clear.")
    here = next(f.region for f in d.findings if "thyroid" in f.text.lower())
    target = "lungs_airways" if here != "lungs_airways" else "others"
    res = chat.handle(f"move the thyroid nodule to {d.region_labels[target]}", d, ctx)
    assert res.changed and "thyroid" in said(res.draft, target) and "thyroid" not in said(res.draft, here)
    # a finding the draft does not have: nothing changes, and the reply says so
    d, ctx = drafted(host, "cxr", "Mod R effusion. Heart nl.")
    res = chat.handle("delete the left effusion", d, ctx)
    assert not res.changed and res.draft == d and "no left effusion" in res.reply.lower()
    # remarks are not edits; offline, the reply says what the assistant can do
    for remark in ("thanks", "hmm, let me look at the photo again"):
        res = chat.handle(remark, d, ctx)
        assert not res.changed and "no language model is configured" in res.reply and "undo" in res.reply


# --- undo ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("template,dictation,edit", [
    ("cxr", "Small L effusion. Heart nl.", "add mild cardiomegaly"),
    ("ct_chest", "7mm solid nodule RUL. No LAD.", "the nodule is 9 mm"),
    ("mri_brain", "Acute infarct R MCA territory.", "the infarct is on the left"),
    ("breast-resection", "R lumpectomy. IDC 1.8cm G2. Margins neg.", "grade is 3"),
    ("skin_lesion", "6mm irreg pigmented lesion L shoulder, asymmetric.", "remove asymmetric"),
    ("fundus", "OD: dot-blot hemes 2 quadrants. Macula flat.", "that was the left eye"),
])
def test_undo_reverts_the_last_change(host, template, dictation, edit):
    d, ctx = drafted(host, template, dictation)
    first = chat.handle(edit, d, ctx)
    assert first.changed and not first.undo
    d2, ctx2 = first.draft, chat.ChatContext(**{**ctx.__dict__, "history": [
        {"draft": d.model_dump(mode="json"), "impression_locked": False}]})
    res = chat.handle("undo", d2, ctx2)
    assert res.undo and res.draft.region_dict() == d.region_dict() and res.draft.impression == d.impression
    assert "\u2192" in res.reply
    # nothing to undo: said plainly, nothing changes
    res = chat.handle("undo", d, ctx)
    assert not res.changed and not res.undo and "no change to undo" in res.reply


# --- flag questions ------------------------------------------------------------------------------

@pytest.mark.parametrize("template,dictation,topic", [
    ("ct_chest", "7mm solid nodule RUL. No LAD.", "nodule"),
    ("breast-resection", "R lumpectomy. IDC 1.8cm. Margins neg.", "grade"),
    ("skin_lesion", "Pigmented lesion R thigh, 7mm, irreg dots/globules, regression structures, blue-white veil.",
     "dermoscopy"),
    ("fundus", "OD: dot-blot hemes 2 quadrants, CWS x2. Macula flat.", None),
    ("cxr", "Mod R effusion. No PTX.", None),
    ("mri_brain", "No acute infarct. Ventricles nl.", None),
])
def test_flag_questions_explain_the_actual_flag(host, template, dictation, topic):
    d, ctx = drafted(host, template, dictation)
    if topic is not None:
        res = chat.handle(f"why is the {topic} flagged?", d, ctx)
        about = [f for f in ctx.flags if topic in chat._flag_text(f, d)]
        assert about, [f.message for f in ctx.flags]
        assert any(f.message in res.reply and f"Rule: {f.code}" in res.reply for f in about), res.reply
        assert "Read from the draft" in res.reply
        assert not res.changed
    # something the draft has no flag about: said plainly, no other flag quoted
    res = chat.handle("why is the aneurysm flagged?", d, ctx)
    assert "nothing about aneurysm is flagged" in res.reply.lower()
    assert not any(f.message in res.reply for f in ctx.flags)


def test_flag_explanation_quotes_the_rule_snippet(host):
    from pixtralogist.agents.types import Citation

    d, ctx = drafted(host, "ct_chest", "7mm solid nodule RUL. No LAD.")
    snippets = {s.id: s for s in host.guidelines("radiology")}
    flag = next(f for f in chat._flags_about("why is the nodule flagged?", d, ctx.flags) if f.snippet_ids)
    ctx.citations = {flag.finding_id: [Citation(snippet=snippets[i], origin="rule") for i in flag.snippet_ids]}
    res = chat.handle("why is the nodule flagged?", d, ctx)
    sid = flag.snippet_ids[0]
    assert f"Source (cited by rule {flag.code})" in res.reply and sid in res.reply and sid in res.sources
    assert "size 7 mm" in res.reply


# --- the language model for free-form turns, with confirmation -----------------------------------


class _Model:
    """A real OpenAI-compatible endpoint on 127.0.0.1 answering with ``answer``; records the prompts."""

    def __init__(self, answer: str) -> None:
        self.answer, self.prompts = answer, []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):  # quiet
                pass

            def do_POST(self):  # noqa: N802 - http.server API
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                owner.prompts.append(body["messages"][-1]["content"])
                out = json.dumps({"id": "c1", "object": "chat.completion", "model": body["model"], "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": owner.answer},
                     "finish_reason": "stop"}]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.mark.parametrize("template,dictation,region", [
    ("cxr", "Mod R effusion. Heart nl.", "heart"),
    ("breast-resection", "R lumpectomy. IDC 1.8cm G2. Margins neg.", "margins"),
    ("skin_lesion", "6mm irreg pigmented lesion L shoulder.", "border"),
    ("fundus", "OD: dot-blot hemes 2 quadrants. Macula flat.", "macula"),
])
def test_free_form_turn_goes_to_the_model_and_waits_for_confirmation(host, template, dictation, region):
    proposed = "Clinician's wording from the model."
    server = _Model(json.dumps({"region": region, "text": proposed}))
    try:
        llm = chat.chat_model(ModelConfig(backend="openai", endpoint=server.url, model_name="m", max_retries=0))
        assert llm is not None and chat.chat_model(ModelConfig()) is None  # offline: no model
        d, ctx = drafted(host, template, dictation, llm=llm)
        res = chat.handle("hmm, reword that bit the way I usually do", d, ctx)
        # the model saw the draft and the message; its edit is shown, not applied
        assert "reword that bit" in server.prompts[0] and d.region_dict()[region] in server.prompts[0]
        assert not res.changed and res.draft == d and res.proposal == {"region": region, "text": proposed}
        assert "not applied yet" in res.reply and proposed in res.reply
        d2, ctx2 = drafted(host, template, dictation, llm=llm, proposal=res.proposal)
        done = chat.handle("yes", d2, ctx2)
        assert done.changed and done.draft.region_dict()[region] == proposed and done.proposal is None
        assert "\u2192" in done.reply
        declined = chat.handle("no", d2, ctx2)
        assert not declined.changed and "Discarded" in declined.reply
    finally:
        server.close()


def test_unreachable_model_is_said_plainly(host):
    llm = chat.chat_model(ModelConfig(backend="openai", endpoint="http://127.0.0.1:9", model_name="m",
                                      max_retries=0, timeout_s=2))
    d, ctx = drafted(host, "cxr", "Mod R effusion. Heart nl.", llm=llm)
    res = chat.handle("hmm, reword that bit", d, ctx)
    assert not res.changed and "could not be reached" in res.reply and res.proposal is None


# --- through the agent: history for undo, one feedback edit per change ---------------------------


def test_chat_changes_are_one_edit_each_and_undo_goes_back(service):
    turn = service.start(_case("ct_chest", "Mod L effusion. Lungs clear. No LAD."))
    cid, fb = turn.case_id, service.runtime.feedback
    drafted_regions = turn.draft.region_dict()
    turn = service.message(cid, "the effusion is large, with complete collapse of the left lower lobe")
    after = turn.draft.region_dict()
    assert "large left pleural effusion" in after["pleura"].lower() and "collapse" in after["lungs_airways"].lower()
    edits = fb.edits(cid)
    assert len(edits) == 1 and set(edits[0]["region"].split(",")) == {"pleura", "lungs_airways"}
    assert "Pleura:" in edits[0]["before"] and "\u2192" in turn.messages[-1].text
    turn = service.message(cid, "effusion is moderate")
    assert "moderate left pleural effusion" in turn.draft.region_dict()["pleura"].lower()
    turn = service.message(cid, "undo")
    assert turn.draft.region_dict() == after and "Undone" in turn.messages[-1].text
    turn = service.message(cid, "undo")
    assert turn.draft.region_dict() == drafted_regions
    turn = service.message(cid, "undo")
    assert turn.draft.region_dict() == drafted_regions and "no change to undo" in turn.messages[-1].text
    assert [e["kind"] for e in fb.edits(cid)] == ["statement", "statement", "undo", "undo"]
    # an edit typed into a region box is undone from the chat too
    turn = service.edit_region(cid, "others", "Small hiatal hernia.")
    assert turn.draft.region_dict()["others"] == "Small hiatal hernia."
    turn = service.message(cid, "undo")
    assert turn.draft.region_dict() == drafted_regions


def test_a_synonym_added_to_the_lexicon_is_understood_by_the_chat(host):
    """The chat finds "the same finding" with the routed lexicon: one synonym line, no chat code."""
    from pixtralogist.kit import Concept, Lexicon

    d, ctx = drafted(host, "cxr", "Small L effusion. Heart nl.")
    assert ctx.lexicon is not None and any(c.id == "pleural_effusion" for c in ctx.lexicon.concepts)
    # without the synonym, "hydrothorax" is a finding of its own: added, the effusion left as it was
    res = chat.handle("hydrothorax is large", d, ctx)
    assert said(res.draft, "lung") == said(d, "lung") and "hydrothorax" in " ".join(res.draft.region_dict().values()).lower()
    ctx.lexicon = ctx.lexicon.extend(Lexicon(concepts=(Concept(id="pleural_effusion", synonyms=("hydrothorax",)),)))
    res = chat.handle("hydrothorax is large", d, ctx)
    assert "large left pleural effusion" in said(res.draft, "lung") and "hydrothorax" not in said(res.draft, "lung")
