"""pytest plugin: pattern checks in one line, tuned from the command line.

Registered through the ``pytest11`` entry point (or ``-p cwpattern.pytest_plugin``), it adds:

* the ``cwpattern_covers`` marker — a test function becomes a coverage check::

      @pytest.mark.cwpattern_covers("cis-aws-3.0.0-4.7")
      def test_kms_alarm():
          return MY_PATTERN        # the pattern (or list of patterns) to check

* the options ``--cwpattern-examples=N`` (events hypothesis draws per check, default 200;
  0 keeps only the analyzer and the deterministic required events) and
  ``--cwpattern-strict`` (an undecided analyzer fails the check instead of warning);
* a report header line with the settings in force.

Without the plugin, :func:`cwpattern.testing.covers_test` gives the same one-line test.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .testing import Settings

_SAVED: pytest.StashKey[Settings] = pytest.StashKey()

__all__ = [
    "pytest_addoption",
    "pytest_configure",
    "pytest_pyfunc_call",
    "pytest_report_header",
    "pytest_unconfigure",
]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("cwpattern", "CloudWatch Logs filter-pattern checks")
    group.addoption(
        "--cwpattern-examples",
        type=int,
        default=None,
        metavar="N",
        help="events drawn by hypothesis per pattern check (default 200)",
    )
    group.addoption(
        "--cwpattern-strict",
        action="store_true",
        default=False,
        help="fail pattern checks the analyzer cannot decide",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "cwpattern_covers(control_or_reference, **options): the test returns a pattern that "
        "must cover the control (cwpattern.testing.assert_covers)",
    )
    from . import testing

    examples = config.getoption("--cwpattern-examples")
    if examples is not None and examples < 0:
        raise pytest.UsageError("--cwpattern-examples must be >= 0")
    config.stash[_SAVED] = testing.configure(
        examples=examples, strict=True if config.getoption("--cwpattern-strict") else None
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    from . import testing

    saved = config.stash.get(_SAVED, None)
    if saved is not None:  # leave the settings as they were (pytester runs in-process)
        testing.configure(examples=saved.examples, strict=saved.strict)


def pytest_report_header(config: pytest.Config) -> str:
    from . import testing
    from .version import __version__

    current = testing.settings()
    return f"cwpattern {__version__}: examples={current.examples}, strict={current.strict}"


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    marker = pyfuncitem.get_closest_marker("cwpattern_covers")
    if marker is None:
        return None
    if len(marker.args) != 1:
        pytest.fail("cwpattern_covers takes one control id or reference pattern", pytrace=False)
    from .testing import assert_covers

    funcargs = pyfuncitem.funcargs
    names = pyfuncitem._fixtureinfo.argnames
    pattern: Any = pyfuncitem.obj(**{name: funcargs[name] for name in names})
    if pattern is None:
        pytest.fail("a cwpattern_covers test must return the pattern to check", pytrace=False)
    assert_covers(pattern, marker.args[0], **marker.kwargs)
    return True
