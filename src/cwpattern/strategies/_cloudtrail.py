"""Realistic CloudTrail records, one decision at a time.

Records are built from the event templates of :mod:`cwpattern.synthdata` (request and
response shapes copied from real records, their own failures) and a caller drawn from
every CloudTrail identity type.  Every decision comes from a :class:`~._choices.Choices`,
simplest first: the record hypothesis shrinks to is an IAM user's successful
``GetCallerIdentity`` in ``us-east-1``.

Records are plain ``dict``/``list`` trees with numbers as :class:`~cwpattern.jsondoc.JsonNumber`
(so their raw text survives), in CloudTrail's key order; :func:`dump` serialises them the
way CloudTrail delivers them to CloudWatch Logs (compact JSON, no ASCII escaping).
"""

from __future__ import annotations

import functools
import json
import random
import re
import time
from collections.abc import Mapping
from typing import Any

from .. import synthdata as cat
from ..jsondoc import JsonNumber, encode
from ._choices import Choices

__all__ = [
    "ABSENT",
    "FIELD_VALUES",
    "IDENTITY_TYPES",
    "RECORD_FIELDS",
    "REGIONS",
    "build_record",
    "dump",
    "event_spec",
    "jsonify",
    "pin_problem",
    "source_of",
]

#: The fields of a CloudTrail record (CloudTrail record contents reference).  For each, the
#: nested fields a pin may name below it: a tuple of names, ``None`` for a free-form object
#: (any path below it), or ``()`` for a value that has no fields.
RECORD_FIELDS: dict[str, tuple[str, ...] | None] = {
    "eventVersion": (),
    "userIdentity": (
        "type",
        "principalId",
        "arn",
        "accountId",
        "accessKeyId",
        "userName",
        "sessionContext",
        "invokedBy",
        "identityProvider",
        "credentialId",
        "onBehalfOf",
        "inScopeOf",
    ),
    "eventTime": (),
    "eventSource": (),
    "eventName": (),
    "awsRegion": (),
    "sourceIPAddress": (),
    "userAgent": (),
    "errorCode": (),
    "errorMessage": (),
    "requestParameters": None,
    "responseElements": None,
    "additionalEventData": None,
    "requestID": (),
    "eventID": (),
    "eventType": (),
    "apiVersion": (),
    "managementEvent": (),
    "readOnly": (),
    "resources": (),
    "recipientAccountId": (),
    "serviceEventDetails": None,
    "sharedEventID": (),
    "vpcEndpointId": (),
    "vpcEndpointAccountId": (),
    "eventCategory": (),
    "addendum": None,
    "sessionCredentialFromConsole": (),
    "edgeDeviceDetails": None,
    "tlsDetails": ("tlsVersion", "cipherSuite", "clientProvidedHostHeader"),
    "insightDetails": None,
}
# Below these nested fields anything goes (free-form objects).
_FREE_BELOW = {("userIdentity", "sessionContext"), ("userIdentity", "onBehalfOf")}


def pin_problem(path: tuple[str, ...]) -> str | None:
    """Why ``path`` is not a field of a CloudTrail record (``None``: it is one).

    >>> pin_problem(("userIdentity", "type")) is None, pin_problem(("requestParameters", "keyId"))
    (True, None)
    >>> print(pin_problem(("event_source",)))  # doctest: +ELLIPSIS
    unknown CloudTrail record field 'event_source' (did you mean 'eventSource'?); accepted: ...
    """
    top = path[0]
    if top not in RECORD_FIELDS:
        folded = {name.lower(): name for name in RECORD_FIELDS}
        guess = folded.get(top.replace("_", "").replace("-", "").lower())
        hint = f" (did you mean {guess!r}?)" if guess else ""
        return (
            f"unknown CloudTrail record field {top!r}{hint}; accepted: "
            + ", ".join(sorted(RECORD_FIELDS))
            + " (nested fields with '__', e.g. userIdentity__type)"
        )
    below = RECORD_FIELDS[top]
    if len(path) == 1 or below is None or path[:2] in _FREE_BELOW:
        return None
    if not below:
        return f"{top!r} has no fields below it (pin it as a whole)"
    if path[1] not in below:
        accepted = ", ".join(f"{top}__{name}" for name in below)
        return (
            f"unknown CloudTrail record field {'.'.join(path[:2])!r}; "
            f"fields accepted below {top!r}: {accepted}"
        )
    if len(path) > 2:
        return f"{'.'.join(path[:2])!r} has no fields below it (pin it as a whole)"
    return None


