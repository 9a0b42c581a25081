"""The SageMaker API endpoint: AWS JSON 1.1 over HTTP, served by ``smemu server``.

``app`` is the protocol (dispatch on ``X-Amz-Target``, AWS-shaped errors), ``request_checks`` the
check of every request against botocore's model at dispatch, ``shared`` what every resource has in
common (ARNs, names, owners, paging), ``listing`` the List operations' filters; one module per
resource (``training_jobs``, ``endpoints``, ``transform_jobs``, ``logs``, ``runtime``); ``server``
waitress around them.
"""
