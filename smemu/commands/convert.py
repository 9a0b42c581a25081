"""``smemu convert IN OUT``: between CSV, .npy/.npz and RecordIO-protobuf."""

from __future__ import annotations

import os

from smemu.formats.errors import FormatError
from smemu.formats.kinds import KINDS

from .data_options import guarded, reading


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "convert", help="convert between CSV, .npy/.npz and RecordIO-protobuf",
        description="Convert a data file; the output's kind follows its extension (.csv, .npy, "
                    ".npz, or .pbr/.rec/.recordio for RecordIO-protobuf), or --to.")
    p.add_argument("input")
    p.add_argument("output")
    p.add_argument("--to", choices=KINDS, help="the output's kind (default: by extension)")
    p.add_argument("--label-size", type=int, default=1, choices=(0, 1),
                   help="label columns of CSV input (0 for unlabelled data; default 1)")
    p.add_argument("--progress", action="store_true", default=None,
                   help="draw a progress bar even when not on a terminal")
    p.set_defaults(func=guarded(run))


def run(args) -> int:
    from smemu.formats import files

    kind_in = files.detect_kind(args.input)
    kind_out = args.to or files.kind_by_name(args.output)
    if kind_out is None:
        raise FormatError("its extension says nothing about the format to write",
                          "Name it .csv, .npy, .npz or .pbr, or pass --to", source=args.output)
    if os.path.abspath(args.input) == os.path.abspath(args.output):
        raise FormatError("the output is the input", "Write to another file", source=args.output)
    partial = args.output + ".partial"
    try:
        with reading(args.input, kind_in, "converting", label_size=args.label_size,
                     progress=args.progress) as batches:
            count = files.write_batches(partial, kind_out, batches)
        os.replace(partial, args.output)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    print(f"wrote {count} records to {args.output} ({kind_out})")
    return 0
