"""Finding vocabulary of chest radiograph reports: concepts and their synonyms, organ statements.

Read through :func:`finding_vocabulary` (the offline comparator,
:mod:`pixtralogist.finetune.comparator`, takes it from there; a specialty with
other findings passes its own :class:`~pixtralogist.core.vocabulary.FindingVocabulary`).
Extends :data:`pixtralogist.core.concepts.DEFAULT_CONCEPTS`. Patterns are
regular expressions for lower-cased, American-spelled text
(:func:`pixtralogist.core.spelling.americanize` runs first), word-bounded when
compiled.

* :data:`TERMS`: concept -> synonym patterns ("enlarged heart", "cardiac
  enlargement" and "cardiomegaly" are one finding).
* :data:`STATEMENTS`: statements about an organ: (concept, subject pattern,
  abnormal-predicate pattern or None); a subject with :data:`NORMAL` in its
  clause is the concept, absent ("Heart size is normal": no cardiomegaly).
* :data:`UMBRELLAS`: organ-level negatives and the finding negatives they
  entail ("the lungs are clear": no consolidation, no nodule, ...).
* :data:`EQUIVALENTS`: written-out forms and their abbreviations, and other
  variants, rewritten to one form before matching ("superior vena cava" ->
  "svc", "cp angle" -> "costophrenic angle", "air-space" -> "airspace").
"""

from __future__ import annotations

from functools import lru_cache

from pixtralogist.core.vocabulary import FindingVocabulary