class _Absent:
    """Sentinel: a pinned field that must not be in the record (one instance)."""

    def __repr__(self) -> str:
        return "ABSENT"

    def __reduce__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()

#: Every ``userIdentity.type`` CloudTrail writes; ``None`` is the untyped identity of
#: events AWS itself makes (``{"accountId": ..., "invokedBy": "AWS Internal"}``).
IDENTITY_TYPES: tuple[str | None, ...] = (
    "IAMUser",
    "AssumedRole",
    "Root",
    "AWSService",
    "FederatedUser",
    "SAMLUser",
    "WebIdentityUser",
    "IdentityCenterUser",
    "AWSAccount",
    None,
)
REGIONS = (
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "us-east-2",
    "sa-east-1",
    "ca-central-1",
)
_VERSIONS = ("1.08", "1.09", "1.10", "1.11", "1.05", "1.02")
_ACCOUNTS = ("111122223333", "123456789012")
_OTHER_ACCOUNT = "444455556666"
_IPS = ("192.0.2.10", "198.51.100.7", "203.0.113.12", "10.0.1.25")
_AGENTS = (
    "aws-cli/2.15.30 Python/3.11.8 Linux/5.15.0-1055-aws exe/x86_64.ubuntu.22",
    "Boto3/1.34.50 Python/3.11.8 Linux/5.10.210-201.852.amzn2.x86_64 Botocore/1.34.50",
    "console.amazonaws.com",
    "AWS Internal",
    (
        "APN/1.0 HashiCorp/1.0 Terraform/1.7.4 (+https://www.terraform.io) "
        "terraform-provider-aws/5.40.0 aws-sdk-go-v2/1.25.2 os/linux lang/go#1.21.8"
    ),
)
_SERVICES = (
    "cloudtrail.amazonaws.com",
    "config.amazonaws.com",
    "lambda.amazonaws.com",
    "ec2.amazonaws.com",
    "ssm.amazonaws.com",
)
_USERS = ("Alice", "bob", "ci-deployer")
_ROLES = (
    "Admin",
    "orders-api-role",
    "AWSReservedSSO_AdministratorAccess_0123456789abcdef",
    "github-actions-deploy",
)
_SESSIONS = ("alice@example.com", "botocore-session-1709500000", "i-0abc1234def567890")
_UUIDS = (
    "3c4226b0-1e81-48a8-a333-7fa5f3cbd118",
    "ee408f36-ea01-422b-ac14-b0f147c68334",
    "d6a9351a-ed6e-4581-88d1-2a9a8a538497",
    "6313164c-83aa-4cc3-9e1a-b7c426f7a5b1",
    "12345126-30d5-4b28-98b9-9153da559963",
    "abcde202-ba1a-467c-b4ba-f729d45ae521",
)
_START = 1709539200  # 2024-03-04T08:00:00Z
_SLOT = re.compile(r"@@(\w+?)@@")

#: ``eventSource`` of the event names the CIS controls name, for names without a template.
_NAME_SOURCES = {
    "iam": "AttachGroupPolicy AttachRolePolicy AttachUserPolicy CreatePolicy CreatePolicyVersion "
    "DeleteGroupPolicy DeletePolicy DeletePolicyVersion DeleteRolePolicy DeleteUserPolicy "
    "DetachGroupPolicy DetachRolePolicy DetachUserPolicy PutGroupPolicy PutRolePolicy "
    "PutUserPolicy",
    "cloudtrail": "CreateTrail UpdateTrail DeleteTrail StartLogging StopLogging",
    "signin": "ConsoleLogin",
    "kms": "DisableKey ScheduleKeyDeletion",
    "s3": "PutBucketAcl PutBucketPolicy PutBucketCors PutBucketLifecycle PutBucketReplication "
    "DeleteBucketPolicy DeleteBucketCors DeleteBucketLifecycle DeleteBucketReplication "
    "HeadBucket",
    "config": "StopConfigurationRecorder DeleteDeliveryChannel PutDeliveryChannel "
    "PutConfigurationRecorder",
    "organizations": "AcceptHandshake AttachPolicy CreateAccount CreateOrganizationalUnit "
    "DeclineHandshake DeleteOrganization DeleteOrganizationalUnit DetachPolicy "
    "DisablePolicyType EnablePolicyType InviteAccountToOrganization "
    "LeaveOrganization MoveAccount RemoveAccountFromOrganization UpdatePolicy "
    "UpdateOrganizationalUnit",
}
_SOURCE_OF = {name: src for src, names in _NAME_SOURCES.items() for name in names.split()}


