"""Dictation profiles and finding vocabularies of the CT chest and brain MRI templates.

The shorthand table of :mod:`.dictation` (``nl``, ``fx``, ``eff``, ``L``/``R``,
sizes, hedges, negation scope) is shared; a profile adds the study's own
shorthand and subjects and switches off chest radiograph habits that would be
wrong elsewhere (a bare "no acute" is not "cardiopulmonary" in a brain MRI; a
bare "effusion" is not pleural there; "cp angle" is the cerebellopontine angle).

``EXTRA_TERMS`` are finding words added to :mod:`pixtralogist.core.nlp`'s
vocabulary so that negation, hedging and abnormality are read for them.
"""

from __future__ import annotations

from pixtralogist.plugins.radiology.dictation import CXR_PROFILE, DictationProfile

__all__ = ["CT_CHEST_PROFILE", "MRI_BRAIN_PROFILE", "EXTRA_TERMS", "PROFILES", "profile_for"]

CT_CHEST_PROFILE = DictationProfile(
    name="ct_chest",
    abbreviations={
        "ln": "lymph node",
        "lns": "lymph nodes",
        "pe": "pulmonary embolism",
        "ggn": "ground-glass nodule",
        "ggns": "ground-glass nodules",
        "sax": "short axis",
        "adr": "adrenal",
        "adrenals": "adrenal glands",
        "thy": "thyroid",
        "cac": "coronary artery calcification",
        "peric": "pericardial",
        "bronchiect": "bronchiectasis",
        "ild": "interstitial lung disease",
        "hu": "HU",
    },
    subjects={
        "airways": ("the airways", True),
        "central airways": ("the central airways", True),
        "great vessels": ("the great vessels", True),
        "heart and great vessels": ("the heart and great vessels", True),
        "pulmonary arteries": ("the pulmonary arteries", True),
        "thyroid": ("the thyroid", False),
        "adrenals": ("the adrenal glands", True),
        "adrenal glands": ("the adrenal glands", True),
        "liver": ("the liver", False),
        "chest wall": ("the chest wall", False),
        "lymph nodes": ("the lymph nodes", True),
    },
    no_acute="No acute intrathoracic abnormality.",
)

MRI_BRAIN_PROFILE = DictationProfile(
    name="mri_brain",
    abbreviations={
        "wm": "white matter",
        "gm": "gray matter",
        "wmh": "white matter hyperintensities",
        "sah": "subarachnoid hemorrhage",
        "sdh": "subdural hematoma",
        "edh": "epidural hematoma",
        "ich": "intracranial hemorrhage",
        "ivh": "intraventricular hemorrhage",
        "mls": "midline shift",
        "hydro": "hydrocephalus",
        "vents": "ventricles",
        "vent": "ventricle",
        "dwi": "DWI",
        "adc": "ADC",
        "flair": "FLAIR",
        "swi": "SWI",
        "t1": "T1",
        "t2": "T2",
        "mca": "MCA",
        "aca": "ACA",
        "pca": "PCA",
        "ica": "ICA",
        "pvs": "perivascular spaces",
        "svd": "small vessel disease",
        "cva": "infarct",
        "gad": "gadolinium",
        "enh": "enhancement",
        "mastoids": "mastoid air cells",
    },
    subjects={
        "ventricles": ("the ventricles", True),
        "ventricular system": ("the ventricular system", False),
        "ventricles and sulci": ("the ventricles and sulci", True),
        "sulci": ("the sulci", True),
        "basal cisterns": ("the basal cisterns", True),
        "brain": ("the brain", False),
        "brain parenchyma": ("the brain parenchyma", False),
        "parenchyma": ("the brain parenchyma", False),
        "white matter": ("the white matter", False),
        "flow voids": ("the major intracranial flow voids", True),
        "orbits": ("the orbits", True),
        "sinuses": ("the paranasal sinuses", True),
        "paranasal sinuses": ("the paranasal sinuses", True),
        "mastoid air cells": ("the mastoid air cells", True),
        "mastoids": ("the mastoid air cells", True),
        "calvarium": ("the calvarium", False),
        "pituitary": ("the pituitary gland", False),
        "extra-axial spaces": ("the extra-axial spaces", True),
    },
    no_acute="No acute intracranial abnormality.",
    pleural_effusions=False,
    cm_is_cardiomegaly=False,
    cp_angle="cerebellopontine",
)

#: Profiles by template id (``cxr`` keeps the default chest radiograph profile).
PROFILES: dict[str, DictationProfile] = {
    "cxr": CXR_PROFILE,
    "ct_chest": CT_CHEST_PROFILE,
    "mri_brain": MRI_BRAIN_PROFILE,
}

#: Finding words per template, added to the core NLP vocabulary.
EXTRA_TERMS: dict[str, tuple[str, ...]] = {
    "cxr": (),
    "ct_chest": (
        "ground-glass nodule", "ground-glass nodules", "part-solid nodule", "embolism", "emboli", "embolus",
        "thrombus", "filling defect", "adenoma", "cyst", "cysts", "steatosis", "hypodensity", "hypodensities",
        "bronchial wall thickening", "mucus plugging", "tree-in-bud", "honeycombing", "air trapping",
        "septal thickening", "coronary artery calcification", "lymph node enlargement", "incidentaloma",
    ),
    "mri_brain": (
        "infarct", "infarcts", "infarction", "hyperintensity", "hyperintensities", "hypointensity",
        "restricted diffusion", "diffusion restriction", "hemorrhage", "microhemorrhage", "microhemorrhages",
        "microbleed", "microbleeds", "hematoma", "mass effect", "midline shift", "hydrocephalus", "herniation",
        "edema", "gliosis", "encephalomalacia", "atrophy", "volume loss", "enhancement", "enhancing lesion",
        "meningioma", "aneurysm", "stenosis", "occlusion", "thrombosis", "mucosal thickening", "retention cyst",
        "effusion", "demyelination", "plaque", "plaques", "lacune", "lacunes", "lacunar infarct",
        "small vessel disease", "white matter hyperintensities", "collection", "extra-axial collection",
    ),
}


def profile_for(template_id: str) -> DictationProfile:
    """The dictation profile of ``template_id`` (the chest radiograph profile for unknown ids)."""
    return PROFILES.get(template_id, CXR_PROFILE)
