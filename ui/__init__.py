"""pixtralogist.ui: the Gradio clinician app.

``pixtralogist.ui.app.create_ui(service)`` builds it, ``serve()`` runs it
(``pixtralogist serve``). Gradio is imported only by those modules.
"""
