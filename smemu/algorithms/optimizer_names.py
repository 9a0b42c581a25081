"""The names of MXNet's optimizers the built-ins take (their update rules:
:mod:`smemu.algorithms.gradient_updates`), apart so that a hyperparameter schema can list them
without importing numpy (schemas are read by ``smemu --help`` and request checks)."""

OPTIMIZERS = ("sgd", "adam", "adagrad", "adadelta", "rmsprop")
