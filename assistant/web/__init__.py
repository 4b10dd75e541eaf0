"""The web layer: the Gradio chat, rendering, briefing export, feedback, logins and sessions; a thin
layer over one Assistant."""

from assistant.web.gradio_stubs import skip_stub_rewriting

skip_stub_rewriting()  # before any module of this package imports Gradio: see gradio_stubs
