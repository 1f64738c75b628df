"""Seeded generator of realistic CloudTrail records, one compact JSON record per line.

Benchmarks and tests need large volumes of CloudTrail records shaped like real ones (the
CloudWatch Logs messages a CIS metric filter scans) with a known number of the rare events a
filter should catch.  Records follow the shapes of the real data in ``tests/data/cloudtrail``:
management events of a busy account where KMS is a few percent (mostly Decrypt /
GenerateDataKey / Encrypt), callers are mostly assumed roles and AWS services, ``readOnly`` and
``managementEvent`` are booleans, ``mfaAuthenticated`` is the *string* ``"true"``/``"false"``,
``responseElements`` is usually ``null``, ``errorCode``/``errorMessage`` appear only on failures
(about 2.5 %), and sizes are about 1.35 KB median, 2.6 KB at the 99th percentile and 4.5 KB at
most.  (The real attack datasets have a 1.2 KB median because IAM users make almost all their
calls; their assumed-role records have a 2.1 KB median.)

The eventNames DisableKey and ScheduleKeyDeletion occur only in the ``kms_alarm_share`` records
(successful or, for 4 %, failed calls); as in real accounts, the negatives include the prefix
trap DisableKeyRotation, KMS service events without ``userIdentity.type``, and a logs
PutMetricFilter request whose ``filterPattern`` *text* names both events (a trap for term
patterns, not for JSON patterns).

Speed comes from templates serialised once: each record only joins precomputed JSON fragments
with a few varying values (times, ids, callers, resources), so output is deterministic per seed.

>>> import json
>>> recs = [json.loads(r) for r in generate(3, seed=7)]
>>> [list(recs[0])[:3], type(recs[0]["readOnly"]).__name__, recs[0]["eventCategory"]]
[['eventVersion', 'userIdentity', 'eventTime'], 'bool', 'Management']
>>> recs[0]["eventTime"] <= recs[1]["eventTime"] <= recs[2]["eventTime"]
True
>>> list(generate(5, seed=1)) == list(generate(5, seed=1))
True
"""

from __future__ import annotations

import base64
import gzip as _gzip
import io
import json
import os
import random
import re
import time
from bisect import bisect
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from importlib import resources
from typing import Any, BinaryIO

from cwpattern import synthdata as cat

__all__ = ["SynthSummary", "generate", "kms_examples", "write"]

_DEFAULT_START = datetime(2024, 3, 4, 8, 0, 0, tzinfo=timezone.utc)
_SLOT = re.compile(r'"@@!(\w+)@@"|@@(\w+)@@')
_Gen = Callable[[dict[str, Any]], str]
_Compiled = tuple[list[str], list[tuple[int, _Gen, str]]]


@dataclass(frozen=True)
class SynthSummary:
    """What :func:`write` produced."""

    records: int
    bytes: int  #: uncompressed, newlines included
    kms_alarms: int  #: DisableKey + ScheduleKeyDeletion records (what CIS 4.7 must catch)
    kms_records: int  #: all kms.amazonaws.com records
    errors: int  #: records with an errorCode
    seed: int
    first_event_time: str | None
    last_event_time: str | None
    path: str | None = None
    compressed_bytes: int | None = None
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        rate = self.records / self.seconds if self.seconds else 0.0
        gz = f" ({self.compressed_bytes:,} gzip)" if self.compressed_bytes is not None else ""
        return (
            f"{self.records:,} records, {self.bytes:,} bytes{gz}, {self.kms_alarms:,} KMS "
            f"DisableKey/ScheduleKeyDeletion, {self.kms_records:,} KMS, {self.errors:,} "
            f"errors, seed {self.seed}, {self.first_event_time} .. {self.last_event_time}, "
            f"{self.seconds:.1f}s ({rate:,.0f} records/s)"
        )


