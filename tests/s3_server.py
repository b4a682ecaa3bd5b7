"""An S3-compatible server on 127.0.0.1 (moto's), and a fresh bucket per test.

The credentials are moto's dummy ones, given as the AWS_* variables s3fs reads itself (our
settings never hold them); AWS_ENDPOINT_URL points every S3 client at the local server.
"""

from __future__ import annotations

import os
import uuid

import pytest

FAKE_SECRET = "moto-secret-9fQ2xv"  # must not appear in any message


@pytest.fixture(scope="session")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    env = {
        "AWS_ENDPOINT_URL": f"http://{host}:{port}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": FAKE_SECRET,
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    before = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        yield env["AWS_ENDPOINT_URL"]
    finally:
        server.stop()
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture
def bucket(s3_endpoint):
    """``s3://<fresh bucket>/landing`` and the filesystem that reaches it."""
    import s3fs

    s3fs.S3FileSystem.clear_instance_cache()  # none made under another test's environment
    fs = s3fs.S3FileSystem(skip_instance_cache=True, use_listings_cache=False)
    name = f"upsell-{uuid.uuid4().hex[:12]}"
    fs.mkdir(name)
    return f"s3://{name}/landing", fs
