"""The parts of `make fit`; `evals/fit.py` runs them.

`examples` examines, labels and folds the training questions; `rows` builds what each model
reads and `linear` fits one logistic model; `out_of_fold` fits the answer model's models with
out-of-fold stages; `thresholds` chooses the thresholds on those stages; `figures` answers every
training question by a model fitted without its fold (`refit`).
"""