TERMS: dict[str, tuple[str, ...]] = {
    "airspace opacity": (
        r"consolidat(?:ion|ions|ive)", r"air ?space (?:disease|opacit(?:y|ies)|consolidation|process)",
        r"infiltrat(?:e|es|ion|ive)", r"opacit(?:y|ies)", r"opacification", r"alveolar (?:opacit(?:y|ies)|process)",
        r"(?:ground[- ]glass|hazy) (?:opacit(?:y|ies)|densit(?:y|ies))", r"haziness", r"densit(?:y|ies)",
        r"airspace", r"air space",
    ),
    "interstitial abnormality": (
        r"interstiti(?:um|al) (?:opacit(?:y|ies)|markings?|disease|lung disease|prominence|thickening|changes?|pattern|edema|process|infiltrates?)",
        r"interstitial", r"reticul(?:ar|onodular)(?: opacit(?:y|ies)| markings?| pattern| densit(?:y|ies))?",
        r"kerley b(?:[- ]lines)?", r"septal lines",
    ),
    "atelectasis": (r"atelecta(?:sis|ses|tic)", r"(?:sub)?segmental collapse", r"collapse", r"volume loss"),
    "pulmonary edema": (r"(?:pulmonary |alveolar )?edema", r"fluid overload"),
    "vascular congestion": (
        r"(?:pulmonary )?(?:vascular|venous) congestion", r"congestion", r"cephali[sz]ation",
        r"(?:congestive )?heart failure", r"chf",
    ),
    "pneumonia": (r"pneumonia", r"pneumonitis", r"bronchopneumonia"),
    "nodule": (r"nodul(?:e|es|ar opacit(?:y|ies)|ar opacification|ar densit(?:y|ies)|arity)", r"micronodul(?:e|es|ar)"),
    "mass": (r"mass(?:es)?", r"masslike", r"tumou?rs?", r"neoplasms?", r"malignanc(?:y|ies)"),
    "lesion": (r"lesions?",),
    "metastatic disease": (r"metasta(?:sis|ses|tic disease)",),
    "granuloma": (
        r"granulom(?:(?:a|as|ata) with (?:dense |central |internal )?calcifications?|a|as|ata|atous(?: disease| changes?| process| infection| exposure| nodules?)?)",
        r"calcific densit(?:y|ies)", r"calcified nodul(?:e|es)", r"calcified densit(?:y|ies)", r"granulomatous nodul(?:e|es)",
    ),
    "hyperinflation": (
        r"hyper-?infla(?:tion|ted)", r"hyper-?expan(?:sion|ded)", r"over-?infla(?:tion|ted)", r"hyperaerat(?:ion|ed)",
        r"emphysema(?:tous(?: changes?| disease)?)?", r"copd", r"chronic obstructive (?:pulmonary|lung) disease",
        r"flattened (?:hemi)?diaphragms?", r"flattening of the (?:hemi)?diaphragms?",
    ),
    "bulla": (r"bullae", r"bulla", r"bullous(?: changes?| disease)?", r"blebs?"),
    "cavitation": (r"cavit(?:y|ies|ary|ation)",),
    "scarring": (r"scar(?:s|ring)?", r"fibros(?:is|es)", r"fibrotic(?: changes?)?", r"fibronodular"),
    "bronchial abnormality": (
        r"bronchiectasis", r"bronchiectatic", r"peribronchial (?:thickening|cuffing)", r"bronchial wall thickening",
        r"bronchitic changes?", r"bronchovascular crowding", r"airways? disease",
    ),
    "pleural effusion": (r"(?:pleural )?effusions?", r"pleural fluid(?: collections?)?", r"pleural liquid",
                         r"(?:fluid|liquid) in the (?:(?:left|right|bilateral|both) )?(?:pleural (?:spaces?|cavit(?:y|ies))|fissures?|costophrenic (?:angles?|sulc(?:us|i)))"),
    "pleural thickening": (r"pleural (?:thickening|plaques?|scarring|calcifications?)", r"pleural-parenchymal scarring"),
    "costophrenic blunting": (
        r"blunt(?:ing|ed) of the (?:(?:left|right|bilateral|lateral|posterior) )*costophrenic (?:angles?|sulc(?:us|i))",
        r"blunted (?:(?:left|right|bilateral|lateral|posterior) )*costophrenic (?:angles?|sulc(?:us|i))",
    ),
    "pneumothorax": (r"pneumothora(?:x|ces)", r"ptx", r"hydropneumothorax", r"(?:intra)?pleural (?:air|gas)(?: collections?)?",
                     r"(?:free )?(?:air|gas) in the (?:(?:left|right|bilateral|both) )?pleural (?:spaces?|cavit(?:y|ies))"),
    "cardiomegaly": (
        r"cardiomegaly", r"enlarged (?:heart|cardiac silhouette)", r"(?:cardiac|heart) enlargement",
        r"enlargement of the (?:heart|cardiac silhouette)", r"(?:left |right )?ventricular (?:enlargement|hypertrophy)",
        r"(?:left |right )?atrial enlargement",
    ),
    "pericardial effusion": (r"pericardial (?:effusion|fluid)",),
    "lymphadenopathy": (
        r"lymphadenopathy", r"adenopathy", r"enlarged (?:(?:hilar|mediastinal|paratracheal) )?(?:lymph )?nodes?",
        r"(?:calcified )?(?:hilar |mediastinal |paratracheal |subcarinal )?lymph nodes?",
    ),
    "aortic tortuosity": (
        r"tortu(?:ous|osity)(?: of the)?(?: thoracic| descending)? aort(?:a|ic)", r"aort(?:a|ic)[a-z ]{0,20}?tortu\w+",
        r"unfold(?:ed|ing)(?: of the)?(?: thoracic)? aort(?:a|ic)", r"aortic (?:ectasia|unfolding|elongation|dilat(?:ion|ation))",
        r"ectatic(?: thoracic)? aorta", r"(?:thoracic )?aortic aneurysm",
    ),
    "aortic atherosclerosis": (
        r"atherosclero(?:sis|tic)(?: (?:disease|changes?|calcifications?|vascular disease|plaques?))?",
        r"aortic (?:calcifications?|knob calcifications?|arch calcifications?)",
        r"calcifi(?:ed|cation of the|cations of the) (?:aorta|aortic arch|aortic knob)",
        r"vascular calcifications?",
    ),
    "calcification": (r"calcifications?",),
    "hiatal hernia": (r"hiatal hernias?", r"hiatus hernias?", r"hernias?"),
    "fracture": (r"fractur(?:e|es|ed)", r"fx"),
    "degenerative change": (
        r"degenerative (?:changes?|disease|joint disease|disc disease|arthritis|spurring|endplate changes?)",
        r"(?:thoracic |cervical |lumbar )?spondylo(?:sis|tic changes?)", r"osteophyt(?:e|es|osis)", r"spurring",
        r"osteoarthritis", r"arthritic changes?", r"arthropathy", r"dish", r"endplate (?:changes?|sclerosis)",
        r"diffuse idiopathic skeletal hyperostosis", r"degenerative",
    ),
    "scoliosis": (r"(?:dextro|levo)?scolio(?:sis|tic(?: curvature)?)", r"(?:dextro|levo)convex curvature", r"spinal curvature"),
    "kyphosis": (r"kypho(?:sis|tic(?: curvature)?)",),
    "osteopenia": (r"osteopeni(?:a|c)", r"osteoporo(?:sis|tic)", r"demineraliz(?:ation|ed)"),
    "bone lesion": (r"(?:lytic|sclerotic|blastic|destructive) (?:lesions?|changes?|foci)", r"bone islands?"),
    "deformity": (r"deformit(?:y|ies)", r"deformed"),
    "compression deformity": (r"compression (?:deformit(?:y|ies)|fractures?)", r"(?:vertebral )?(?:body )?height loss",
                              r"loss of (?:vertebral )?(?:body )?height", r"wedg(?:e|ing) (?:deformit(?:y|ies)|compression)"),
    "free air": (r"free (?:intraperitoneal |subdiaphragmatic )?air", r"pneumoperitoneum"),
    "subcutaneous emphysema": (r"subcutaneous (?:emphysema|air|gas)",),
    "pneumomediastinum": (r"pneumomediastinum",),
    "support device": (
        r"pacemakers?", r"pacer", r"aicd", r"icd", r"defibrillators?", r"(?:pacing |pacemaker )?leads?",
        r"catheters?", r"picc(?: line)?", r"port-?a-?cath", r"mediport", r"(?:endotracheal|nasogastric|orogastric|feeding|chest|"
        r"tracheostomy|enteric) tubes?", r"tracheostomy", r"central (?:venous )?lines?", r"stents?", r"surgical clips?",
        r"clips?", r"loop recorder", r"monitor(?:ing)? leads", r"wires?",
    ),
    "sternotomy": (r"(?:median )?sternotomy(?: wires?)?", r"cabg", r"coronary (?:artery )?bypass(?: grafts?)?", r"sternal wires?"),
    "postsurgical change": (r"post-?(?:surgical|operative) changes?", r"surgical changes?", r"(?:lob|pneumon)ectomy"),
    "elevated hemidiaphragm": (r"elevat(?:ed|ion of the) (?:(?:left|right) )?hemidiaphragms?",
                               r"(?:left|right) hemidiaphragm(?: is)? elevat(?:ed|ion)", r"eventration"),
    "low lung volumes": (r"low lung volumes?", r"hypoinflat(?:ion|ed)",
                          r"(?:poorly|under-?|incompletely) (?:inflated|expanded|aerated)", r"under-?(?:inflat|expan)(?:ed|ded|ion|sion)", r"hypoventilat(?:ion|ory changes?)",
                         r"(?:decreased|diminished|reduced|low) (?:lung )?volumes?", r"shallow inspiration"),
    "acute abnormality": (
        r"acute (?:cardiopulmonary|intrathoracic|thoracic|chest|pulmonary|cardiac|radiographic)?\s*"
        r"(?:disease|abnormalit(?:y|ies)|process(?:es)?|findings?|pathology)",
        r"active (?:cardiopulmonary )?disease",
    ),
    "bone abnormality": (
        r"(?:acute )?(?:bone|bony|osseous|skeletal) (?:abnormalit(?:y|ies)|lesions?|findings?|injury|pathology|process)",
    ),
    "foreign body": (r"foreign bod(?:y|ies)",),
    "hemorrhage": (r"ha?emorrhages?", r"hematoma",),
}

