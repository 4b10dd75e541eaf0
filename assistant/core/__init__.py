"""The question-answering core: settings, the Assistant service, retrieval, the in-memory library,
citations and the answer values. It never imports the web layer, the evals or the bench."""
