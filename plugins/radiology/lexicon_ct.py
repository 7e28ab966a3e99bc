"""Vocabulary of the CT chest region sorter (template ``ct_chest``), for :class:`.lexicon_sorter.LexiconSorter`.

Regions: ``lungs_airways``, ``pleura``, ``mediastinum_hila``, ``heart_vessels``,
``chest_wall_bones``, ``upper_abdomen``, ``others`` (lower neck and thyroid,
devices, technique, comparison, recommendations, no anatomy).

Labelling decisions applied consistently: a nodule is a lung nodule unless an
organ is named ("thyroid nodule" -> others, "adrenal nodule" -> upper abdomen,
"pleural nodularity" -> pleura); "subpleural", "perifissural" and "perihilar"
describe lung; lymph nodes go where they are (mediastinal and hilar ->
mediastinum_hila, axillary -> chest wall, upper abdominal -> upper abdomen,
supraclavicular -> others with the lower neck); pulmonary arteries and emboli
are heart_vessels; a hiatal hernia is mediastinal (esophagus).

Rules are ``(tag, pattern)``, tried in order at each word start; see
:mod:`.lexicon_sorter` for the tags. Lower-cased text, non-capturing groups only.
"""

from __future__ import annotations

_SIDE = r"(?:(?:right|left|bilateral|both) )?"

DEVICE = (
    r"\b(?:catheters?|port-?a-?cath|(?:chest |infusion )?port\b|picc|central (?:venous )?line|pacemaker|pacer|"
    r"defibrillator|aicd|icd\b|(?:pacing |pacemaker )?leads?\b|(?:endotracheal|nasogastric|orogastric|chest|feeding|"
    r"tracheostomy) tube|stents?|clips?\b|drains?\b)"
)