def generate(
    n: int, *, seed: int = 0, kms_alarm_share: float = 0.001, start: datetime | None = None
) -> Iterator[str]:
    """Yield ``n`` CloudTrail records as compact JSON strings (one CloudWatch event each).

    Args:
        n: number of records.
        seed: the same seed (and arguments) always gives the same records.
        kms_alarm_share: probability that a record is a KMS DisableKey/ScheduleKeyDeletion
            (the CIS 4.7 events); no other record has those names.
        start: time of the first record (default 2024-03-04T08:00:00Z; naive means UTC);
            ``eventTime`` never decreases, at about 10 records per second.

    Raises:
        ValueError: ``n`` < 0 or ``kms_alarm_share`` outside [0, 1].
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    gen = _Generator(seed, kms_alarm_share, start)
    for _ in range(n):
        yield gen.next()


def write(
    path: str | os.PathLike[str] | BinaryIO,
    n: int | None = None,
    *,
    size_bytes: int | None = None,
    seed: int = 0,
    kms_alarm_share: float = 0.001,
    gzip: bool | None = None,
) -> SynthSummary:
    """Write records, one per line, to a file (or a binary stream) and summarise them.

    Stops after ``n`` records or before the uncompressed output would pass ``size_bytes``,
    whichever comes first (at least one of them is required).  ``gzip=None`` compresses when
    the path ends in ``.gz``; gzip output is deterministic too (mtime 0).

    >>> import io
    >>> buf = io.BytesIO()
    >>> s = write(buf, 100, seed=3)
    >>> (s.records, s.bytes == len(buf.getvalue()), buf.getvalue().count(b"\\n"))
    (100, True, 100)
    """
    if n is None and size_bytes is None:
        raise ValueError("give n or size_bytes")
    if (n is not None and n < 0) or (size_bytes is not None and size_bytes < 0):
        raise ValueError("n and size_bytes must be >= 0")
    t0 = time.perf_counter()
    gen = _Generator(seed, kms_alarm_share, None)
    name = None if hasattr(path, "write") else os.fspath(path)
    compress = gzip if gzip is not None else bool(name and name.endswith(".gz"))
    raw: Any = open(name, "wb") if name is not None else path  # noqa: SIM115
    counter = _Counting(raw)
    out: Any = (
        _gzip.GzipFile(fileobj=counter, mode="wb", mtime=0, compresslevel=6, filename="")
        if compress
        else counter
    )
    limit_n = n if n is not None else -1
    limit_b = size_bytes if size_bytes is not None else -1
    total = count = 0
    first: str | None = None
    last: str | None = None
    try:
        while count != limit_n:
            batch: list[str] = []
            for _ in range(1024 if limit_n < 0 else min(1024, limit_n - count)):
                line = gen.next()
                if limit_b >= 0 and total + len(line) + 1 > limit_b:
                    gen.unsay()  # the record that does not fit is not written
                    limit_n = count + len(batch)  # stop after this batch
                    break
                total += len(line) + 1  # records are ASCII: characters are bytes
                batch.append(line)
            if batch:
                first, last = first or batch[0], batch[-1]
                out.write(("\n".join(batch) + "\n").encode("utf-8"))
                count += len(batch)
            elif limit_n < 0:
                break
    finally:
        if compress:
            out.close()
        if name is not None:
            raw.close()
        else:
            raw.flush()
    return SynthSummary(
        records=count,
        bytes=total,
        kms_alarms=gen.alarms,
        kms_records=gen.kms,
        errors=gen.errors,
        seed=seed,
        first_event_time=_event_time(first),
        last_event_time=_event_time(last),
        path=name,
        compressed_bytes=counter.n if compress else None,
        seconds=time.perf_counter() - t0,
    )


def kms_examples() -> list[str]:
    """The real KMS records shipped with the package (AWS documentation examples, MIT-0).

    Lines 1-5 are the only DisableKey (2) / ScheduleKeyDeletion (3) records; the other 19 are
    negatives (Decrypt, Encrypt, GenerateDataKey, DisableKeyRotation, DeleteKey service
    event, ...).  Each string is one record exactly as printed in the docs (compact JSON).

    >>> recs = kms_examples()
    >>> len(recs), sum('"eventName":"DisableKey"' in r for r in recs)
    (24, 2)
    """
    res = resources.files("cwpattern").joinpath("data/kms_records.jsonl")
    return [line for line in res.read_text(encoding="utf-8").splitlines() if line]


class _Counting(io.RawIOBase):
    """Pass-through writer counting the bytes that reach the destination."""

    def __init__(self, dest: Any) -> None:
        self.dest, self.n = dest, 0

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        self.dest.write(b)
        self.n += len(b)
        return len(b)


def _event_time(record: str | None) -> str | None:
    if record is None:
        return None
    i = record.find('"eventTime":"')
    return record[i + 13 : i + 33] if i >= 0 else None


# --------------------------------------------------------------------------- engine


class _Template:
    """One event kind, serialised once into literal pieces around named slots."""

    __slots__ = (
        "alarm",
        "event_type",
        "global_",
        "kms",
        "mix",
        "name",
        "source",
        "tls",
        "variants",
    )

    def __init__(self, spec: cat.Spec, env: _Env) -> None:
        self.name, self.source = spec.name, spec.source
        self.kms = spec.source == "kms"
        self.alarm = spec.name in cat.ALARM_NAMES
        self.mix, self.global_, self.event_type = spec.mix, spec.global_, spec.event_type
        self.variants: list[tuple[float, _Compiled, bool]] = []
        acc = 0.0
        for prob, code, message, response in (*spec.errors, *cat.default_errors(spec)):
            acc += prob
            self.variants.append(
                (acc, env.compile(cat.record(spec, code, message, response)), code is not None)
            )
        self.variants.append((2.0, env.compile(cat.record(spec, None, None, spec.response)), False))
        self.tls = env.compile(spec.host, record=False) if spec.event_type == "AwsApiCall" else None


class _Env:
    """Pools and slot generators, all drawn from one seeded ``random.Random``."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.pools = cat.pools(rng)
        self.gens: dict[str, _Gen] = {k: self._pick(v) for k, v in self.pools.items()}
        rnd, bits = rng.random, rng.getrandbits
        self.gens.update(
            {
                "UUID": lambda v: _uuid(bits(128)),
                "S3RID": lambda v: base64.b32encode(bits(80).to_bytes(10, "big")).decode(),
                "XAMZ": lambda v: base64.b64encode(bits(448).to_bytes(56, "big")).decode(),
                "AKEY": lambda v: "ASIA" + base64.b32encode(bits(80).to_bytes(10, "big")).decode(),
                "NUM": lambda v: str(int(rnd() * 2000)),
                "DAYS": lambda v: str(7 + int(rnd() * 24)),
                "DELDATE": lambda v: cat.aws_date(v["SEC"] + 86400 * int(v["DAYS"])),
                "EXPIRY": lambda v: cat.aws_date(v["SEC"] + 3600),
            }
        )

    def _pick(self, pool: list[str]) -> _Gen:
        rnd, n = self.rng.random, len(pool)
        return lambda v: pool[int(n * rnd() * rnd())]  # skewed: a few resources are busy

    def compile(self, template: Any, *, record: bool = True) -> _Compiled:
        """Serialise once into literal parts with holes, and the (hole, generator, slot) list.

        A record's closing ``}`` is left out: the caller-dependent tail goes before it.
        """
        text = (
            template if isinstance(template, str) else json.dumps(template, separators=(",", ":"))
        )
        if record:
            text = text[:-1]
        parts: list[str] = []
        holes: list[tuple[int, _Gen, str]] = []
        pos = 0
        for m in _SLOT.finditer(text):
            slot = m.group(1) or m.group(2)
            base = slot.rstrip("0123456789")
            if base not in self.gens and base not in cat.PER_RECORD:
                raise KeyError(f"unknown slot {slot}")
            parts += [text[pos : m.start()], ""]
            holes.append((len(parts) - 1, self.gens.get(base, _per_record), slot))
            pos = m.end()
        parts.append(text[pos:])
        return parts, holes


