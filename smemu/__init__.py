"""smemu: a local emulator of Amazon SageMaker's built-in training containers."""

__version__ = "0.1.0"