RULES: list[tuple[str, str]] = [
    # ---- technique, comparison, recommendations (phrases with misleading anatomy words) ----------
    ("others", r"\b(?:contrast[- ]enhanced|non-?contrast|noncontrast|unenhanced|without (?:iv |intravenous )?contrast|"
               r"with (?:iv |intravenous )?contrast|low[- ]dose|thin[- ]section|axial images?|images?|reconstructions?|"
               r"technique|protocol|examination|exam\b|study|scan\b)"),
    ("others", r"\b(?:compared (?:to|with)|comparison|prior (?:ct|study|exam\w*|imaging)|no prior|since)\b"),
    ("others", r"\b(?:recommend\w*|suggest\w*|advised|follow-?up(?: ct| imaging)?|correlat\w*)\b"),
    ("others", r"\bno acute (?:intrathoracic|thoracic|cardiopulmonary|chest)? ?(?:abnormalit\w*|process|findings?|disease)"),
    # ---- organs outside the chest proper whose words contain chest words ------------------------
    ("anatomy:others", r"\bthyroid(?: gland| lobe| isthmus)?|\bgoiter|\blower neck|\bsupraclavicular(?: lymph)?(?: nodes?| lymphadenopathy)?"),
    ("upper_abdomen", r"\badrenal(?: glands?| nodules?| mass(?:es)?| lesions?| adenomas?| thickening)?|\badrenals\b"
                      r"|\b(?:upper )?abdominal (?:lymph )?(?:nodes?|lymphadenopathy)|\b(?:retroperitoneal|periportal|portocaval|"
                      r"celiac|gastrohepatic|porta hepatis) (?:lymph )?(?:nodes?|lymphadenopathy)"),
    ("upper_abdomen", r"\bliver\b|\bhepat\w*|\bgall ?bladder|\bcholelith\w*|\bgallstones?|\bcholecyst\w*|\bbiliary|\bspleen"
                      r"|\bsplen\w*|\bpancrea\w*|\bkidneys?\b|\brenal\b|\bnephr\w*|\bstomach|\bgastric\b|\bbowel|\bcolon\b|\bcolonic"
                      r"|\b(?:upper )?abdom\w*|\bsteatosis|\bperitone\w*|\bascites\b|\bretroperitone\w*|\bportal vein"),
    ("chest_wall_bones", r"\baxilla\w*(?: lymph)?(?: nodes?| lymphadenopathy)?|\bbreasts?\b|\bgynecomastia|\bchest wall"
                         r"|\bsubcutaneous\b|\bsoft tissues?\b|\bpectoral\w*|\bmuscles?\b|\bskin\b"),
    # ---- lung phrases containing mediastinal / pleural / vessel words ------------------------------
    ("lungs_airways", r"\b(?:subpleural|perifissural|fissural|perihilar|peribronch\w*|centrilobular|paraseptal|"
                      r"panlobular|juxtapleural|pleural-based nodul\w*)\b(?! lymph)"),
    ("lungs_airways", r"\b(?:pulmonary|lung) (?:nodul\w*|mass(?:es)?|parenchyma|fibrosis|opacit\w*|metasta\w*|infarct\w*)"
                      r"|\binterlobular septal thickening|\bseptal thickening|\bbronchial wall thickening|\bmucus plug\w*"),
    # ---- pleura ---------------------------------------------------------------------------------------
    ("heart_vessels", r"\bpericardi\w*(?: effusions?| fluid| thickening| calcifications?)?"),
    ("pleura", r"\bpleura\w*(?: effusions?| fluid| thickening| plaques?| calcifications?| nodul\w*| mass(?:es)?)?"
               r"|\bpneumothora\w*|\bhydropneumothorax|\bhemothorax|\bempyema|\bcostophrenic"),
    ("weak:pleura", r"\bfissures?\b"),
    # ---- mediastinum and hila -------------------------------------------------------------------------
    ("mediastinum_hila", r"\b(?:mediastinal|hilar|paratracheal|pretracheal|subcarinal|prevascular|aortopulmonary|"
                         r"paraesophageal|precarinal|tracheobronchial|internal mammary|cardiophrenic)"
                         r"(?: (?:or|and|/) (?:mediastinal|hilar))?(?: (?:lymph )?(?:nodes?|lymphadenopathy|adenopathy|masse?s?))?"),
    ("mediastinum_hila", r"\bmediastin\w*|\bhil(?:um|a|ar)\b|\blymph (?:nodes?|node stations?)|\blymphadenopathy|\badenopathy"
                         r"|\blymph nodes?\b|\bnodes?\b|\bthym\w*|\besophag\w*|\bhiatal hernia|\bhiatus hernia|\bpneumomediastinum"),
    # ---- heart and great vessels ------------------------------------------------------------------------
    ("heart_vessels", r"\bpulmonary (?:arter\w*|trunk|embol\w*|veins?|outflow)|\bmain pulmonary|\bheart\b|\bcardiac\b|\bcardiomegaly|\bcardio\w*|\bcoronar\w*|\bvalv\w*"
                      r"|\baort\w*|\batheroscl\w*|\bgreat vessels|\bsuperior vena cava|\bsvc\b|\binferior vena cava|\bivc\b"
                      r"|\bbrachiocephalic|\bsubclavian|\bcarotid|\bvascular calcification\w*|\baneurysm\w*|\bdissection"
                      r"|\batri(?:um|a|al)\b|\bventric\w*|\bmyocard\w*"),
    # ---- bones -----------------------------------------------------------------------------------------------
    ("chest_wall_bones", r"\bribs?\b|\bstern(?:um|al)\b|\bsternotomy|\bclavic\w*|\bscapul\w*|\bvertebra\w*|\bspin(?:e|al)\b"
                         r"|\bthoracic spine|\bosse?ous\b|\bbon(?:e|es|y)\b|\bskelet\w*|\bfractur\w*|\blytic\b|\bsclerotic\b"
                         r"|\bblastic\b|\bspondyl\w*|\bosteophyt\w*|\bdegenerative\b|\bosteopen\w*|\bosteopor\w*|\bschmorl"
                         r"|\bcompression deformit\w*|\bendplates?|\bdiscs?\b|\bcostochondral|\bshoulders?\b|\bhumer\w*"),
    # ---- lungs and airways ------------------------------------------------------------------------------------
    ("lungs_airways", _SIDE + r"(?:upper|middle|lower) lobes?\b|\blobes?\b|\blobar\b|\blingul\w*|\blungs?\b|\bpulmonary\b"
                      r"|\bparenchym\w*|\bairways?\b|\btrache\w*|\bbronch\w*|\bapex\b|\bapices\b|\bapical\b|\bbases\b"
                      r"|\bbasilar\b|\bbibasilar\b|\bemphysem\w*|\bbullae?\b|\bblebs?\b|\bair trapping|\bmosaic"
                      r"|\binterstiti\w*|\bfibros\w*|\bfibrotic|\bhoneycomb\w*|\breticula\w*|\btree-in-bud|\bconsolidat\w*"
                      r"|\bground[- ]glass|\bggo\b|\bggn\b|\batelecta\w*|\bopacit\w*|\binfiltrat\w*|\bpneumon\w*"
                      r"|\bcavit\w*|\bgranulom\w*|\bscar\w*|\binfect\w*|\baspiration"),
    # ---- finding nouns with a usual home ---------------------------------------------------------------------
    ("finding:lungs_airways", r"\bnodul\w*|\bmass(?:es)?\b|\bmicronodul\w*|\bmetasta\w*|\bneoplasm|\bmalignan\w*|\btumou?r"),
    ("finding:pleura", r"\beffusions?\b"),
    ("finding:heart_vessels", r"\b(?:saddle )?embol\w*|\bfilling defects?|\bthromb(?:us|i|osis|oses)\b"),
    ("finding:upper_abdomen", r"\bcysts?\b|\bhypodens\w*|\bhypoattenuat\w*"),
    ("weak:others", r"\bnormal\b|\bunremarkable\b|\bstable\b|\bunchanged\b|\bacute\b|\bcalcifi\w*"),
]
