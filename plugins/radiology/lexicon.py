"""Vocabulary of the chest X-ray region sorter (:mod:`.sorter`), following the region guide.

Each rule is ``(tag, pattern)``; ``tag`` is

* one region or several (``"heart mediastinal"`` for "cardiomediastinal"): the
  phrase talks about those regions;
* ``"others"``: a phrase about something of the *others* region (devices, soft
  tissues, diaphragm and upper abdomen, technique, "no acute disease"); it only
  counts when no anatomical region is named, and then also beats a weak hint;
* ``"unassignable"``: words that cannot be assigned (a de-identified "XXXX",
  "chest", a sentence that only points back: "This is unchanged."): *others*
  when nothing else fires, below weak hints;
* ``"weak:<region>"``: a hint used only when no region and no *others* phrase
  fires ("density", "deformity", "prior granulomatous disease");
* ``"weak:others"``: generic words ("normal", "stable", "acute") that do not
  count as a rule having fired (such a sentence goes to the embedder);
* ``""``: a blocker: the phrase is consumed and says nothing ("3 cm rim at the
  level of the hilum", "nodule projecting over the anterior 4th rib").

All rules are joined, in this order, into one alternation that is scanned once
from left to right, starting at word beginnings: at a given position the FIRST
rule that matches wins and its text is consumed, so specific phrases ("cardiac
monitor leads", "perihilar opacity", "perihilar lymph node", "aortic valve")
are listed before the words they contain ("cardiac", "hilar", "aortic").
Patterns are written for lower-cased text, keep the de-identification token
``xxxx`` as a word, and use non-capturing groups only.

In a sentence about a device, hernia or artifact (:data:`DEVICE_CONTEXT`),
:data:`LOCATION` phrases ("tip in the right atrium", "overlying the left upper
lung") are consumed first: the anatomy there only says where the thing is.
"""

from __future__ import annotations

# Words that stand for an anatomical location when something else (a device, a
# hernia, an artifact) is being described: "tip in the right atrium", "overlying
# the left upper lung", "projecting over the right ventricle".
_LOC_NOUNS = (
    r"(?:atri(?:um|a|al)(?: appendage)?|ventric\w*|(?:coronary|cardiac) (?:vein|sinus)|(?:mitral|aortic|tricuspid) valve|"
    r"carina|thoracic inlet|azygos(?: vein)?|svc|superior vena cava|inferior vena cava|ivc|cavoatrial|"
    r"caval[ -]?atrial|cava|brachiocephalic|innominate|subclavian|jugular|axilla\w*|"
    r"mediastin\w*|heart|cardiac silhouette|chest wall|chest|thorax|thoracic cavity|"
    r"lung (?:bases?|apex|apices)|(?:upper |lower |mid ?)?lungs?|midlung|bases?|apex|apices|hemithorax|"
    r"ribs?|spine|vertebra\w*(?: body| bodies)?|[tcl]\d{1,2}(?: vertebral body)?|clavicles?|"
    r"hemidiaphragms?|diaphragms?|abdomen|quadrant|stomach|neck|shoulder|breast|aort\w*(?: arch| knob)?|"
    r"hil(?:um|a|ar region)|pleural space|costophrenic (?:angle|sulcus|xxxx)|xxxx)"
)
_LOC_MOD = (
    r"(?:(?:the|a|his|her|its|expected|(?:left|right)[- ]sided|descending|ascending|transverse|abdominal|thoracic|"
    r"level of|region of|location of|right|left|proximal|distal|mid|low|lower|upper|"
    r"high|inferior|superior|anterior|posterior|lateral|medial|main|central|middle|cardiac|chest|\d+(?:st|nd|rd|th)|"
    r"first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|one|two|three|four|five|six|"
    r"seven|eight|nine|ten|eleven|twelve|xxxx|and|through|to|or)[ -])*"
)
LOCATION = (
    r"\b(?:(?:with )?(?:its |the |their )?tips? (?:(?:is|are|may be|appears to be|projects|now) )?)?"
    r"(?:(?:approximately |about )?\d+(?:\.\d+)? ?(?:cm|mm) (?:above|below|from)|behind|posterior to|anterior to|superior to|"
    r"inferior to|in|within|at|into|to|over|overlying|overlies|overlie|overly|projecting over|projects over|projected over|"
    r"projecting (?:in|at|into)|approximating|terminat\w*(?: in| at| within| over)?|ends? (?:in|at)|courses? (?:into|through|over|below)|"
    r"extending (?:into|to|below)|extends (?:into|to|below)|below|above|near|along|adjacent to|below the level of|at the level of)"
    r" " + _LOC_MOD + _LOC_NOUNS + r"(?:(?:,? and|,|/| or) " + _LOC_MOD + _LOC_NOUNS + r")*\b"
)

