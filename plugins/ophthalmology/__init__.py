"""Pixtralogist ophthalmology plugin (in progress: not registered yet)."""