# Organ statements: (concept, subject pattern, abnormal-predicate pattern or None). The normal predicate is shared.
NORMAL = (
    r"normal(?:ly)?(?: in size| in contour| size| sized| contours?| appearance| caliber)?|unremarkable|"
    r"within (?:the )?normal limits|wnl|clear|negative|intact|satisfactory|stable and normal|top normal|"
    r"upper limits? of normal|(?:is |are )?midline|(?:is |are )(?:central|centrally (?:located|positioned))|"
    r"(?:show|shows|showing|reveal|reveals|demonstrate|demonstrates) no (?:acute )?abnormalit(?:y|ies)"
)
STATEMENTS: tuple[tuple[str, str, str | None], ...] = (
    ("cardiomegaly", r"heart(?: size)?|cardiac (?:silhouette|size|contours?|shadow)|cardiomediastinal|"
                     r"cardio[- ]?mediastinal|cardiac|heart and mediastinum",
     r"enlarg(?:ed|ement)|large|increased(?: in size)?|prominent|cardiomegaly"),
    ("mediastinal abnormality", r"mediastin(?:um|al)(?: (?:contours?|silhouette|structures|width))?|cardiomediastinal|"
                                r"cardio[- ]?mediastinal|heart and mediastinum",
     r"widen(?:ed|ing)|enlarg(?:ed|ement)|shift(?:ed)?|prominen(?:t|ce)"),
    ("hilar abnormality", r"hil(?:um|a|ar)(?: (?:contours?|structures|regions?))?",
     r"enlarg(?:ed|ement)|prominen(?:t|ce)|full(?:ness)?"),
    ("lung abnormality", r"lungs?|lung fields?|pulmonary parenchyma|lung parenchyma", None),
    ("vascular congestion", r"(?:pulmonary )?vascular(?:ity|ature| markings)|pulmonary vessels|vasculature",
     r"increased|prominen(?:t|ce)|engorged|congest(?:ed|ion)|indistinct|redistribut(?:ed|ion)"),
    ("bone abnormality", r"(?:osseous|bony|skeletal) (?:structures|thorax)|bones|osseous|skeleton|ribs", None),
    ("pleural abnormality", r"pleural (?:spaces?|surfaces?)|pleura|costophrenic (?:angles?|sulc(?:us|i))", None),
    ("tracheal deviation", r"trachea", r"deviat(?:ed|ion)|shift(?:ed)?|narrow(?:ed|ing)"),
    ("soft tissue abnormality", r"soft tissues?", None),
    ("low lung volumes", r"lung volumes?|inspiration|inflation|aeration", r"low|decreased|diminished|reduced|shallow|poor"),
    ("pulmonary artery enlargement", r"pulmonary arter(?:y|ies)|pulmonary trunk",
     r"enlarg(?:ed|ement)|prominen(?:t|ce)|dilat(?:ed|ation)"),
    ("aortic tortuosity", r"aort(?:a|ic)(?: arch| knob| contour)?", r"tortu(?:ous|osity)|ectatic|unfold(?:ed|ing)|dilat(?:ed|ation)|enlarg(?:ed|ement)|widen(?:ed|ing)"),
    ("elevated hemidiaphragm", r"(?:hemi)?diaphragms?", r"elevat(?:ed|ion)"),
)

