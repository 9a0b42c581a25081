"""Channel data stays inside the channel: manifest keys are checked after every decoding step, and
symbolic links that leave the channel's directory are refused (issue 14, items 11 and 12)."""

import json

import pytest

from smemu.emulator.staging import StagingError, list_channel


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "secret.csv").write_text("1,2,3\n")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "more.csv").write_text("4,5,6\n")
    channel = tmp_path / "channel"
    channel.mkdir()
    (channel / "ok.csv").write_text("7,8,9\n")
    return tmp_path


def manifest(tree, *keys):
    path = tree / "channel" / "train.manifest"
    path.write_text(json.dumps([{"prefix": (tree / "channel").as_uri() + "/"}, *keys]))
    return path.as_uri()


@pytest.mark.parametrize("key", [
    "../secret.csv",
    "%2e%2e/secret.csv",              # the '..' check ran before the key was unquoted
    "%2E%2E/secret.csv",
    "%252e%252e/secret.csv",          # double-encoded
    "..%2fsecret.csv",
    "%2e%2e%2fsecret.csv",
    "..\\secret.csv",                 # backslash
    "%2e%2e%5csecret.csv",
    "sub/%2e%2e/%2e%2e/secret.csv",
    "%2fetc%2fpasswd",
])
def test_a_manifest_key_leaving_the_prefix_is_refused(tree, key):
    with pytest.raises(StagingError) as info:
        list_channel(manifest(tree, "ok.csv", key), "ManifestFile")
    assert "outside" in str(info.value)


def test_plain_manifest_keys_still_work(tree):
    (tree / "channel" / "sub").mkdir()
    (tree / "channel" / "sub" / "x.csv").write_text("1\n")
    objects = list_channel(manifest(tree, "ok.csv", "sub/x.csv"), "ManifestFile")
    assert [o.relative for o in objects] == ["ok.csv", "sub/x.csv"]


def test_a_link_to_a_file_outside_is_refused(tree):
    (tree / "channel" / "link.csv").symlink_to(tree / "secret.csv")
    with pytest.raises(StagingError) as info:
        list_channel((tree / "channel").as_uri() + "/")
    assert "link.csv" in str(info.value) and "symbolic link" in str(info.value)


def test_a_link_to_a_directory_outside_is_refused(tree):
    (tree / "channel" / "more").symlink_to(tree / "outside")
    with pytest.raises(StagingError) as info:
        list_channel((tree / "channel").as_uri() + "/")
    assert "more" in str(info.value) and "outside the channel's directory" in str(info.value)


def test_a_link_inside_the_channel_is_followed(tree):
    (tree / "channel" / "again.csv").symlink_to(tree / "channel" / "ok.csv")
    objects = list_channel((tree / "channel").as_uri() + "/")
    assert sorted(o.relative for o in objects) == ["again.csv", "ok.csv"]


def test_a_manifest_key_through_a_link_outside_is_refused(tree):
    (tree / "channel" / "more").symlink_to(tree / "outside")
    with pytest.raises(StagingError):
        list_channel(manifest(tree, "more/more.csv"), "ManifestFile")
