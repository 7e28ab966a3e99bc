"""Pixtralogist dermatology plugin (in progress: not registered yet)."""
