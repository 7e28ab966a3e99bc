"""Pixtralogist dermatology plugin: skin lesion reports from clinical and dermoscopic photographs.

Template ``skin_lesion`` (regions morphology, size, color, border, surface,
distribution_site, dermoscopy, others); routing on DICOM ``XC``/``DMS``/``VL``,
colour photographs and skin words; an offline dictation drafter; ABCDE and
7-point checklist rule checks; guideline snippets; synthetic example cases.
"""