class _Generator:
    def __init__(self, seed: int, share: float, start: datetime | None) -> None:
        if not 0.0 <= share <= 1.0:
            raise ValueError("kms_alarm_share must be within [0, 1]")
        self.rng = rng = random.Random(seed)
        self.env = env = _Env(rng)
        self.share = share
        self.callers = cat.callers(rng, env.pools)
        self.templates = [_Template(s, env) for s in cat.specs()]
        normal = [t for t in self.templates if not t.alarm]
        self.normal, self.alarm_t = normal, [t for t in self.templates if t.alarm]
        self.cum = _cumulative([s.weight for s in cat.specs() if s.name not in cat.ALARM_NAMES])
        self.regions = [r for r, _ in cat.REGIONS]
        self.region_cum = _cumulative([w for _, w in cat.REGIONS])
        self.versions = [v for v, _ in cat.VERSIONS]
        self.version_cum = _cumulative([w for _, w in cat.VERSIONS])
        self.mixes: dict[str, tuple[list[float], list[cat.Caller]]] = {}
        for mix, parts in cat.MIXES.items():
            entries: list[tuple[cat.Caller, float]] = []
            for category, w in parts:
                members = self.callers[category]
                total = sum(cw for _, cw in members)
                entries += [(c, w * cw / total) for c, cw in members]
            self.mixes[mix] = (_cumulative([w for _, w in entries]), [c for c, _ in entries])
        st = start or _DEFAULT_START
        self.clock = (st if st.tzinfo else st.replace(tzinfo=timezone.utc)).timestamp()
        self.sec, self.last_time = -1, ""
        self.alarms = self.kms = self.errors = 0
        self.last = (False, False, False)
        self.account = env.pools["ACCT"][0]

    def next(self) -> str:
        rng = self.rng
        rnd = rng.random
        self.clock += rng.expovariate(10.0)
        if int(self.clock) != self.sec:
            self.sec = int(self.clock)
            self.last_time = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.sec))
        now = self.last_time
        if self.share and rnd() < self.share:
            t = self.alarm_t[int(rnd() * len(self.alarm_t))]
        else:
            t = self.normal[bisect(self.cum, rnd())]
        r = rnd()
        for p, pieces, failed in t.variants:  # noqa: B007 (used after the loop)
            if r < p:
                break
        cum, pool = self.mixes[t.mix]
        c = pool[bisect(cum, rnd())]
        if failed and c.shared:  # AWS services acting for the account are not denied
            pieces, failed = t.variants[-1][1], False
        ident = c.idents[int(rnd() * len(c.idents))]
        region = "us-east-1" if t.global_ else self.regions[bisect(self.region_cum, rnd())]
        created = ident[0] + now[:14] + "00:00Z" + ident[1] if ident[1] is not None else ident[0]
        v: dict[str, Any] = {
            "TIME": now,
            "SEC": self.sec,
            "REGION": region,
            "ACCT": self.account,
            "SVC": t.source,
            "IDENT": created,
            "CALLER": c.arn,
            "IP": c.ips[int(rnd() * len(c.ips))],
            "UA": c.uas[int(rnd() * len(c.uas))],
            "VERSION": self.versions[bisect(self.version_cum, rnd())],
        }
        parts, holes = pieces
        out = parts.copy()
        for i, gen, slot in holes:
            val = v.get(slot)
            if val is None:
                val = v[slot] = gen(v)
            out[i] = val
        if c.shared:
            out.append(',"sharedEventID":"' + _uuid(rng.getrandbits(128)) + '"')
        if c.vpce and not t.global_:
            out.append(',"vpcEndpointId":"' + c.vpce + '"')
        out.append(',"eventCategory":"Management"')
        if t.tls is not None and c.direct:
            out.append(c.tls_prefix)
            parts, holes = t.tls
            host = parts.copy()
            for i, gen, slot in holes:
                val = v.get(slot)
                host[i] = val if val is not None else gen(v)
            out += host
            out.append('"}')
        if c.console:
            out.append(',"sessionCredentialFromConsole":"true"')
        out.append("}")
        self.alarms += t.alarm
        self.kms += t.kms
        self.errors += failed
        self.last = (t.alarm, t.kms, failed)
        return "".join(out)

    def unsay(self) -> None:
        """Take the last record back out of the counters."""
        alarm, kms, failed = self.last
        self.alarms -= alarm
        self.kms -= kms
        self.errors -= failed


def _per_record(v: dict[str, Any]) -> str:
    raise KeyError("a per-record slot was not set")  # pragma: no cover - a bug if reached


def _cumulative(weights: Any) -> list[float]:
    total, acc, out = float(sum(weights)), 0.0, []
    for w in weights:
        acc += w
        out.append(acc / total)
    out[-1] = 1.0 + 1e-9
    return out


def _uuid(r: int) -> str:
    h = f"{r:032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[r & 3]}{h[17:20]}-{h[20:]}"
