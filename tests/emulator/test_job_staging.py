"""Staging from local paths: S3Prefix and ManifestFile semantics, Gzip, errors that say what to do."""

import gzip
import json

import pytest

from smemu.emulator import staging


def touch(path, data=b"x"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_directory_prefix_lists_everything_below_it_sorted_by_key(tmp_path):
    for rel in ("b/2.csv", "a.csv", "b/1.csv", "b/c/0.csv"):
        touch(tmp_path / "train" / rel)
    for uri in (f"file://{tmp_path}/train", f"{tmp_path}/train/"):
        objects = staging.list_channel(uri)
        assert [o.relative for o in objects] == ["a.csv", "b/1.csv", "b/2.csv", "b/c/0.csv"]
        assert all(o.size == 1 for o in objects)


def test_partial_prefix_matches_names_that_start_with_it(tmp_path):
    touch(tmp_path / "train-1.csv")
    touch(tmp_path / "train-2" / "x.csv")
    touch(tmp_path / "test.csv")
    objects = staging.list_channel(f"file://{tmp_path}/train-")
    assert [o.relative for o in objects] == ["train-1.csv", "train-2/x.csv"]


def test_relative_uris_resolve_against_a_base_directory(tmp_path):
    assert staging.resolve_uri("file://data/", tmp_path) == f"file://{tmp_path}/data/"
    assert staging.resolve_uri("data/x.csv", tmp_path) == f"file://{tmp_path}/data/x.csv"
    assert staging.resolve_uri("s3://bucket/key") == "s3://bucket/key"


def test_nothing_found_is_an_error_naming_the_uri(tmp_path):
    with pytest.raises(staging.StagingError, match="No S3 objects found under S3 URL"):
        staging.list_channel(f"file://{tmp_path}/missing/")


def test_manifest_file_resolves_entries_against_its_prefix(tmp_path):
    touch(tmp_path / "shards" / "matrix_0.pbr", b"0")
    touch(tmp_path / "shards" / "matrix_1.pbr", b"1")
    manifest = tmp_path / ".amazon.manifest"
    manifest.write_text(json.dumps([{"prefix": "shards/"}, "matrix_1.pbr", "matrix_0.pbr"]))
    objects = staging.list_channel(f"file://{manifest}", "ManifestFile")
    assert [o.relative for o in objects] == ["matrix_1.pbr", "matrix_0.pbr"]   # manifest order
    assert objects[0].uri == f"file://{tmp_path}/shards/matrix_1.pbr"


@pytest.mark.parametrize("content,match", [
    ("not json", "not valid JSON"),
    ('["no-prefix.pbr"]', "first element"),
    ('[{"prefix": "s3://b/"}, 3]', "Entry 1"),
    ('[{"prefix": "s3://b/"}, "../escape"]', "outside its channel directory"),
])
def test_bad_manifests(tmp_path, content, match):
    manifest = tmp_path / "m.json"
    manifest.write_text(content)
    with pytest.raises(staging.StagingError, match=match):
        staging.list_channel(str(manifest), "ManifestFile")


def test_gzip_objects_open_decompressed(tmp_path):
    path = touch(tmp_path / "a.csv.gz", gzip.compress(b"1,2\n3,4\n"))
    (obj,) = staging.list_channel(str(path))
    with staging.open_object(obj, "Gzip") as stream:
        assert stream.read() == b"1,2\n3,4\n"


def test_put_writes_atomically_and_unknown_schemes_are_named(tmp_path):
    src = touch(tmp_path / "model.tar.gz", b"tar")
    staging.storage_for("file:///x").put(str(src), f"file://{tmp_path}/out/j/output/model.tar.gz")
    assert (tmp_path / "out/j/output/model.tar.gz").read_bytes() == b"tar"
    with pytest.raises(staging.StagingError, match="gs://"):
        staging.storage_for("gs://bucket/key")


def test_copy_object_keeps_bytes(tmp_path):
    data = bytes(range(256)) * 1000
    (obj,) = staging.list_channel(str(touch(tmp_path / "in.bin", data)))
    assert staging.copy_object(obj, tmp_path / "dest" / "in.bin") == len(data)
    assert (tmp_path / "dest" / "in.bin").read_bytes() == data
