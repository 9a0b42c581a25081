"""The checked-in generated module must be what grpcio-tools makes of record.proto today."""

import subprocess
import sys
from pathlib import Path

PROTO_DIR = Path(__file__).resolve().parents[2] / "smemu" / "proto"


def test_generated_module_is_fresh(tmp_path):
    from smemu.proto.generate import generate
    assert generate(tmp_path).read_text() == (PROTO_DIR / "record_pb2.py").read_text(), \
        "smemu/proto/record_pb2.py is stale: regenerate it with python -m smemu.proto.generate"


def test_imports_beside_the_sagemaker_sdks_own_module():
    """One process can hold smemu's module and the SDK's (both register record.proto), and each
    parses the other's bytes."""
    code = (
        "from smemu.proto import record_pb2 as ours\n"
        "from sagemaker.amazon import record_pb2 as sdk\n"
        "r = ours.Record(); r.features['values'].float32_tensor.values.extend([1.5, 2.0])\n"
        "s = sdk.Record(); s.ParseFromString(r.SerializeToString())\n"
        "back = ours.Record(); back.ParseFromString(s.SerializeToString())\n"
        "print(list(back.features['values'].float32_tensor.values))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[1.5, 2.0]"


def test_schema_field_numbers():
    from smemu.proto import record_pb2
    fields = {f.name: f.number for f in record_pb2.Record.DESCRIPTOR.fields}
    assert fields == {"features": 1, "label": 2, "uid": 3, "metadata": 4, "configuration": 5}
    value = {f.name: f.number for f in record_pb2.Value.DESCRIPTOR.fields}
    assert value == {"float32_tensor": 2, "float64_tensor": 3, "int32_tensor": 7, "bytes": 9}
    assert record_pb2.Record.DESCRIPTOR.full_name == "aialgs.data.Record"
