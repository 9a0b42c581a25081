"""Data formats of SageMaker's built-in algorithms (to be filled by the formats work)."""
