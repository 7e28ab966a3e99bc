"""Pixtralogist: a plugin-based, agentic reporting assistant for clinicians.

Every draft it produces is AI-generated and unsigned until a clinician reviews
and signs it. It is not for unsupervised clinical use.

Sub-packages: ``pixtralogist.core`` (domain model, ingestion, plugin system,
CLI), ``pixtralogist.plugins.<specialty>`` (built-in specialty plugins),
``pixtralogist.agents`` (the LangGraph agent), ``pixtralogist.finetune``
(training and evaluation), ``pixtralogist.ui`` (the Gradio app).
"""

__version__ = "0.1.0"