def source_of(event_name: str) -> str:
    """The service prefix of an event name (``ec2`` when unknown: most CIS network events)."""
    for spec in _specs():
        if spec.name == event_name:
            return spec.source
    return _SOURCE_OF.get(event_name, "ec2")


@functools.cache
def _specs() -> tuple[cat.Spec, ...]:
    """The templates, simplest first, one per (source, name)."""
    seen: dict[tuple[str, str], cat.Spec] = {}
    for spec in cat.specs():
        seen.setdefault((spec.source, spec.name), spec)
    return tuple(
        sorted(
            seen.values(),
            key=lambda s: (
                s.name != "GetCallerIdentity",
                len(json.dumps([s.params, s.response, s.extra])),
                s.source,
                s.name,
            ),
        )
    )


@functools.cache
def _pools() -> dict[str, list[str]]:
    return cat.pools(random.Random(7))


def _all_names() -> list[str]:
    names = [s.name for s in _specs()]
    return list(dict.fromkeys([*names, *_SOURCE_OF]))


#: Realistic values of CloudTrail fields by member name, tried first as field values.
FIELD_VALUES: dict[str, tuple[str, ...]] = {
    "eventSource": tuple(
        sorted(
            dict.fromkeys(
                [f"{s}.amazonaws.com" for s in [*_NAME_SOURCES, *(sp.source for sp in _specs())]]
            ),
            key=len,
        )
    ),
    "eventName": tuple(sorted(_all_names(), key=len)),
    "type": tuple(t for t in IDENTITY_TYPES if t) + ("Role",),
    "errorCode": (
        "AccessDenied",
        "AccessDeniedException",
        "Client.UnauthorizedOperation",
        "UnauthorizedOperation",
        "ThrottlingException",
        "KMSInvalidStateException",
        "NotFoundException",
        "ValidationException",
    ),
    "errorMessage": (
        "Failed authentication",
        "Access Denied",
        "Rate exceeded",
        ("User: arn:aws:iam::111122223333:user/Alice is not authorized to perform this operation"),
    ),
    "awsRegion": REGIONS,
    "eventType": ("AwsApiCall", "AwsServiceEvent", "AwsConsoleSignIn", "AwsConsoleAction"),
    "eventCategory": ("Management", "Data", "Insight"),
    "MFAUsed": ("No", "Yes"),
    "ConsoleLogin": ("Success", "Failure"),
    "mfaAuthenticated": ("false", "true"),
    "sourceIPAddress": (*_IPS, *_SERVICES, "AWS Internal"),
    "userAgent": _AGENTS,
    "invokedBy": ("AWS Internal", *_SERVICES),
    "recipientAccountId": _ACCOUNTS,
    "accountId": _ACCOUNTS,
    "userName": _USERS,
    "eventVersion": _VERSIONS,
}


# --------------------------------------------------------------------------- identities


def _session(issuer: dict[str, Any], created: str, mfa: str) -> dict[str, Any]:
    return {
        "sessionIssuer": issuer,
        "webIdFederationData": {},
        "attributes": {"creationDate": created, "mfaAuthenticated": mfa},
    }


