"""The SageMaker API endpoint: AWS JSON 1.1 over HTTP, served by ``smemu server``.

``app`` is the protocol (dispatch on ``X-Amz-Target``, AWS-shaped errors), ``training_jobs`` the
operations, ``listing`` ListTrainingJobs' filters and paging, ``server`` waitress around them.
"""
