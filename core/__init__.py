"""Core of Pixtralogist: domain model, image ingestion, plugin system and CLI.

Importing this package is cheap; heavy libraries are imported inside the
functions that need them.
"""