def _identity(
    kind: str | None, ch: Choices, acct: str, created: str
) -> tuple[dict[str, Any], str, bool]:
    """(userIdentity, caller ARN, console session)."""
    key = "AKIAIOSFODNN7EXAMPLE"
    temp = "ASIA" + ("ZL23LP5VJW5F6NSA", "QRSTUVWXYZ234567")[ch.below(2)]
    if kind == "IAMUser":
        name = ch.pick(_USERS)
        arn = f"arn:aws:iam::{acct}:user/{name}"
        ident: dict[str, Any] = {
            "type": kind,
            "principalId": "AIDAJ45Q7YFFAREXAMPLE",
            "arn": arn,
            "accountId": acct,
        }
        console = ch.coin()
        ident["accessKeyId"] = temp if console else key
        ident["userName"] = name
        if console:
            ident["sessionContext"] = _session({}, created, ch.pick(("true", "false")))
        return ident, arn, console
    if kind == "AssumedRole":
        role, session = ch.pick(_ROLES), ch.pick(_SESSIONS)
        arn = f"arn:aws:sts::{acct}:assumed-role/{role}/{session}"
        issuer = {
            "type": "Role",
            "principalId": "AROAZL23LP5VJW5F6NSA4",
            "arn": f"arn:aws:iam::{acct}:role/{role}",
            "accountId": acct,
            "userName": role,
        }
        ident = {
            "type": kind,
            "principalId": f"AROAZL23LP5VJW5F6NSA4:{session}",
            "arn": arn,
            "accountId": acct,
            "accessKeyId": temp,
            "sessionContext": _session(issuer, created, "false"),
        }
        if ch.coin():
            ident["invokedBy"] = ch.pick(_SERVICES)
        return ident, arn, False
    if kind == "Root":
        arn = f"arn:aws:iam::{acct}:root"
        ident = {"type": kind, "principalId": acct, "arn": arn, "accountId": acct}
        console = ch.coin()
        ident["accessKeyId"] = temp if console else key
        if console:
            ident["sessionContext"] = _session({}, created, ch.pick(("true", "false")))
        if ch.coin():
            ident["invokedBy"] = ch.pick(("support.amazonaws.com", "AWS Internal"))
        return ident, arn, console
    if kind == "AWSService":
        host = ch.pick(_SERVICES)
        return {"type": kind, "invokedBy": host}, host, False
    if kind == "FederatedUser":
        name = ch.pick(("contractor", "Alice"))
        arn = f"arn:aws:sts::{acct}:federated-user/{name}"
        issuer = {
            "type": "IAMUser",
            "principalId": "AIDAJ45Q7YFFAREXAMPLE",
            "arn": f"arn:aws:iam::{acct}:user/federation-broker",
            "accountId": acct,
            "userName": "federation-broker",
        }
        return (
            {
                "type": kind,
                "principalId": f"{acct}:{name}",
                "arn": arn,
                "accountId": acct,
                "accessKeyId": temp,
                "sessionContext": _session(issuer, created, "false"),
            },
            arn,
            False,
        )
    if kind == "SAMLUser":
        user = ch.pick(("alice@example.com", "bob@example.com"))
        return (
            {
                "type": kind,
                "principalId": f"SAMPLEMJ2E3sZ3wpbRrh0dY8EAo=:{user}",
                "userName": user,
                "identityProvider": "SAMPLEMJ2E3sZ3wpbRrh0dY8EAo=",
            },
            user,
            False,
        )
    if kind == "WebIdentityUser":
        sub = ch.pick(("system:serviceaccount:apps:orders-api", "amzn1.account.EXAMPLE"))
        prov = f"arn:aws:iam::{acct}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE"
        return (
            {
                "type": kind,
                "principalId": f"{prov}:sts.amazonaws.com:{sub}",
                "userName": sub,
                "identityProvider": prov,
            },
            prov,
            False,
        )
    if kind == "IdentityCenterUser":
        store = f"arn:aws:identitystore::{acct}:identitystore/d-1234567890"
        return (
            {
                "type": kind,
                "accountId": acct,
                "onBehalfOf": {
                    "userId": "544894e8-80c1-707f-60e3-3ba6510dfac1",
                    "identityStoreArn": store,
                },
                "credentialId": "EXAMPLEVHULjJdTUdPJfofVa1sufHDoj7aYcOYcxFVllWR_Whr1fEXAMPLE",
            },
            store,
            False,
        )
    if kind == "AWSAccount":
        return (
            {"type": kind, "principalId": "AIDAJ45Q7YFFAREXAMPLE", "accountId": _OTHER_ACCOUNT},
            f"arn:aws:iam::{_OTHER_ACCOUNT}:root",
            False,
        )
    if kind is None:
        return {"accountId": acct, "invokedBy": "AWS Internal"}, "AWS Internal", False
    return {"type": kind, "principalId": "AIDAJ45Q7YFFAREXAMPLE", "accountId": acct}, acct, False


