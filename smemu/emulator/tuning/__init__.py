"""Hyperparameter tuning jobs: the request's checks (:mod:`.request`), the ranges (:mod:`.ranges`),
the strategies (:mod:`.strategies`), early stopping (:mod:`.stopping`), the scheduler
(:mod:`.scheduler`) and the records (:mod:`.store`)."""
