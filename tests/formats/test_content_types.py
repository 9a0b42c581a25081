import functools

import pytest

from smemu.formats import FormatError, read_csv, read_recordio_protobuf, reader_for


@pytest.mark.parametrize("ct", [None, "", "application/x-recordio-protobuf",
                                " Application/X-RecordIO-Protobuf "])
def test_recordio_protobuf(ct):
    assert reader_for(ct) is read_recordio_protobuf


@pytest.mark.parametrize("ct,label_size", [("text/csv", 1), ("text/csv;label_size=0", 0),
                                           ("Text/CSV; label_size = 0", 0),
                                           ("text/csv;label_size=1", 1)])
def test_csv(ct, label_size):
    reader = reader_for(ct)
    assert isinstance(reader, functools.partial) and reader.func is read_csv
    assert reader.keywords == {"label_size": label_size}


@pytest.mark.parametrize("ct", ["csv", "application/json", "text/csv;label_size=2",
                                "text/csv;foo=1"])
def test_unsupported_lists_supported(ct):
    with pytest.raises(FormatError) as e:
        reader_for(ct)
    assert "text/csv;label_size=0" in str(e.value) and repr(ct) in str(e.value)
