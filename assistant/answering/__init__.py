"""Choosing answers: read the question, gather candidate sentences and spans, score them with the
fitted model, and decide the answer's shape (see each module's docstring)."""
