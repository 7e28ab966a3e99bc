"""Vocabulary of the pathology region sorter: which words put a sentence in which synoptic element.

Patterns are regular expressions over lower-cased text, matched on word
boundaries, without capturing groups. Three kinds:

* :data:`LABELS`: a synoptic label at the start of a line ("Margins:",
  "Tumor size -", "pTNM:") decides the element outright;
* :data:`STRONG`: words that belong to one element ("lumpectomy",
  "lymphovascular", "closest margin", "pT2");
* :data:`WEAK`: words that name an element only when no strong word fired
  ("carcinoma" is the histologic type unless the sentence is about margins or
  nodes; a bare "2.1 cm" is the tumor size unless it is a margin distance).

Sentences with no match go to ``others`` (additional findings).
"""

from __future__ import annotations

_SIDE = r"(?:left|right|bilateral|lt|rt|l|r)"

#: Synoptic labels: (region, pattern). Matched at the start of a sentence, followed by ':' or '-'.
LABELS: tuple[tuple[str, str], ...] = (
    ("procedure", r"procedures?|specimen type|operation"),
    ("site", r"(?:tumou?r )?site|(?:tumou?r )?location"),
    ("laterality", r"(?:specimen )?laterality|side"),
    ("histologic_type", r"histologic(?:al)? type|tumou?r type|histology|diagnosis"),
    ("grade", r"(?:histologic(?:al)? |nottingham |overall )?grade|nottingham(?: score)?"),
    ("size", r"(?:invasive )?tumou?r size|size(?: of (?:the )?(?:invasive )?tumou?r)?|largest (?:invasive )?focus"),
    ("extent", r"(?:tumou?r )?extent|focality|skin|nipple|chest wall"),
    ("margins", r"margins?(?: status)?"),
    ("lymph_nodes", r"(?:regional )?lymph nodes?|nodes|lns?|nodal status|sentinel (?:lymph )?nodes?"),
    ("lvi", r"lymphovascular invasion|lymph-?vascular invasion|lvi|angiolymphatic invasion"),
    ("stage", r"(?:pathologic(?:al)? )?stag(?:e|ing)(?: classification)?|ptnm|ajcc|tnm|pt|pn"),
    ("others", r"additional (?:pathologic )?findings|comments?|note|dcis|ductal carcinoma in situ|biomarkers?|"
               r"receptors?|er|pr|her2|ki-?67|microcalcifications?|calcifications?"),
)

#: Words that belong to one element.
STRONG: tuple[tuple[str, str], ...] = (
    # stage first: "pN1a" is the stage, not the nodes
    ("stage", r"y?p[tnm](?:is|x|[0-4])[a-d]?(?:\((?:i|mol|sn|m|f)[+-]?\))?|ptnm|ajcc|pathologic(?:al)? stage|"
              r"stage (?:group|i{1,3}v?|[0-4])"),
    ("lvi", r"(?:dermal )?lymphovascular(?: invasion)?|lymph-?vascular|angiolymphatic|lvi|(?:lymphatic|vascular|venous) (?:space )?invasion|"
            r"tumou?r emboli"),
    ("margins", r"margins?|inked|ink on tumou?r|closest|resection edges?|clearance|transected"),
    ("lymph_nodes", r"lymph nodes?|lns?|sentinel nodes?|slns?|nodal|nodes|node|axillary (?:contents|tail nodes?)|"
                    r"macrometasta\w*|micrometasta\w*|isolated tumou?r cells|itcs?|extranodal|ene|"
                    r"extracapsular|metastatic (?:carcinoma|deposits?) in"),
    ("grade", r"nottingham|tubules?|tubule formation|glandular formation|pleomorphism|mitos[ie]s|mitotic|"
              r"g[1-3]|grade (?:[1-3]|i{1,3})|(?:[1-3] ?\+ ?){2}[1-3]|bloom|elston|sbr|"
              r"(?:well|moderately|poorly) differentiated|histologic(?:al)? grade|overall grade"),
    ("extent", r"skin|epidermis|dermis|dermal|nipple|paget\w*|chest wall|pectoral\w*|skeletal muscle|"
               r"ulcerat\w+|peau d.orange|satellite nodules?|focality|multifocal|unifocal|multicentric|"
               r"tumou?r extent|extends? (?:in)?to"),
    ("site", r"quadrant|uoq|uiq|loq|liq|o'?clock|subareolar|retroareolar|periareolar|axillary tail|"
             r"central (?:breast|portion)|(?:from|of) (?:the )?nipple|tumou?r site|located in|location"),
    ("procedure", r"lumpectomy|mastectomy|segmentectomy|quadrantectomy|excision(?:al)?|re-?excision|resection|"
                  r"wide local|wle|core (?:needle )?biopsy|biopsy|specimen type|procedure|"
                  r"axillary (?:lymph node )?dissection|alnd|slnb|sentinel (?:lymph )?node biopsy"),
    ("others", r"in situ|dcis|lcis|microcalcifications?|calcifications?|estrogen|progesterone|er|pr|her-?2|"
               r"ki-?67|biomarkers?|fibrocystic|fibroadenoma|atypical|hyperplasia|treatment effect|"
               r"received|comments?|immunohisto\w*|ihc|fish|papilloma|radial scar|cysts?|biopsy site changes?"),
)

#: Words that name an element only when no strong word fired.
WEAK: tuple[tuple[str, str], ...] = (
    ("histologic_type", r"carcinomas?|adenocarcinoma|ductal|lobular|no special type|nst|mucinous|tubular|"
                        r"medullary|metaplastic|micropapillary|cribriform|apocrine|papillary|neoplasm|"
                        r"tumou?r type|histologic(?:al)? type|idc|ilc|malignan\w+"),
    ("size", r"\d+(?:\.\d+)?(?: ?(?:x|by) ?\d+(?:\.\d+)?)* ?(?:mm|cm)|size|measur\w+|greatest dimension|"
             r"dimensions?"),
    ("laterality", r"laterality|left|right|bilateral"),
)

#: Lymph-node words that only name the procedure (no count, no status) when the sentence is a procedure.
NODE_STATUS = r"\d|positive|negative|\bpos\b|\bneg\b|metasta|involved|uninvolved|itc|isolated|ene|extranodal|benign"

#: Margin words with a status (a re-excision "of the superior margin" names a procedure, not a status).
MARGIN_STATUS = r"\d|positive|negative|involved|uninvolved|free|clear|closest|close|ink|transected|distance"

#: Regions after which a clause with only weak words continues the same element
#: ("closest margin superior, 1 mm"; "two nodes, both negative for metastatic carcinoma").
CONTINUING = ("margins", "lymph_nodes", "extent", "lvi", "site", "procedure", "others")

#: Words that make a "carcinoma ... 18 mm" sentence a tumor-size statement only.
MEASURE = r"measur\w*|greatest dimension|in size|size"

#: A whole sentence that is only a side ("Left.", "Laterality: right").
SIDE_ONLY = rf"^(?:(?:specimen )?laterality|side)?\s*[:\-]?\s*{_SIDE}(?: breast| side)?\.?$"