# Anatomy used as a landmark for a lung finding: "nodule overlying the posterior
# right 6th rib", "opacity projecting between the third and fourth posterior ribs".
_BONE_LANDMARK = (
    r"\b(?:overlying|overlies|overlie|overly|over|projecting (?:over|between|at)|projects over|projected over|"
    r"(?:partially )?superimposed (?:on|over|upon)|between|near|at the level of) " + _LOC_MOD +
    r"(?:ribs?|clavicles?|scapula\w*|vertebra\w*(?: body| bodies)?|[tcl]\d{1,2}(?: vertebra\w*(?: body| bodies)?)?)"
    r"(?:(?: and|,|/) " + _LOC_MOD + r"(?:ribs?|clavicles?|scapula\w*))*\b"
    r"(?! (?:lesions?|fractures?|deformit\w*|abnormalit\w*|metasta\w*|destruction|expansion|sclerosis|callus))"
)

# Something that is not anatomy: its presence switches on LOCATION (above).
DEVICE_CONTEXT = (
    r"\b(?:pacemakers?|pacer|pacing|aicd|icd|defibrillator|catheters?|picc|port-?a-?cath|mediport|"
    r"(?:chest|endotracheal|nasogastric|orogastric|ng|og|feeding|tracheostomy|dobhoff|enteric|gastrostomy|"
    r"thoracostomy|et|esophagogastric) tubes?|tubes?|tubing|(?<!pleural )(?<!kerley )(?<!b-)(?<!b )(?<!septal )(?<!lung )(?<!suture )lines?|leads?|"
    r"electrodes?|stimulator|generator|stents?|clips?|(?<!scapular )(?<!coracoid )tips?|sutures?|"
    r"tracheostomy|sternotomy|implantable|occluder|colonic|bowel|interposition|shunt|drains?|filter|devices?|valve prosthesis|prosthetic (?:\w+ )?valve|loop recorder|"
    r"hernia|eventration|artifact\w*|piercings?|rings?|jewelry|foreign body|bullet|shrapnel|"
    r"projectile|markers?|coils?|occluder|staples|prosthes[ie]s|implants?|reservoir)\b"
    r"|\b(?:projecting over|projects over|overlying|overlies|terminating in|terminates in) (?:the )?(?:right|left) (?:atri|ventric)"
    r"|\bxxxx-a-xxxx\b|\bterminat\w* (?:at|in) (?:the )?(?:caval|cavoatrial|svc|superior vena)"
)

_SUBSTANCE_OF_ARTIFACT = r"\b(?:opacit(?:y|ies)|densit(?:y|ies)|radiodensit\w*)\b"

