"""Vocabulary of the brain MRI region sorter (template ``mri_brain``), for :class:`.lexicon_sorter.LexiconSorter`.

Regions: ``parenchyma``, ``ventricles_extraaxial``, ``vessels``,
``skull_soft_tissues``, ``others`` (technique, comparison, recommendations,
no anatomy).

Labelling decisions applied consistently: periventricular and deep white
matter signal is parenchyma ("periventricular" is read before "ventricle");
small vessel / microvascular ischemic change is parenchyma (before "vessel");
intraventricular and subarachnoid blood and extra-axial collections are
ventricles_extraaxial; dural venous sinuses are vessels, paranasal sinuses are
skull_soft_tissues; the pituitary and sella are parenchyma; "frontal sinus" is
skull, "frontal lobe" parenchyma; bare "hemorrhage", "lesion", "mass" and
"hyperintensity" are parenchyma when no anatomy is named.

Rules are ``(tag, pattern)``, tried in order at each word start; see
:mod:`.lexicon_sorter` for the tags. Lower-cased text, non-capturing groups only.
"""

from __future__ import annotations

DEVICE = r"\b(?:shunt(?: catheter)?|ventriculostomy|(?:evd|external ventricular) drain|cochlear implant|aneurysm clips?|coils?)\b"

RULES: list[tuple[str, str]] = [
    # ---- technique and reporting phrases ----------------------------------------------------------
    ("others", r"\b(?:t1|t2|flair|dwi|adc|swi|gre|diffusion[- ]weighted|susceptibility[- ]weighted|post-?contrast|pre-?contrast|"
               r"gadolinium|contrast|sequences?|multiplanar|multisequence|images?|imaging|examination|exam\b|study|"
               r"motion(?: artifact)?|artifact\w*)\b(?! (?:hyperintens\w*|signal|abnormalit\w*))"),
    ("others", r"\b(?:mri?|mr imaging|magnetic resonance imaging|ct|study|examination) of the (?:brain|head)\b"),
    ("others", r"\b(?:compared (?:to|with)|comparison|prior (?:mri?|ct|study|exam\w*|imaging)|no prior|since)\b"),
    ("others", r"\b(?:recommend\w*|suggest\w*|advised|follow-?up(?: mri?| imaging)?|correlat\w*)\b"),
    ("others", r"\bno acute (?:intracranial )?(?:abnormalit\w*|process|findings?|disease)"),
    # ---- phrases that contain misleading words ------------------------------------------------------
    ("parenchyma", r"\b(?:small[- ]vessel|microvascular|microangiopathic|chronic small vessel)(?: ischemic)?(?: disease| changes?| white matter changes?)?"),
    ("parenchyma", r"\b(?:periventricular|subependymal|juxtacortical|infratentorial|supratentorial|deep|subcortical)"
                   r"(?: and (?:periventricular|subcortical|deep))?(?: white matter)?"),
    ("vessels", r"\b(?:dural )?venous sinus\w*|\b(?:superior sagittal|transverse|sigmoid|straight|cavernous) sinus\w*|\bsinus thrombosis"
                r"|\bcortical veins?|\bdeep veins?|\bvein of galen|\bdevelopmental venous anomal\w*"),
    ("skull_soft_tissues", r"\b(?:paranasal|maxillary|ethmoid\w*|sphenoid\w*|frontal) sinus\w*|\bsinuses\b|\bsinus (?:disease|mucosal thickening)"
                           r"|\bmucosal thickening|\bretention cysts?|\bair-?fluid levels?"),
    ("ventricles_extraaxial", r"\bintraventricular(?: hemorrhage| blood)?|\bsubarachnoid(?: hemorrhage| blood| space)?"
                              r"|\b(?:subdural|epidural|extra-?axial)(?: hematoma| hemorrhage| collections?| fluid| hygroma)?"
                              r"|\bmidline shift|\bherniation|\bhydroceph\w*|\bventriculomegaly"),
    ("vessels", r"\b(?:middle|anterior|posterior) cerebral arter\w*|\b(?:mca|aca|pca|ica|pica|aica)\b|\bcircle of willis"
                r"|\b(?:internal )?carotid\w*|\bbasilar(?: artery| tip)?|\bvertebral arter\w*|\bvertebrobasilar|\bcommunicating arter\w*"),
    # ---- parenchyma ------------------------------------------------------------------------------------
    ("ventricles_extraaxial", r"\b(?:frontal|temporal|occipital) horns?|\bcerebellar tonsils?|\btonsillar (?:ectopia|herniation)"),
    ("parenchyma", r"\b(?:frontal|parietal|temporal|occipital|insular) (?:lobes?|cortex)"
                   r"|\bbrain(?: parenchyma| substance)?\b|\bparenchym\w*|\bcerebr(?:al|um)\b(?! arter)|\bcerebell\w*|\bhemispher\w*"
                   r"|\bwhite matter|\bgr[ae]y matter|\bgr[ae]y-white|\bcortex\b|\bcortical\b|\bbasal ganglia|\bthalam\w*"
                   r"|\binternal capsule|\bcorona radiata|\bcentrum semiovale|\bbrain ?stem|\bpons\b|\bpontine|\bmidbrain"
                   r"|\bmedulla\b|\bcorpus callosum|\bhippocamp\w*|\bamygdala|\bpituitary|\bsella\w*|\bsuprasellar"
                   r"|\binfarct\w*|\bischemi\w*|\bgliosis|\bencephalomalacia|\brestricted diffusion|\bdiffusion restriction"
                   r"|\bdemyelinat\w*|\blacun\w*|\bmicrohemorrhag\w*|\bmicrobleeds?|\batroph\w*|\bvolume loss|\bvasogenic"
                   r"|\bcytotoxic|\bglioma\w*|\bencephal\w*|\bcerebritis|\babscess\w*|\bcavernoma\w*|\bcavernous malformation"),
    # ---- ventricles and extra-axial spaces --------------------------------------------------------------
    ("ventricles_extraaxial", r"\bventric\w*|\bsulc\w*|\bcistern\w*|\bmening\w*|\bleptomening\w*|\bpachymening\w*|\bdura\w*"
                              r"|\bcsf\b|\bcerebrospinal fluid|\bchoroid plexus|\bforamen magnum|\bcerebellar tonsils?|\bcollections?\b"),
    # ---- vessels ----------------------------------------------------------------------------------------
    ("vessels", r"\bflow voids?|\barter\w*|\bvessels?\b|\bvascular\b|\baneurysm\w*|\bavm\b|\barteriovenous|\bvascular malformation\w*"
                r"|\bstenos\w*|\bocclusion|\boccluded|\bdissection|\bvenous\b|\bveins?\b"),
    # ---- skull, orbits, sinuses, soft tissues --------------------------------------------------------------
    ("skull_soft_tissues", r"\bcalvari\w*|\bskull\b|\bskull base|\bmarrow\b|\bosse?ous\b|\bbon(?:e|es|y)\b|\bfractur\w*"
                           r"|\borbit\w*|\bglobes?\b|\boptic nerves?|\bextraocular|\blens\b|\bmastoid\w*|\bair cells"
                           r"|\bmiddle ears?|\bscalp\b|\bsoft tissues?\b|\bextracranial|\bnasopharyn\w*|\bclivus"),
    # ---- finding nouns with a usual home -----------------------------------------------------------------
    ("finding:parenchyma", r"\bhyperintens\w*|\bhypointens\w*|\blesions?\b|\bmass(?:es)?\b|\bmass effect|\benhanc\w*"
                           r"|\bhemorrhag\w*|\bbleed\w*|\bhematoma|\bedema\b|\bsignal abnormalit\w*|\bfoci\b|\bfocus\b"
                           r"|\bplaques?\b|\bmetasta\w*|\btumou?r|\bneoplasm|\bstroke"),
    ("finding:ventricles_extraaxial", r"\bmeningioma\w*|\bhygroma"),
    ("weak:others", r"\bnormal\b|\bunremarkable\b|\bstable\b|\bunchanged\b|\bacute\b|\bintracranial\b"),
]
