"""Synthetic CloudTrail with a chosen share of KMS records (``cwpattern synth`` re-mixed).

``cwpattern synth`` writes KMS as about 4 % of the records, as in a quiet account; real
trails have more (8 % in the invictus-ir dataset, far more in accounts that use SSE-KMS,
where ``Decrypt``/``GenerateDataKey`` are a large share of all events).  :func:`write` keeps
the generator's records and replaces each non-KMS record, with the probability that gives
the wanted share, by one of the last KMS records generated (``Decrypt``, ``Encrypt``,
``GenerateDataKey``... never ``DisableKey``/``ScheduleKeyDeletion``, whose number stays the
generator's); below the generator's own share, KMS records are dropped instead.  Seeded:
the same arguments give the same bytes.

    python benchmarks/kmsmix.py OUT.jsonl SIZE_BYTES SHARE [--gzip-records DIR]
"""

from __future__ import annotations

import gzip
import json
import os
import random
import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from cwpattern.synth import generate

KMS = b'"eventSource":"kms.amazonaws.com"'
ALARM = (b'"eventName":"DisableKey"', b'"eventName":"ScheduleKeyDeletion"')
NATURAL = 0.041  # KMS share of `cwpattern synth` output (seed 0)


def records(share: float, seed: int = 0) -> Iterator[bytes]:
    """Endless records (bytes, no newline) with about ``share`` of KMS records."""
    rng = random.Random(seed + 1)
    pool: list[bytes] = []
    replace = max(0.0, (share - NATURAL) / (1 - NATURAL))
    keep_kms = min(1.0, share / NATURAL)
    for text in generate(1 << 62, seed=seed):
        rec = text.encode("utf-8")
        if KMS in rec:
            if not any(a in rec for a in ALARM):
                if len(pool) < 256:
                    pool.append(rec)
                else:
                    pool[rng.randrange(256)] = rec
                if rng.random() >= keep_kms:
                    continue
            yield rec
        elif pool and rng.random() < replace:
            yield pool[rng.randrange(len(pool))]
        else:
            yield rec


def write(path: str | os.PathLike[str], size: int, share: float, seed: int = 0) -> None:
    """JSON lines of at most ``size`` bytes."""
    total = 0
    with open(path, "wb") as fh:
        batch: list[bytes] = []
        for rec in records(share, seed):
            if total + len(rec) + 1 > size:
                break
            total += len(rec) + 1
            batch.append(rec)
            if len(batch) == 4096:
                fh.write(b"\n".join(batch) + b"\n")
                batch = []
        if batch:
            fh.write(b"\n".join(batch) + b"\n")


def write_tree(jsonl: str | os.PathLike[str], top: str | os.PathLike[str], per_file: int) -> int:
    """The records of ``jsonl`` as a CloudTrail S3 tree: gzip ``{"Records":[...]}`` files of
    ``per_file`` records each (CloudTrail writes one every 5 minutes per region).  Returns
    the number of files."""
    top = Path(top)
    top.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(jsonl, "rb") as fh:
        while True:
            batch = [line.rstrip(b"\n") for _, line in zip(range(per_file), fh)]
            if not batch:
                return n
            day = top / f"{n // 96:04d}"
            day.mkdir(exist_ok=True)
            doc = b'{"Records":[' + b",".join(batch) + b"]}"
            with gzip.open(day / f"trail_{n:06d}.json.gz", "wb", compresslevel=6) as out:
                out.write(doc)
            n += 1


def main(argv: list[str]) -> int:
    out, size, share = argv[0], int(float(argv[1])), float(argv[2])
    write(out, size, share)
    kms = lines = 0
    with open(out, "rb") as fh:
        for line in fh:
            lines += 1
            kms += KMS in line
    print(json.dumps({"records": lines, "kms_share": kms / max(lines, 1)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
