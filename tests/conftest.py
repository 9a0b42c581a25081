from s3server import s3_bucket, s3_server  # noqa: F401  (the moto S3 endpoint; tests/s3server.py)
