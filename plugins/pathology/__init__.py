"""Pathology plugin: CAP-style synoptic breast-resection template, synoptic region sorter,
offline dictation drafter, CAP / Nottingham guideline snippets and rule checks, synthetic examples."""
