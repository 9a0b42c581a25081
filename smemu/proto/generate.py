"""Regenerates ``record_pb2.py`` from ``record.proto``: ``python -m smemu.proto.generate``.

grpcio-tools' output registers the schema in protobuf's process-wide default descriptor pool,
as the SageMaker Python SDK's own ``sagemaker.amazon.record_pb2`` does, and one process cannot
hold two registrations of ``record.proto`` ("duplicate file name"). So the generated module is
rewritten to register it in a pool of its own: smemu and the SDK can then be imported in the same
process (a user's test suite, smemu's pytest plugin), and their messages are the same bytes.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_POOL = "DESCRIPTOR = _descriptor_pool.Default().AddSerializedFile("
PRIVATE_POOL = ("# smemu: a pool of its own, so that the SageMaker SDK's record_pb2 can be imported too\n"
                "_POOL = _descriptor_pool.DescriptorPool()\n"
                "DESCRIPTOR = _POOL.AddSerializedFile(")


def private_pool(generated: str) -> str:
    if generated.count(DEFAULT_POOL) != 1:
        raise ValueError("the generated module does not register its file as expected")
    return generated.replace(DEFAULT_POOL, PRIVATE_POOL)


def generate(out_dir: Path) -> Path:
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", f"-I{HERE}",
                    f"--python_out={out_dir}", str(HERE / "record.proto")], check=True)
    path = Path(out_dir) / "record_pb2.py"
    path.write_text(private_pool(path.read_text()))
    return path


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        (HERE / "record_pb2.py").write_text(generate(Path(tmp)).read_text())
