"""Kept for one release: this module moved to :mod:`cwpattern.aws.iac`.

Import from ``cwpattern.aws.iac`` instead; every public name is re-exported here unchanged.
"""

from __future__ import annotations

from .aws.iac import (
    AFTER_APPLY,
    MAX_RESOLVE_CHARS,
    MAX_RESOLVE_NODES,
    IacError,
    IacResource,
    IacResources,
    from_cloudformation,
    from_terraform_plan,
    load_iac,
)

__all__ = [
    "AFTER_APPLY",
    "MAX_RESOLVE_CHARS",
    "MAX_RESOLVE_NODES",
    "from_cloudformation",
    "from_terraform_plan",
    "IacError",
    "IacResource",
    "IacResources",
    "load_iac",
]
