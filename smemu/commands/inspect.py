"""``smemu inspect FILE``: what a data file (or MXNet NDArray file) holds."""

from __future__ import annotations

import json

from smemu.formats import kinds
from smemu.formats.sparse import issparse

from .data_options import guarded, reading

FORMAT_NAMES = {
    kinds.RECORDIO_PROTOBUF: "RecordIO-protobuf (application/x-recordio-protobuf)",
    kinds.CSV: "CSV (text/csv)",
    kinds.NPY: "numpy .npy",
    kinds.NPZ: "numpy .npz",
    kinds.NDARRAY: "MXNet NDArray file (mx.nd.save)",
}


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "inspect", help="describe a data file: records, feature dimension, dtypes, first records",
        description="Describe a RecordIO-protobuf, CSV, .npy/.npz or MXNet NDArray file.")
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.add_argument("--head", type=int, default=3, metavar="N", help="show the first N records")
    p.add_argument("--label-size", type=int, default=1, choices=(0, 1),
                   help="CSV label columns (0 for unlabelled data; default 1)")
    p.add_argument("--progress", action="store_true", default=None,
                   help="draw a progress bar even when not on a terminal")
    p.set_defaults(func=guarded(run))


def _row(batch, i):
    entry = {"location": batch.location(i)}
    if batch.labels is not None:
        entry["label"] = batch.labels[i].item()
    if issparse(batch.features):
        row = batch.features.getrow(i)
        entry["keys"] = row.indices.tolist()
        entry["values"] = row.data.tolist()
    else:
        entry["values"] = batch.features[i].tolist()
    return entry


def describe(path, head=3, label_size=1, progress=None) -> dict:
    from smemu.formats import files, load_ndarrays

    kind = files.detect_kind(path)
    info = {"file": str(path), "format": kind}
    if kind == files.NDARRAY:
        arrays = load_ndarrays(path)
        items = arrays.items() if isinstance(arrays, dict) else enumerate(arrays)
        info["arrays"] = [{"name": k, "shape": list(a.shape), "dtype": str(a.dtype)} for k, a in items]
        return info
    records = nnz = 0
    first, feature_dim, sparse, fdtype, ldtype = [], None, None, None, None
    with reading(path, kind, "inspecting", label_size=label_size, progress=progress) as batches:
        for batch in batches:
            if feature_dim is None:
                feature_dim = batch.features.shape[1]
                sparse = issparse(batch.features)
                fdtype = str(batch.features.dtype)
                ldtype = None if batch.labels is None else str(batch.labels.dtype)
            records += len(batch)
            if sparse:
                nnz += batch.features.nnz
            for i in range(min(len(batch), head - len(first))):
                first.append(_row(batch, i))
    info.update(records=records, feature_dim=feature_dim, sparse=sparse, feature_dtype=fdtype,
                labels=ldtype is not None, label_dtype=ldtype)
    if sparse:
        info["nonzeros"] = nnz
        info["density"] = nnz / max(1, records * feature_dim)
    info["first_records"] = first
    return info


def _short(values, limit=8):
    shown = ", ".join(f"{v:.6g}" if isinstance(v, float) else str(v) for v in values[:limit])
    return f"[{shown}{', ...' if len(values) > limit else ''}]"


def format_text(info: dict) -> str:
    lines = [f"file:        {info['file']}", f"format:      {FORMAT_NAMES[info['format']]}"]
    if "arrays" in info:
        lines.append(f"arrays:      {len(info['arrays'])}")
        for a in info["arrays"]:
            lines.append(f"  {a['name']}: shape {tuple(a['shape'])}, {a['dtype']}")
        return "\n".join(lines)
    lines.append(f"records:     {info['records']}")
    if info["records"]:
        kind = "sparse" if info["sparse"] else "dense"
        lines.append(f"features:    {info['feature_dim']} ({kind}, {info['feature_dtype']})")
        if info["sparse"]:
            lines.append(f"nonzeros:    {info['nonzeros']} (density {info['density']:.4g})")
        lines.append(f"labels:      {info['label_dtype'] if info['labels'] else 'none'}")
        lines.append("first records:")
        for r in info["first_records"]:
            label = f"label {r['label']:.6g}, " if "label" in r else ""
            keys = f"keys {_short(r['keys'])}, " if "keys" in r else ""
            lines.append(f"  {r['location']}: {label}{keys}values {_short(r['values'])}")
    return "\n".join(lines)


def run(args) -> int:
    info = describe(args.file, head=args.head, label_size=args.label_size, progress=args.progress)
    print(json.dumps(info, indent=2) if args.json else format_text(info))
    return 0
