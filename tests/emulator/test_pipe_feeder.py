"""Pipe mode: the host's FIFO feeder against the container's Pipe channel."""

import gzip
import io
import json
import time

import numpy as np

from smemu.containers.channels import PipeChannel
from smemu.containers.paths import OptML
from smemu.emulator import sharding, staging
from smemu.emulator.fifo_content import epoch_order
from smemu.emulator.pipes import PipeFeeder
from smemu.emulator.spec import ChannelSpec
from smemu.formats import read_recordio, write_recordio_protobuf
from smemu.formats.recordio import frame

from jobdata import clustered, write_csv


def feeder_for(tmp_path, uri, **channel_options):
    spec = ChannelSpec(name="train", uri=uri, input_mode="Pipe", **channel_options)
    data_dir = tmp_path / "opt_ml" / "input" / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    feeder = PipeFeeder(spec, staging.list_channel(uri), data_dir)
    feeder.start()
    return feeder, data_dir


def read_pass(path_dir, epoch, limit=None):
    fifo = path_dir / f"train_{epoch}"
    deadline = time.monotonic() + 10
    while not fifo.exists():
        assert time.monotonic() < deadline, "the FIFO never appeared"
        time.sleep(0.001)
    with open(fifo, "rb") as stream:
        return stream.read(limit) if limit else stream.read()


def test_three_epochs_each_get_the_objects_in_key_order(tmp_path):
    (tmp_path / "in").mkdir()
    for name, data in (("b.bin", b"B" * 70000), ("a.bin", b"A" * 5), ("c/d.bin", b"D" * 3)):
        (tmp_path / "in" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "in" / name).write_bytes(data)
    feeder, data_dir = feeder_for(tmp_path, f"file://{tmp_path}/in/")
    try:
        for epoch in range(3):
            assert read_pass(data_dir, epoch) == b"A" * 5 + b"B" * 70000 + b"D" * 3
    finally:
        feeder.stop()
        feeder.join(5)
    assert not feeder.is_alive() and feeder.error is None
    assert feeder.epochs_started == 3


def test_a_reader_that_stops_mid_pass_neither_hangs_nor_breaks_the_feeder(tmp_path):
    big = tmp_path / "in" / "big.bin"
    big.parent.mkdir()
    big.write_bytes(np.random.default_rng(0).bytes(8 << 20))
    feeder, data_dir = feeder_for(tmp_path, str(big))
    try:
        assert len(read_pass(data_dir, 0, limit=1000)) == 1000     # close after 1000 bytes
        assert read_pass(data_dir, 1) == big.read_bytes()           # the next pass is whole
    finally:
        feeder.stop()
        feeder.join(5)
    assert not feeder.is_alive() and feeder.error is None


def test_an_algorithm_breaking_off_a_pass_through_the_pipe_channel(tmp_path):
    rows = clustered(3000)
    write_csv(tmp_path / "in" / "train.csv", rows)
    feeder, data_dir = feeder_for(tmp_path, f"{tmp_path}/in/")
    channel = PipeChannel("train", "text/csv;label_size=0", data_dir, OptML(tmp_path / "opt_ml"))
    try:
        first = next(iter(channel.batches(100)))          # read one batch, then abandon the pass
        assert first.features.shape == (100, 4)
        whole = np.vstack([b.features for b in channel.batches(1000)])
        np.testing.assert_allclose(whole, rows, atol=1e-4)
    finally:
        feeder.stop()
        feeder.join(5)
    assert feeder.error is None and feeder.epochs_started == 2


def test_gzip_is_decompressed_on_the_fly(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "1.csv.gz").write_bytes(gzip.compress(b"1,2\n"))
    (tmp_path / "in" / "2.csv.gz").write_bytes(gzip.compress(b"3,4\n"))
    feeder, data_dir = feeder_for(tmp_path, f"{tmp_path}/in/", compression="Gzip")
    try:
        assert read_pass(data_dir, 0) == b"1,2\n3,4\n"
    finally:
        feeder.stop()
        feeder.join(5)


def test_bad_gzip_is_reported_not_raised(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "1.csv.gz").write_bytes(b"this is not gzip")
    feeder, data_dir = feeder_for(tmp_path, f"{tmp_path}/in/", compression="Gzip")
    read_pass(data_dir, 0)
    feeder.join(5)
    assert not feeder.is_alive()
    assert "Pipe mode could not stream channel 'train'" in feeder.error


