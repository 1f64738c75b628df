"""Seeded generator of Apache "combined" access-log lines, the space-delimited benchmark input.

>>> lines = list(generate(3, seed=1))
>>> len(lines), lines[0].count('"') >= 6, lines == list(generate(3, seed=1))
(3, True, True)
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

PATHS = [
    "/",
    "/index.html",
    "/static/app.js",
    "/static/app.css",
    "/api/v1/items",
    "/api/v1/items/{}",
    "/api/v1/users/{}",
    "/login",
    "/search?q=term{}",
    "/favicon.ico",
]
RARE_PATHS = ["/admin", "/admin/users", "/admin/config.php", "/wp-login.php", "/.env"]
AGENTS = [
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_3) AppleWebKit/605.1.15 Safari/605.1.15",
    "curl/8.5.0",
    "python-requests/2.31.0",
    "Googlebot/2.1 (+http://www.google.com/bot.html)",
]
STATUS = [(200, 0.80), (304, 0.06), (301, 0.03), (404, 0.06), (403, 0.02), (500, 0.02), (401, 0.01)]


def generate(n: int, *, seed: int = 0, rare_share: float = 0.01) -> Iterator[str]:
    """``n`` access-log lines; ``rare_share`` of them request an admin-like path."""
    rng = random.Random(seed)
    t = datetime(2024, 3, 4, 8, 0, 0, tzinfo=timezone.utc)
    codes = [c for c, _ in STATUS]
    weights = [w for _, w in STATUS]
    for _ in range(n):
        t += timedelta(milliseconds=rng.randint(1, 400))
        ip = (
            f"{rng.choice((10, 172, 192, 203))}.{rng.randint(0, 255)}.{rng.randint(0, 255)}."
            f"{rng.randint(1, 254)}"
        )
        path = (
            rng.choice(RARE_PATHS)
            if rng.random() < rare_share
            else rng.choice(PATHS).format(rng.randint(1, 99999))
        )
        method = "POST" if rng.random() < 0.15 else "GET"
        status = rng.choices(codes, weights)[0]
        size = "-" if status == 304 else str(rng.randint(90, 60000))
        user = "-" if rng.random() < 0.9 else rng.choice(("ana", "bob", "chen", "dora"))
        referer = "-" if rng.random() < 0.5 else f"https://example.com{rng.choice(PATHS)}"
        yield (
            f'{ip} - {user} [{t:%d/%b/%Y:%H:%M:%S} +0000] "{method} {path} HTTP/1.1" '
            f'{status} {size} "{referer}" "{rng.choice(AGENTS)}"'
        )


def write(path: str, size_bytes: int, *, seed: int = 0) -> int:
    """Write lines until ``size_bytes``; returns the number of lines."""
    n = 0
    written = 0
    with open(path, "w", encoding="utf-8") as fh:
        for line in generate(1 << 62, seed=seed):
            if written + len(line) + 1 > size_bytes:
                break
            fh.write(line + "\n")
            written += len(line) + 1
            n += 1
    return n