#: Organ-level negatives and the finding negatives they entail ("the lungs are clear": no consolidation, ...).
UMBRELLAS: dict[str, frozenset[str]] = {
    "lung abnormality": frozenset({
        "airspace opacity", "interstitial abnormality", "atelectasis", "pulmonary edema", "pneumonia", "nodule",
        "mass", "lesion", "hyperinflation", "cavitation", "bulla", "acute abnormality"}),
    "pleural abnormality": frozenset({"pleural effusion", "pneumothorax", "pleural thickening", "costophrenic blunting"}),
    "bone abnormality": frozenset({"fracture", "bone lesion", "deformity", "compression deformity", "acute abnormality"}),
    "mediastinal abnormality": frozenset({"lymphadenopathy", "hilar abnormality", "pneumomediastinum"}),
    "cardiomegaly": frozenset({"pericardial effusion"}),
    "acute abnormality": frozenset({"airspace opacity", "pulmonary edema", "pneumonia", "pneumothorax", "pleural effusion",
                                    "fracture", "bone abnormality", "lung abnormality"}),
}

#: (pattern, replacement) applied in order to lower-cased text before matching.
EQUIVALENTS: tuple[tuple[str, str], ...] = (
    (r"peripherally inserted central (?:venous )?catheters?", "picc"),
    (r"superior vena cava", "svc"),
    (r"inferior vena cava", "ivc"),
    (r"internal jugular", "ij"),
    (r"endotracheal tube", "et tube"),
    (r"nasogastric tube", "ng tube"),
    (r"chronic obstructive (?:pulmonary|lung|airways?) disease", "copd"),
    (r"coronary artery bypass graft(?:ing|s)?", "cabg"),
    (r"anteroposterior|antero-posterior", "ap"),
    (r"posteroanterior|postero-anterior", "pa"),
    (r"cp (angles?|sulc(?:us|i)|recess(?:es)?)", r"costophrenic \1"),
    (r"air-space", "airspace"),
    (r"cardio-mediastinal", "cardiomediastinal"),
)

#: core.concepts entries not used: "calcified granuloma" is one finding, not a granuloma and a calcification.
REPLACES_CORE = frozenset({"calcification"})
#: core.concepts names folded into this vocabulary's broader concepts.
CANONICAL = {
    "consolidation": "airspace opacity",
    "airspace disease": "airspace opacity",
    "opacity": "airspace opacity",
    "emphysema": "hyperinflation",
    "mediastinal widening": "mediastinal abnormality",
}


@lru_cache(maxsize=1)
def finding_vocabulary() -> FindingVocabulary:
    """The chest radiograph finding vocabulary (one shared, read-only instance)."""
    return FindingVocabulary(
        terms=tuple((name, tuple(syns)) for name, syns in TERMS.items()),
        statements=STATEMENTS,
        normal=NORMAL,
        umbrellas=tuple((name, members) for name, members in UMBRELLAS.items()),
        equivalents=EQUIVALENTS,
        replaces_core=REPLACES_CORE,
        canonical=tuple(CANONICAL.items()),
    )
