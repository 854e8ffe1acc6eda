"""The pure core: what eden knows without touching anything.

Naming, tags, image references, the endpoints document's shape, environment-variable
keys, URLs and AWS's limits. Nothing here does I/O, and nothing imports boto3, botocore or
any other part of eden except ``eden.errors`` (the error tree every layer shares); a test
(tests/unit/test_architecture.py) keeps it that way.
"""