# --------------------------------------------------------------------------- events


def event_spec(ch: Choices, source: str | None = None, name: str | None = None) -> cat.Spec:
    """The template for an (optional) ``eventSource`` and ``eventName``; a generic
    write-call template when the catalog has none."""
    prefix = source.removesuffix(".amazonaws.com") if source is not None else None
    cands = [
        s
        for s in _specs()
        if (prefix is None or s.source == prefix) and (name is None or s.name == name)
    ]
    if cands:
        return ch.pick(cands)
    if name is None:
        name = ch.pick(("ListResources", "UpdateConfiguration"))
    return cat.Spec(
        source=prefix if prefix is not None else source_of(name),
        name=name,
        weight=0.0,
        mix="write",
        read_only=False,
    )


def _failure(spec: cat.Spec, ch: Choices, code: Any) -> tuple[str | None, str, Any]:
    errors: list[tuple[Any, Any, Any]] = [(c, m, r) for _, c, m, r in spec.errors] + [
        (c, m, r) for _, c, m, r in cat.default_errors(spec)
    ]
    if isinstance(code, str):
        for c, m, r in errors:
            if c == code:
                return c, str(m), r
        return code, "User: @@CALLER@@ is not authorized to perform this operation", None
    if not errors:
        action = f"{spec.source}:{spec.name}"
        errors = [
            (
                "AccessDenied",
                (
                    f"User: @@CALLER@@ is not authorized to perform: {action} "
                    "because no identity-based policy allows the action"
                ),
                None,
            )
        ]
    code, message, response = ch.pick(errors)
    return code, str(message), response


def _fill(template: Any, slots: dict[str, Any], ch: Choices) -> Any:
    if isinstance(template, dict):
        return {k: _fill(v, slots, ch) for k, v in template.items()}
    if isinstance(template, list):
        return [_fill(v, slots, ch) for v in template]
    if isinstance(template, bool) or template is None:
        return template
    if isinstance(template, (int, float)):
        return JsonNumber(repr(template) if isinstance(template, float) else str(template))
    if not isinstance(template, str):
        return template
    raw = re.fullmatch(r"@@!(\w+?)@@", template)
    if raw:
        value = _slot(raw.group(1), slots, ch)
        return value if not isinstance(value, str) else JsonNumber(value)
    return _SLOT.sub(lambda m: str(_slot(m.group(1), slots, ch)), template)


def _slot(name: str, slots: dict[str, Any], ch: Choices) -> Any:
    if name in slots:
        return slots[name]
    base = name.rstrip("0123456789")
    pools = _pools()
    if base == "UUID":
        value: Any = _UUIDS[(ch.below(len(_UUIDS)) + len(name)) % len(_UUIDS)]
    elif base in pools:
        value = pools[base][ch.below(min(4, len(pools[base])))]
    elif base == "NUM":
        value = str(ch.pick((1, 10, 100, 1500)))
    elif base == "DAYS":
        value = str(ch.between(7, 30))
    elif base in ("DELDATE", "EXPIRY"):
        value = cat.aws_date(
            slots["SEC"] + (86400 * int(_slot("DAYS", slots, ch)) if base == "DELDATE" else 3600)
        )
    elif base == "S3RID":
        value = "KZ2VGKJ5G7GJ8HXC"
    elif base == "XAMZ":
        value = "EXAMPLEk2O7sLcNm2Bd0aFrGkn8JpBzEWV0kP3Ff/UsJcIEXAMPLE=="
    elif base == "AKEY":
        value = "ASIAQRSTUVWXYZ234567"
    else:  # a slot added to the catalog after this module: a readable placeholder
        value = "example"
    slots[name] = value
    return value


