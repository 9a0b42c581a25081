"""The ``aialgs.data`` Record schema SageMaker's built-in algorithms read and write."""
