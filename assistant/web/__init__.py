"""The web layer: the Gradio chat, rendering, briefing export, feedback, logins and sessions; a thin
layer over one Assistant."""