def test_record_wrapper_wraps_each_object_in_one_recordio_record(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.jpg").write_bytes(b"abcde")
    (tmp_path / "in" / "b.jpg").write_bytes(b"xyz")
    feeder, data_dir = feeder_for(tmp_path, f"{tmp_path}/in/", record_wrapper="RecordIO")
    try:
        stream = read_pass(data_dir, 0)
    finally:
        feeder.stop()
        feeder.join(5)
    assert [p for p, _ in read_recordio(io.BytesIO(stream))] == [b"abcde", b"xyz"]


def test_shuffle_seed_orders_each_epoch_reproducibly(tmp_path):
    (tmp_path / "in").mkdir()
    for i in range(20):
        (tmp_path / "in" / f"{i:02d}").write_bytes(bytes([65 + i]))
    feeder, data_dir = feeder_for(tmp_path, f"{tmp_path}/in/", shuffle_seed=7)
    try:
        passes = [read_pass(data_dir, e) for e in range(2)]
    finally:
        feeder.stop()
        feeder.join(5)
    assert sorted(passes[0]) == sorted(passes[1]) == list(range(65, 85))
    assert passes[0] != passes[1]
    feeder2, data_dir2 = feeder_for(tmp_path / "again", f"{tmp_path}/in/", shuffle_seed=7)
    try:
        assert read_pass(data_dir2, 0) == passes[0]
    finally:
        feeder2.stop()
        feeder2.join(5)


def test_stop_while_waiting_for_a_reader_is_prompt(tmp_path):
    write_csv(tmp_path / "in" / "x.csv", clustered(30))
    feeder, data_dir = feeder_for(tmp_path, f"{tmp_path}/in/")
    time.sleep(0.05)
    started = time.monotonic()
    feeder.stop()
    feeder.join(5)
    assert not feeder.is_alive() and time.monotonic() - started < 3
    assert not (data_dir / "train_0").exists()


def test_recordio_protobuf_stream_reads_as_batches(tmp_path):
    rows = clustered(900)
    write_recordio_protobuf(str(tmp_path / "in.pbr"), rows)
    feeder, data_dir = feeder_for(tmp_path, str(tmp_path / "in.pbr"))
    channel = PipeChannel("train", None, data_dir, OptML(tmp_path / "opt_ml"))
    try:
        got = np.vstack([b.features for b in channel.batches(256)])
    finally:
        feeder.stop()
        feeder.join(5)
    np.testing.assert_array_equal(got, rows)


def test_the_feeder_and_validates_stream_carry_the_same_bytes(tmp_path):
    """One component says what a pass carries: what smemu validate reads for a Pipe-mode channel
    is, byte for byte, what the FIFO gets — gunzipped, RecordIO-wrapped, shuffled per epoch."""
    from smemu.emulator.fifo_content import epoch_order
    from smemu.emulator.validation.pipe_stream import ChannelStream

    (tmp_path / "in").mkdir()
    for i in range(5):
        data = f"{i},{i}\n".encode() * (i + 1)
        (tmp_path / "in" / f"part-{i}.csv.gz").write_bytes(gzip.compress(data))
    uri = f"file://{tmp_path}/in/"
    for options in ({"compression": "Gzip"},
                    {"compression": "Gzip", "record_wrapper": "RecordIO", "shuffle_seed": 7}):
        spec = ChannelSpec(name="train", uri=uri, input_mode="Pipe", **options)
        feeder, data_dir = feeder_for(tmp_path / str(len(options)), uri, **options)
        try:
            fed = [read_pass(data_dir, epoch) for epoch in range(2)]
        finally:
            feeder.stop()
            feeder.join(5)
        for epoch in range(2):
            ordered = epoch_order(staging.list_channel(uri), spec.shuffle_seed, epoch)
            with ChannelStream(spec, ordered) as stream:
                assert stream.read() == fed[epoch]
        if "record_wrapper" in options:
            payloads = [payload for payload, _ in read_recordio(io.BytesIO(fed[0]))]
            assert sorted(payloads) == [f"{i},{i}\n".encode() * (i + 1) for i in range(5)]
            assert fed[0] != fed[1]          # shuffled anew each epoch
        else:
            assert fed[0] == fed[1] == b"".join(f"{i},{i}\n".encode() * (i + 1) for i in range(5))


def test_epochs_shuffle_and_shards_work_over_manifest_lines(tmp_path):
    (tmp_path / "img").mkdir()
    for i in range(6):
        (tmp_path / "img" / f"{i}.bin").write_bytes(bytes([65 + i]) * 3)
    (tmp_path / "m.jsonl").write_text("".join(
        json.dumps({"class": i, "source-ref": f"img/{i}.bin"}) + "\n" for i in range(6)))
    uri = f"file://{tmp_path}/m.jsonl"
    lines = staging.list_channel(uri, "AugmentedManifestFile",
                                 attribute_names=("source-ref", "class"))
    assert [line.uri for line in lines] == [f"{uri} line {i}" for i in range(1, 7)]

    def expected(order):
        return b"".join(frame(bytes([65 + i]) * 3) + frame(str(i).encode()) for i in order)

    spec = ChannelSpec(name="train", uri=uri, data_type="AugmentedManifestFile",
                       record_wrapper="RecordIO", input_mode="Pipe", shuffle_seed=7,
                       attribute_names=("source-ref", "class"))
    data_dir = tmp_path / "opt_ml" / "input" / "data"
    data_dir.mkdir(parents=True)
    # ShardedByS3Key over two instances: algo-1 reads every other line
    share = sharding.assign(lines, "ShardedByS3Key", 2)["algo-1"]
    assert [line.line for line in share] == [1, 3, 5]
    feeder = PipeFeeder(spec, lines, data_dir)
    feeder.start()
    try:
        passes = [read_pass(data_dir, epoch) for epoch in range(3)]
    finally:
        feeder.stop()
        feeder.join(5)
    assert feeder.error is None and feeder.epochs_started == 3
    orders = [[line.line - 1 for line in epoch_order(lines, 7, epoch)] for epoch in range(3)]
    assert passes == [expected(order) for order in orders]
    # each pass is a new shuffle of the lines, each line whole (its image, then its label)
    assert sorted(orders[0]) == list(range(6)) and len({tuple(o) for o in orders}) > 1
