"""Radiology plugin: chest X-ray template, region sorter, offline dictation drafter, guidelines."""
