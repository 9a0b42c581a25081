"""The checked-in generated module must be what grpcio-tools makes of record.proto today."""

import subprocess
import sys
from pathlib import Path

PROTO_DIR = Path(__file__).resolve().parents[2] / "smemu" / "proto"


def test_generated_module_is_fresh(tmp_path):
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", f"-I{PROTO_DIR}",
                    f"--python_out={tmp_path}", str(PROTO_DIR / "record.proto")], check=True)
    assert (tmp_path / "record_pb2.py").read_text() == (PROTO_DIR / "record_pb2.py").read_text(), \
        "smemu/proto/record_pb2.py is stale: regenerate it with the command in record.proto"


def test_schema_field_numbers():
    from smemu.proto import record_pb2
    fields = {f.name: f.number for f in record_pb2.Record.DESCRIPTOR.fields}
    assert fields == {"features": 1, "label": 2, "uid": 3, "metadata": 4, "configuration": 5}
    value = {f.name: f.number for f in record_pb2.Value.DESCRIPTOR.fields}
    assert value == {"float32_tensor": 2, "float64_tensor": 3, "int32_tensor": 7, "bytes": 9}
    assert record_pb2.Record.DESCRIPTOR.full_name == "aialgs.data.Record"