def build_record(
    ch: Choices, pins: Mapping[tuple[str, ...], Any] | None = None, *, failed: bool | None = None
) -> dict[str, Any]:
    """One CloudTrail record.

    Args:
        ch: where decisions come from.
        pins: values to force at paths (``("userIdentity", "type")``); :data:`ABSENT` removes
            the field.  ``eventSource``, ``eventName``, ``userIdentity.type``, ``errorCode``
            and ``awsRegion`` also choose the template, caller and outcome.
        failed: force a failed (``True``) or successful (``False``) call.
    """
    pins = dict(pins or {})
    source, name = pins.get(("eventSource",)), pins.get(("eventName",))
    spec = event_spec(
        ch, source if isinstance(source, str) else None, name if isinstance(name, str) else None
    )
    kind_pin = pins.get(("userIdentity", "type"), ...)
    if kind_pin is ABSENT or (kind_pin is None and ("userIdentity", "type") in pins):
        kind: str | None = None
    elif isinstance(kind_pin, str):
        kind = kind_pin
    else:
        kind = ch.pick(IDENTITY_TYPES)
    code_pin = pins.get(("errorCode",), ...)
    if code_pin is ABSENT:
        failed = False
    elif code_pin is not ...:
        failed = True
    if failed is None:
        failed = ch.coin()
    region = pins.get(("awsRegion",))
    if not isinstance(region, str):
        region = "us-east-1" if spec.global_ else ch.pick(REGIONS)
    ch = ch.fork()  # the rest is detail: one decision
    sec = _START + ch.between(0, 30 * 86400)
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(sec))
    acct = ch.pick(_ACCOUNTS)
    created = now[:14] + "00:00Z"
    ident, caller, console = _identity(kind, ch, acct, created)
    direct = kind not in ("AWSService", None) and "invokedBy" not in ident
    if direct:
        ip, agent = ch.pick(_IPS), ch.pick(_AGENTS[:3] if not console else _AGENTS[2:4])
    else:
        ip = agent = ident.get("invokedBy", "AWS Internal")
    version = ch.pick(_VERSIONS)
    slots: dict[str, Any] = {
        "TIME": now,
        "SEC": sec,
        "REGION": region,
        "ACCT": acct,
        "SVC": spec.source,
        "CALLER": caller,
        "IP": ip,
        "UA": agent,
        "VERSION": version,
        "IDENT": ident,
    }
    if failed:
        code, message, response = _failure(spec, ch, code_pin)
    else:
        code, message, response = None, None, spec.response
    record: dict[str, Any] = _fill(cat.record(spec, code, message, response), slots, ch)
    if version < "1.06":  # older records have no management flags
        record.pop("managementEvent", None)
    else:
        record["eventCategory"] = "Management"
    if kind == "AWSService":
        record["sharedEventID"] = _UUIDS[ch.below(len(_UUIDS))]
    if direct and spec.event_type == "AwsApiCall" and version >= "1.08" and ch.coin():
        host = spec.host.replace("@@SVC@@", spec.source).replace("@@REGION@@", region)
        record["tlsDetails"] = {
            "tlsVersion": ch.pick(("TLSv1.2", "TLSv1.3")),
            "cipherSuite": "ECDHE-RSA-AES128-GCM-SHA256",
            "clientProvidedHostHeader": host,
        }
    if console:
        record["sessionCredentialFromConsole"] = "true"
    for path, value in pins.items():
        _pin(record, path, value)
    return record


def _pin(record: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = record
    for key in path[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            if value is ABSENT:
                return
            child = node[key] = {}
        node = child
    if value is ABSENT:
        node.pop(path[-1], None)
    else:
        node[path[-1]] = jsonify(value)


def jsonify(value: Any) -> Any:
    """Python values to the record model (numbers keep or get their raw text)."""
    if isinstance(value, bool) or value is None or isinstance(value, (str, JsonNumber)):
        return value
    if isinstance(value, int):
        return JsonNumber(str(value))
    if isinstance(value, float):
        return JsonNumber(json.dumps(value))
    if isinstance(value, Mapping):
        return {str(k): jsonify(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonify(v) for v in value]
    raise TypeError(f"cannot put {type(value).__name__} in a JSON record")


def dump(value: Any) -> str:
    """Compact JSON text (numbers as their raw text, non-ASCII unescaped)."""
    return encode(value)