# Ordered rules. Earlier wins at the same position.
RULES: list[tuple[str, str]] = [
    # ---- blockers and phrases that contain misleading words -------------------
    ("others", r"\b(?:apical )?lordotic (?:frontal |pa |ap )?(?:view|projection|technique|positioning)"),
    ("others", r"\b(?:frontal|pa|ap|lateral|portable|supine|upright|oblique|decubitus)(?: (?:and|/) (?:frontal|pa|ap|lateral|portable))?"
               r"(?: chest)? (?:views?|projections?|radiographs?|images?|films?|examinations?|exams?)"
               r"(?: of the chest)?"),
    ("others", r"\blateral (?:view|projection)"),
    ("", r"\bno (?:change|significant (?:interval )?change)\b"),
    # extra-thoracic / abdominal places that contain misleading words
    ("others", r"\b(?:splenic|hepatic|liver|spleen) (?:granulom\w*|calcification\w*|lesions?)"),
    ("others", r"\bgranulom\w* (?:in|within|of) (?:the )?(?:spleen|liver)"),
    ("others", r"\b(?:hiatal|hiatus|paraesophageal|morgagni|bochdalek|diaphragmatic) hernias?|\bhernias?\b"),
    ("others", r"\bfree (?:intraperitoneal |subdiaphragmatic |peritoneal )?air\b|pneumoperitoneum|subdiaphragmatic|subphrenic"),
    ("others", r"\b(?:aorto[- ]?iliac|iliac|abdominal aort\w*)(?: artery)?(?: stents?| grafts?| aneurysm)?"),
    # devices (also the anatomical adjectives that only say where the device is)
    ("others", r"\b(?:(?:external|cardiac|implantable|dual[- ]chamber|single[- ]chamber|left[- ]sided|right[- ]sided|"
               r"left|right|transvenous|epicardial|temporary)[ -]){0,3}"
               r"(?:pacemakers?|pacers?|pacing (?:wires?|leads?)|aicd|icd|defibrillators?|loop recorder)"
               r"(?: (?:generator|device|leads?|wires?|battery pack))*"),
    ("others", r"\b(?:(?:external|cardiac|ekg|ecg|telemetry|monitor(?:ing)?|overlying|electronic|implantable|xxxx)[ -]){1,3}"
               r"(?:leads?|electrodes?|wires?|pads?|snaps?|devices?|generator|pacing (?:leads?|wires?))"),
    ("others", r"\b(?:coronary(?: artery)?|biliary|ureteral|tracheal|esophageal|bronchial|vascular|aortic|svc|endovascular) stents?"),
    ("others", r"\b(?:(?:mediastinal|axillary|surgical|vascular|cholecystectomy|abdominal|right upper quadrant|ruq|"
               r"breast|neck|cervical|hilar|left|right|postsurgical|postoperative|sternal|chest wall|multiple|numerous|"
               r"several|scattered|metallic)[ -]){1,3}(?:clips?|sutures?|suture lines?|staples)"),
    ("others", r"\b(?:prosthetic|mechanical|bioprosthetic)(?: (?:aortic|mitral|tricuspid|heart|cardiac))? valves?"
               r"|\b(?:aortic|mitral|tricuspid|heart|cardiac) valve prosthes[ie]s"),
    ("others", r"\b(?:atrial septal |septal )?(?:occluder|closure device)|\besophagram|\bbarium swallow"
               r"|\brib (?:series|views?|films?|radiographs?)|\bbone scan"),
    ("others", r"\b(?:endotracheal|tracheostomy|nasogastric|orogastric|feeding|dobhoff|enteric|gastrostomy|chest|esophagogastric|"
               r"thoracostomy|pleural|et|ng|og|g|j)[ -](?:tubes?|catheters?|drains?|tubing)"),
    ("others", r"\b(?:central venous|venous|central|dialysis|hemodialysis|tunneled|tunnelled|swan[- ]ganz|pulmonary artery|"
               r"(?:right|left) (?:ij|internal jugular|subclavian|arm|upper extremity)|ij|internal jugular|subclavian|picc|"
               r"port|chest|dual[- ]lumen|triple[- ]lumen)(?:[ -](?:venous|dual[- ]lumen|dual[- ]xxxx|central|power|"
               r"triple[- ]lumen))*[ -](?:catheters?|lines?|ports?)"),
    ("others", r"\bpicc\b|port-?a-?cath|mediport|\bcatheters?\b|\bport\b|\btubes?\b|\btubing\b|\bstents?\b|\bclips?\b|"
               r"\bstimulator\b|\btracheostomy\b|\bshunt\b|\bdrains?\b|\bivc filter\b|\bloop recorder\b|\bdevices?\b|\bgenerator\b|"
               r"\bpacemaker\b|\bleads?\b|\belectrodes?\b|\bpiercings?\b|\bnipple rings?\b|\bjewelry\b|\bforeign bod(?:y|ies)\b|"
               r"\bbullet\b|\bshrapnel\b|\bprojectile\b|\bcoils?\b|\boccluder\b|\bimplants?\b|\bprosthes[ie]s\b|\bstaples\b"),
    # ---- procedures -----------------------------------------------------------
    ("heart", r"\bcabg\b|\bcoronary (?:artery )?bypass(?: graft\w*)?|\bmyocardial revasculari[sz]ation|\bvalve replacement"
              r"|\b(?:aortic|mitral|tricuspid) valve (?:replacement|repair)|\bavr\b|\bmvr\b|\bvalvuloplasty"),
    ("bone", r"\b(?:median |midline )?sternotomy(?: (?:wires?|sutures?|xxxx|changes?))?|\bsternal (?:wires?|sutures?)"),
    ("bone", r"\b(?:spinal|cervical|thoracic|lumbar|anterior cervical|posterior)? ?fusion(?: hardware)?"
             r"|\b(?:orthopedic|spinal|fixation) hardware|\bpedicle screws?|\b(?:shoulder|humeral|hip) (?:arthroplast\w*|prosthes[ie]s)"
             r"|\barthroplast\w*|\bvertebroplast\w*|\bkyphoplast\w*|\borif\b|\brotator (?:cuff|xxxx)(?: repair)?"),
    ("lung", r"\b(?:lobectomy|pneumonectomy|wedge resection|segmentectomy)"),
    # ---- compound words --------------------------------------------------------
    ("heart mediastinal", r"\bcardiac[- ]mediastinal|\bcardio[- ]?mediastin\w*|\bcardia mediastin\w*|\bcardiomedistinal|\bcardiomediatinal"),
    ("heart lung", r"\bcardio[- ]?pulmonary|\bcardiopulm\w*"),
    ("heart", r"\bcardiothoracic ratio|\bcardiopericardial|\bcardiothymic|\bcardiophrenic"),
    ("heart", r"\bcongestive heart failure|\bchf\b|\bheart failure"),
    # ---- the hilum as a level of measurement ("3 cm rim at the level of the hilum") -----
    ("", r"\b(?:at|to) the level of (?:the )?(?:right |left )?hil(?:um|a|ar)\b"
         r"|(?<=rim )at (?:the )?(?:right |left )?hil(?:um|a|ar)\b"),
    # ---- a density seen "over the heart" is not about the heart --------------------
    ("", r"\b(?:projected|projecting|projects|overlying|overlies|behind|posterior to|superimposed on|over) (?:the )?"
         r"(?:(?:left|right|lower|upper) )?(?:heart|cardiac silhouette)\b"),
    # ---- lung phrases containing heart / mediastinal / bone words -----------------
    ("mediastinal", r"\b(?:peri|infra|supra|retro|para|juxta)hilar (?:(?:calcified|xxxx|enlarged|small|large) ){0,2}"
                    r"(?:lymph\w*|nodes?|adenopathy|granulom\w*)"),
    ("lung", r"\b(?:retrocardiac|retrosternal(?:ly)?|paracardiac|perihilar|parahilar|juxtahilar|suprahilar|retrohilar|"
             r"pericardiac|paramediastinal|paraspinal|subpleural|pleural-parenchymal|pleuroparenchymal)"
             r"(?! (?:lymph|nodes?|adenopathy|stripe|line))\b"),
    ("lung", r"\blung (?:apex|apices|bases?)|\b(?:left|right) (?:lung )?apex|\bapical (?:pleural|scarring|scar|cap|"
             r"opacit\w*|thickening|lucency|pneumothorax)"),
    ("lung", r"\b(?:pulmonary|lung) (?:artery |arterial )?(?:vascular\w*|vasculature|vessels?|markings)"),
    ("mediastinal", r"\b(?:central|main|proximal|enlarged) pulmonary arter(?:y|ies)|\bpulmonary (?:artery|arteries|trunk|outflow)"
                    r"(?: (?:segment|enlargement|prominence))?"),
    # ---- mediastinal phrases that contain lung / others words -----------------------
    ("mediastinal", r"\b(?:mediastinal|hilar|paratracheal|pretracheal|subcarinal|aortopulmonary|aorticopulmonary|"
                    r"paratracheal|prevascular|anterior mediastinal|superior mediastinal|"
                    r"middle mediastinal|posterior mediastinal)"
                    r"(?: (?:and|or|/) (?:mediastinal|hilar|paratracheal))?"
                    r" (?:(?!and\b|or\b|with\b|without\b|but\b|perihilar|lungs?\b|pulmonary)\w+ ){0,2}?(?:lymph (?:nodes?|xxxx)(?:/granulom\w*)?|lymph(?:adenopathy)?|nodes?|adenopathy|masse?s?|granulom\w*|fullness|"
                    r"lymph nodes?|widening|shift|calcifications?|densit\w*|opacit\w*|contours?|structures)\b"),
    ("mediastinal", r"\bgranulom\w* (?:\w+ ){0,2}?(?:in|within|at|of|involving) (?:the )?(?:(?:left|right|bilateral|greater|than|"
                    r"and|both|[\w-]+) ){0,4}?(?:hil(?:um|a|ar)|mediastin\w*|pretracheal|paratracheal|subcarinal)\b"),
    ("mediastinal", r"\b(?:calcified )?lymph (?:nodes?|xxxx|node calcifications?)|\blymphaden\w*|\badenopathy\b|\blymph\b"),
    ("others", r"\b(?:(?:superficial |common |external |internal )?(?:femoral|popliteal|iliac|carotid|brachial|radial|tibial|renal|mesenteric|splenic)"
               r"(?: and \w+)? arter\w*)"),
    ("mediastinal", r"\bvascular pedicle|\bvascular injury|\bazygos (?:vein|arch)|\b(?:atherosclerotic )?vascular (?:calcifications?|disease)"
                    r"|\batherosclero\w*|\b(?:superior|inferior) vena cava\b|\bsvc\b|\bthymus|\bthyroid|\bgoiter|\besophag\w*"
                    r"|\bcentral airways?|\bairway|\bcarina\b|\bmainstem bronch\w*|\bthoracic inlet"),
    ("heart", r"\baortic valve(?: calcification\w*)?|\bmitral (?:annul\w*|valve)(?: calcification\w*)?|\bcoronary (?:artery )?calcification\w*"
              r"|\bcoronary arter(?:y|ies)(?! stent)|\bcardiac apex|\bapex of the heart|\bepicardial fat(?: pads?| xxxx)?"
              r"|\bpericardi\w*(?: (?:effusions?|fluid|fat(?: pads?)?|thickening|calcification\w*))?|\bdextrocardia|\b(?:left |right )?(?:atri(?:um|al)|ventric(?:le|les|ular))(?: enlargement| hypertrophy)?"),
    ("mediastinal", r"\baort\w*|\bhil(?:um|a|ar|us|i)\b|\bmediastin\w*|\bpneumomediastin\w*|\btrache\w*|\b(?:para|pre)tracheal"),
    # ---- others (soft tissue, abdomen, diaphragm, technique) -----------------------------
    ("others", r"\bsoft[- ]tissues?|\bsubcutaneous\w*|\bchest wall|\bbreasts?\b|\bnipples?\b|\bmastectom\w*|\blumpectom\w*|\baxilla\w*"
               r"|\bskin ?folds?|\bskinfold|\bclothing|\bhair\b|\bneck\b|\bbody habitus|\bhabitus|\bobes\w*"),
    ("others", r"\b(?:hemi)?diaphragm\w*|\bupper abdom\w*|\babdom\w*|\bquadrant|\bstomach|\bgastric|\bbowel|\bcolon\w*|\bliver\b"
               r"|\bspleen|\bsplenic|\bgallbladder|\bcholecyst\w*|\bgallstones?|\bkidneys?|\brenal|\bintraperitoneal|\bperitoneal"
               r"|\bpelvi[cs]\b|\bhepatic|\bbiliary|\badrenals?|\bpancrea\w*|\bgastroesophageal junction|\bepigastri\w*|\beventration|\bair-fluid level in the stomach"),
    ("others", r"\bartifact\w*|\btechni\w*|\bexam\w*|\bradiograph\w*|\bfilms?\b|\bstud(?:y|ies)\b|\bviews?\b|\bprojections?\b"
               r"|\bimages?\b|\bimaging|\bportable|\brotat(?:ed|ion)|\bpositioning|\bpatient\b|\bcomparison|\bcompared"
               r"|\bshielded|\bunderpenetrat\w*|\bpenetration|\bmotion|\binspiration|\binspiratory|\bevaluation"
               r"|\bct\b|\bcomputed tomogra\w*|\bmri\b|\bhistory|\bclinical\w*|\bcorrelat\w*|\bfollow-?up|\bnotif\w*|\bcritical"),
    ("unassignable", r"\bchest\b|\bthorax\b|\bthoracic\b(?! spine| vertebra| aort)"),
    ("others", r"\b(?:no|without|negative for)(?: evidence of)? (?:acute|active)(?:/acute)?(?: (?:intrathoracic|thoracic|chest|radiographic|interval|significant|xxxx))?"
               r" (?:disease|abnormalit\w*|process|findings?)"),
    ("unassignable", r"\bxxxx\b"),
    # a sentence that only points back ("This is unchanged.", "These contours are normal.")
    ("unassignable", r"^(?:it|this|these|they|those|that|which)\b"),
    # ---- bone ----------------------------------------------------------------------
    ("bone", r"\b(?:bony|osseous|bone|sclerotic|lytic|blastic) (?:opacit\w*|densit\w*|lesions?|islands?|masse?s?|nodules?)"
             r"|\bbone islands?|\bjoint effusions?"),
    ("bone", r"\bbon(?:e|es|y)\b|\bosse?ous\b|\bosseus\b|\bskelet\w*|\bspin(?:e|al)\b|\bt-?spine|\bc-?spine|\bl-?spine"
             r"|\bvertebra\w*|\bspondyl\w*|\bosteophyt\w*|\bsyndesmophyt\w*|\bribs?\b|\bcostal\b|\bcosto(?:chondral|vertebral)"
             r"|\bthoracic (?:vertebral )?bod(?:y|ies)|\bcosticartilage|\bcartilages?\b|\bclavic\w*|\bshoulders?\b|\bglenohumeral|\bglenoid|\bacromio\w*|\bcoraco\w*"
             r"|\bhumer\w*|\bscapul\w*|\bstern(?:um|al)\b|\bfractur\w*|\bdegenerat\w*|\barthrit\w*|\barthropath\w*"
             r"|\bosteoarthr\w*|\bscolio\w*|\b(?:dextro|levo)(?:scoliosis|curvature|convex\w*)|\bkyphos\w*|\bkyphotic"
             r"|\bosteopen\w*|\bosteopor\w*|\bdemineraliz\w*|\bthoracolumbar|\blumbosacral|\blumbar|\bcervical\b|\bsacr\w*"
             r"|\b[tcl]\d{1,2}(?:-[tcl]?\d{1,2})?\b|\bdiscs?\b|\bdisks?\b|\bendplates?\b|\bcompression (?:deformit\w*|fractures?)"
             r"|\bspur\w*|\bdish\b|\bhyperostosis|\bosteo\w*|\bsclerotic|\blytic\b|\bblastic\b|\bmyeloma|\bavn\b"
             r"|\bavascular necrosis|\bjoints?\b|\bpectus|\bdislocat\w*|\bsubluxat\w*|\bcallus|\bcortical|\bcortex"
             r"|\bfemur|\bfemoral|\bhips?\b|\bknees?\b|\bankles?\b|\bfoot\b|\bfeet\b|\bforefoot|\bhindfoot|\bmidfoot"
             r"|\bwrist|\belbows?|\bforearm|\bscaphoid|\bmetacarp\w*|\bmetatars\w*|\btibia\w*|\bfibula\w*|\bcalcane\w*"
             r"|\bmalleol\w*|\bacetabul\w*|\bpatell\w*|\bmandible|\benthesophyt\w*|\benchondroma|\bosteochondroma\w*"),
    # ---- heart ------------------------------------------------------------------------
    ("heart", r"\bhearts?\b|\bcardiac\b|\bcardiomegaly|\bcardio\b|\bcardia\b"),
    # ---- lung ---------------------------------------------------------------------------
    ("lung", r"\blungs?\b|\bpulmonary\b|\bpulmonic\b|\blob(?:e|es|ar)\b|\blingul\w*|\bmid-?lungs?|\bmidlower|\bair ?spaces?"
             r"|\balveol\w*|\bconsolidat\w*|\binfiltrat\w*|\bopacit\w*|\bopacifi\w*|\batelecta\w*|\bedema\b|\bvascularity"
             r"|\bvasculature|\bvascular\b|\bvasculaturity|\bcongest\w*|\bcephali[sz]ation|\bkerley|\bb-lines|\bseptal lines"
             r"|\bnodul\w*|\bnodules?|\bmass(?:es)?\b|\bmasslike|\bgranulom\w*|\bemphysem\w*|\bhyper-?infla\w*|\bhyperexpan\w*"
             r"|\bhyperaerat\w*|\bhyperlucen\w*|\boverinfla\w*|\bhypoinfla\w*|\bhypoventilat\w*|\binflat\w*|\baerat\w*"
             r"|\bwell-aerated|\bwell-inflated|\bwell-expanded|\bcopd\b|\bchronic obstructive|\binterstiti\w*|\breticul\w*"
             r"|\bscar\w*|\bfibros\w*|\bfibrotic|\bfibronodular|\bpleura\w*|\beffusions?\b|\bpneumothora\w*|\bhydropneumothorax"
             r"|\bhemothorax|\bempyema|\bcostophrenic|\bcostodiaphragmatic|\bcp angles?|\bsulc(?:us|i)\b|\bsulcal|\bapex\b"
             r"|\bapices|\bapical|\bbiapical|\bbases?\b|\bbasilar|\bbibasilar|\bbibasal|\bbasal\b|\bbibasil\w*|\bpneumon\w*"
             r"|\baspiration|\btuberculo\w*|\btb\b|\bhistoplasm\w*|\bcavit\w*|\b\w*bronch\w*|\bmarkings\b|\bbullae|\bbullous|\bbulla\b"
             r"|\bblebs?\b|\bvolume loss|\bvolumes?\b|\bfissur\w*|\bazygos (?:fissure|lobe)|\bhemithora\w*|\bparenchym\w*"
             r"|\bpneumatocel\w*|\bmetasta\w*|\bairspace|\binfect\w*|\binflammatory"
             r"|\bcollapse\w*|\bhyperexpansion|\bexpanded\b|\bexpansion\b|\blucenc\w*|\bhaziness|\bstreak\w*|\bstrand\w*"
             r"|\basbestos|\bsarcoid\w*|\bneoplasm|\bmalignan\w*|\bspiculated|\bhyperinflation"),
    ("weak:bone", r"\bdeformit\w*|\bbroken\b|\bhealed\b|\bhealing\b|\bwedging\b"),
    ("weak:lung", r"\brim\b"),  # a pneumothorax rim ("3 cm rim at the level of the hilum")
    ("weak:lung", r"\b(?:prior |previous |old |remote )?granulomatous(?: (?:disease|infection|process|exposure|calcifications?))?"
                  r"|\bdensit(?:y|ies)|\bradiodensit\w*|\bradiopaque|\bcalcific densit\w*|\bfoci\b|\blesions?\b"),
    ("weak:others", r"\bacute\b|\bactive\b|\bdisease\b|\bfindings?\b|\babnormalit\w*|\bprocess\b|\bunchanged|\bstable\b|\binterval"
               r"|\bprior\b|\bprevious\w*|\bnormal\b|\bnegative\b|\bunremarkable\b|\bclear\b|\bcalcifi\w*"),
]

RULES_WITH_CONTEXT_LOCATION = [
    ("others", LOCATION),
    # in a sentence about a device, "cardiac XXXX" is the de-identified device ("cardiac XXXX generator")
    ("others", r"\bcardiac xxxx(?: xxxx)?\b"),
]
RULES_BONE_LANDMARK = [("", _BONE_LANDMARK)]
SUBSTANCE_OF_ARTIFACT = _SUBSTANCE_OF_ARTIFACT
