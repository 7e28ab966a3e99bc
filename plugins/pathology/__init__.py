"""Pixtralogist pathology plugin (in progress: not registered yet)."""
