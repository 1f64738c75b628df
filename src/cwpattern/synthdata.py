"""The data behind :mod:`cwpattern.synth` and the CloudTrail records of
:mod:`cwpattern.strategies`: event templates, callers, resource pools, weights.

The event templates live in ``data/synth_events.jsonl`` (see :func:`specs`); this module holds
the account around them.  Shapes are copied from real records (``tests/data/cloudtrail``:
invictus-ir, Stratus Red Team and the AWS documentation examples); weights describe a busy
account's management events, where KMS is about 4 % of records (Decrypt > GenerateDataKey >
Encrypt), assumed roles and AWS services make most calls, and errors are a few percent.
Strings written ``@@NAME@@`` are slots filled per record (``"@@!NAME@@"`` inserts raw JSON; a
trailing digit, as in ``UUID2``, asks for a second, independent value); every pool value is
JSON-safe, so the engine inserts values without escaping.
"""

from __future__ import annotations

import functools
import json
import random
import time
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

ALARM_NAMES = frozenset({"DisableKey", "ScheduleKeyDeletion"})
#: Slots whose value is set per record by the engine rather than drawn from a pool.
PER_RECORD = frozenset({"TIME", "REGION", "ACCT", "IDENT", "IP", "UA", "CALLER", "VERSION", "SVC"})
REGIONS = [
    ("us-east-1", 55),
    ("us-west-2", 15),
    ("eu-west-1", 12),
    ("us-east-2", 6),
    ("eu-central-1", 6),
    ("ap-southeast-2", 3),
    ("ap-northeast-1", 3),
]
VERSIONS = [("1.08", 45), ("1.09", 35), ("1.10", 15), ("1.11", 5)]
#: Who calls what: mix -> [(caller category, weight)].
MIXES: dict[str, list[tuple[str, float]]] = {
    "read": [
        ("workload", 40),
        ("svclinked", 15),
        ("user", 25),
        ("sso", 12),
        ("console", 6),
        ("fed", 0.3),
        ("root", 0.1),
    ],
    "write": [
        ("workload", 40),
        ("sso", 25),
        ("user", 22),
        ("console", 10),
        ("fed", 0.5),
        ("root", 0.3),
    ],
    "assume": [("service", 60), ("workload", 20), ("user", 12), ("sso", 8)],
    "kms": [("workload", 45), ("via", 45), ("sso", 5), ("user", 5)],
    "svc": [("service", 60), ("svclinked", 40)],
    "agent": [("agent", 100)],
    "workload": [("workload", 100)],
    "signin": [("signin", 90), ("signin_root", 10)],
    "web": [("web", 100)],
    "internal": [("internal", 100)],
    "fedtoken": [("user", 100)],
}
_MON = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_EC2_DENIED = (
    "You are not authorized to perform this operation. Encoded authorization failure "
    "message: @@ENCMSG@@"
)


@dataclass(frozen=True)
class Spec:
    """One event kind: ``eventSource`` prefix, ``eventName``, relative weight, caller mix
    (a key of :data:`MIXES`), ``readOnly``, request/response templates, extra top-level
    fields (``resources``, ``additionalEventData``, ``serviceEventDetails``), its own failures,
    whether the service is global (us-east-1), the event type, the TLS host template, whether
    request ids are S3-style, and whether the service's default failures apply."""

    source: str
    name: str
    weight: float
    mix: str = "read"
    read_only: bool = True
    params: Any = None
    response: Any = None
    extra: dict[str, Any] = field(default_factory=dict)
    errors: tuple[tuple[float, str | None, str, Any], ...] = ()
    global_: bool = False
    event_type: str = "AwsApiCall"
    host: str = "@@SVC@@.@@REGION@@.amazonaws.com"
    s3rid: bool = False
    default_errors: bool = True


@functools.cache
def specs() -> tuple[Spec, ...]:
    """The event templates of ``data/synth_events.jsonl`` (one JSON object per line).

    Each line holds the :class:`Spec` fields by name (defaults may be left out); ``errors``
    is a list of ``[probability, errorCode or null, errorMessage, responseElements]``.
    """
    text = resources.files("cwpattern").joinpath("data/synth_events.jsonl").read_text("utf-8")
    out = []
    for line in text.splitlines():
        fields = json.loads(line)
        fields["errors"] = tuple(tuple(e) for e in fields.get("errors", ()))
        out.append(Spec(**fields))
    return tuple(out)


def default_errors(spec: Spec) -> list[tuple[Any, ...]]:
    """Failures any call of a service may have (permission, throttling)."""
    if not spec.default_errors or spec.name in ALARM_NAMES:
        return []
    if spec.source == "ec2":
        return [
            (0.012, "Client.UnauthorizedOperation", _EC2_DENIED, None),
            (0.004, "Client.RequestLimitExceeded", "Request limit exceeded.", None),
        ]
    if spec.source == "s3":
        return [(0.01, "AccessDenied", "Access Denied", None)]
    action = f"{spec.source}:{spec.name}"
    denied = (
        f"User: @@CALLER@@ is not authorized to perform: {action} on resource: * because "
        f"no identity-based policy allows the {action} action"
    )
    return [
        (0.01, "AccessDenied", denied, None),
        (0.003, "ThrottlingException", "Rate exceeded", None),
    ]


def record(spec: Spec, code: str | None, message: str | None, response: Any) -> dict[str, Any]:
    """The record template in CloudTrail's key order (the tail is added per record)."""
    r: dict[str, Any] = {
        "eventVersion": "@@VERSION@@",
        "userIdentity": "@@!IDENT@@",
        "eventTime": "@@TIME@@",
        "eventSource": f"{spec.source}.amazonaws.com",
        "eventName": spec.name,
        "awsRegion": "@@REGION@@",
        "sourceIPAddress": "@@IP@@",
        "userAgent": "@@UA@@",
    }
    if code is not None:
        r["errorCode"] = code
    if message is not None:
        r["errorMessage"] = message
    r["requestParameters"] = spec.params
    r["responseElements"] = response if code is None else None
    r.update({k: v for k, v in spec.extra.items() if k not in ("resources", "serviceEventDetails")})
    if spec.event_type == "AwsApiCall":
        r["requestID"] = "@@S3RID@@" if spec.s3rid else "@@UUID@@"
    r["eventID"] = "@@UUID2@@"
    r["readOnly"] = spec.read_only
    if "resources" in spec.extra:
        r["resources"] = spec.extra["resources"]
    r["eventType"] = spec.event_type
    r["managementEvent"] = True
    r["recipientAccountId"] = "@@ACCT@@"
    if "serviceEventDetails" in spec.extra:
        r["serviceEventDetails"] = spec.extra["serviceEventDetails"]
    return r


def aws_date(ts: float) -> str:
    """``Mar 4, 2024, 9:00:00 AM``, the date format of KMS and STS response elements."""
    t = time.gmtime(ts)
    hour = t.tm_hour % 12 or 12
    return (
        f"{_MON[t.tm_mon - 1]} {t.tm_mday}, {t.tm_year}, {hour}:{t.tm_min:02}:{t.tm_sec:02} "
        f"{'AM' if t.tm_hour < 12 else 'PM'}"
    )


# --------------------------------------------------------------------------- pools and callers

_LINUX = "Linux/5.10.210-201.852.amzn2.x86_64"
_CLI = "aws-cli/2.15.{} Python/3.11.8 Linux/5.15.0-1055-aws exe/x86_64.ubuntu.22 prompt/off"
_BOTO = "Boto3/1.34.{0} Python/3.11.8 " + _LINUX + " Botocore/1.34.{0}"
_TF = (
    "APN/1.0 HashiCorp/1.0 Terraform/1.7.{} (+https://www.terraform.io) "
    "terraform-provider-aws/5.40.0 (+https://registry.terraform.io/providers/hashicorp/aws) "
    "aws-sdk-go-v2/1.25.2 os/linux lang/go#1.21.8 md/GOOS#linux md/GOARCH#amd64"
)
_JAVA = "aws-sdk-java/2.21.{} " + _LINUX + " Java/17.0.10 exec-env/AWS_ECS_FARGATE"
_NODE = "aws-sdk-nodejs/2.15{}.0 linux/v18.19.0 exec-env/AWS_Lambda_nodejs18.x promise"
_GO = "aws-sdk-go-v2/1.25.{} os/linux lang/go#1.21.8 api/sts#1.28.1"
_AGENT = "aws-sdk-go/1.44.302 (go1.21.6; linux; amd64) amazon-ssm-agent/3.3.{}.0"
_CONSOLE = [
    "AWS Internal",
    (
        "[S3Console/0.4, aws-internal/3 aws-sdk-java/1.12.648 Linux/5.10.210-178.855.amzn2int.x86_64 "
        "OpenJDK_64-Bit_Server_VM/25.402-b08 java/1.8.0_402 vendor/Oracle_Corporation "
        "cfg/retry-mode/standard]"
    ),
    "console.amazonaws.com",
]
_BROWSER = [
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/122.0.0.0 Safari/537.36"
    ),
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:123.0) Gecko/20100101 Firefox/123.0",
]
_WORDS = [
    "orders",
    "billing",
    "payments",
    "search",
    "catalog",
    "ingest",
    "reports",
    "auth",
    "notifications",
    "inventory",
    "analytics",
    "thumbnails",
    "checkout",
    "etl",
    "audit",
]
_PEOPLE = [
    "alice",
    "bob",
    "carol",
    "dave",
    "erin",
    "frank",
    "grace",
    "heidi",
    "ivan",
    "judy",
    "mallory",
    "oscar",
    "peggy",
    "trent",
]
_TLS = [("TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256"), ("TLSv1.3", "TLS_AES_128_GCM_SHA256")]
_VIA = [
    "secretsmanager.amazonaws.com",
    "s3.amazonaws.com",
    "ssm.amazonaws.com",
    "lambda.amazonaws.com",
    "AWS Internal",
    "ec2.amazonaws.com",
]
_LINKED = {
    "config": "Config",
    "securityhub": "SecurityHub",
    "inspector2": "AmazonInspector2",
    "trustedadvisor": "TrustedAdvisor",
    "access-analyzer": "AccessAnalyzer",
    "guardduty": "AmazonGuardDuty",
}
_SERVICES = [
    ("lambda", 30),
    ("ec2", 15),
    ("ecs-tasks", 15),
    ("cloudtrail", 10),
    ("config", 10),
    ("elasticloadbalancing", 5),
    ("autoscaling", 5),
    ("delivery.logs", 5),
    ("ssm", 5),
]
_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_URL = _B64[:62] + "-_"


@dataclass
class Caller:
    """Who makes a call: identity JSON (split around creationDate), addresses, agents."""

    idents: list[tuple[str, str | None]]
    ips: list[str]
    uas: list[str]
    arn: str
    direct: bool = True  #: called the API endpoint itself (so the record has tlsDetails)
    shared: bool = False  #: an AWS service acting for the account (sharedEventID)
    vpce: str | None = None
    console: bool = False
    tls_prefix: str = ""


def _hex(rng: random.Random, n: int) -> str:
    return f"{rng.getrandbits(4 * n):0{n}x}"


def _chars(rng: random.Random, n: int, alphabet: str = _B32) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _uuid(rng: random.Random) -> str:
    h = _hex(rng, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def _ids(rng: random.Random, prefix: str, n: int) -> list[str]:
    return [f"{prefix}-0{_hex(rng, 16)}" for _ in range(n)]


def pools(rng: random.Random) -> dict[str, list[str]]:
    """Resource names and ids of one synthetic account (values are JSON-safe)."""
    env = ["prod", "staging", "dev"]
    fns = [f"{w}-{x}-{rng.choice(env)}" for w in _WORDS for x in ("api", "worker")][:30]
    kinds = ["data", "logs", "artifacts", "exports"]
    p = {
        "ACCT": [str(rng.randrange(10**11, 10**12))],
        "INSTANCE": _ids(rng, "i", 150),
        "VOLUME": _ids(rng, "vol", 100),
        "SG": _ids(rng, "sg", 30),
        "VPC": _ids(rng, "vpc", 4),
        "SUBNET": _ids(rng, "subnet", 12),
        "ENI": _ids(rng, "eni", 80),
        "AMI": _ids(rng, "ami", 10),
        "BUCKET": [f"{w}-{rng.choice(env)}-{rng.choice(kinds)}-{_hex(rng, 6)}" for w in _WORDS]
        + [f"cloudtrail-logs-{_hex(rng, 8)}"],
        "OBJKEY": [
            f"{rng.choice(['raw', 'curated', 'exports'])}/{rng.choice(_WORDS)}/2024/03/"
            f"{rng.randint(1, 28):02}/part-{rng.randint(0, 9999):05}.snappy.parquet"
            for _ in range(50)
        ],
        "FUNCTION": fns,
        "ROLE": [f"{f}-role" for f in fns[:14]]
        + [
            "github-actions-deploy",
            "terraform-apply",
            "eks-node-group",
            "ecs-task-execution",
            "datadog-integration",
            "backup-service",
        ],
        "ROLEID": ["AROA" + _chars(rng, 17) for _ in range(20)],
        "KEY": [_uuid(rng) for _ in range(15)],
        "ALIAS": [
            "alias/aws/s3",
            "alias/aws/ssm",
            "alias/aws/secretsmanager",
            "alias/aws/ebs",
            "alias/app-data",
            "alias/backup",
            "alias/logs",
        ],
        "SECRET": [
            f"{rng.choice(env)}/{w}/db-credentials-{_chars(rng, 6, _B64[:62])}" for w in _WORDS
        ],
        "PARAM": [
            f"/{rng.choice(env)}/{w}/{k}"
            for w in _WORDS
            for k in ("db_host", "api_key", "feature_flags")
        ][:40],
        "LOGGROUP": [f"/aws/lambda/{f}" for f in fns[:20]] + [f"/ecs/{w}" for w in _WORDS[:10]],
        "LOGSTREAM": [f"2024/03/04/[$LATEST]{_hex(rng, 32)}" for _ in range(50)],
        "TABLE": [f"{w}-table" for w in _WORDS[:10]],
        "USER": _PEOPLE[:12],
        "POLICY": [f"{w}-access" for w in _WORDS[:10]],
        "SESSION": [f"botocore-session-{rng.randint(1709000000, 1709999999)}" for _ in range(10)]
        + [f"i-0{_hex(rng, 16)}" for _ in range(10)]
        + [f"aws-go-sdk-{rng.getrandbits(60)}" for _ in range(10)],
        "TOKEN": [
            "IQoJb3JpZ2luX2VjE" + _chars(rng, rng.randint(600, 900), _B64) for _ in range(40)
        ],
        "ENCMSG": [_chars(rng, rng.randint(500, 1100), _URL) for _ in range(20)],
    }
    for values in p.values():  # the engine inserts values without escaping
        for v in values:
            assert json.dumps(v) == f'"{v}"', v
    return p


def _ident(d: dict[str, Any]) -> tuple[str, str | None]:
    s = json.dumps(d, separators=(",", ":"))
    if "@@CREATED@@" in s:
        a, b = s.split("@@CREATED@@")
        return a, b
    return s, None


def _session(issuer: dict[str, Any], mfa: str, **more: Any) -> dict[str, Any]:
    return {
        "sessionIssuer": issuer,
        "webIdFederationData": {},
        "attributes": {"creationDate": "@@CREATED@@", "mfaAuthenticated": mfa},
        **more,
    }


def _ip(rng: random.Random, private: bool = False) -> str:
    first = 10 if private else rng.choice([3, 18, 34, 35, 44, 52, 54, 81, 86, 91, 185, 203])
    return f"{first}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


class _Account:
    """Builds the identities of one account; principal ids are stable per user and role."""

    def __init__(self, rng: random.Random, acct: str) -> None:
        self.rng, self.acct = rng, acct
        self.ids: dict[str, str] = {}
        self.out: dict[str, list[tuple[Caller, float]]] = {}

    def pid(self, kind: str, name: str) -> str:
        return self.ids.setdefault(f"{kind}/{name}", kind + _chars(self.rng, 17))

    def add(self, category: str, c: Caller, w: float = 1.0) -> None:
        version, suite = _TLS[self.rng.random() < 0.35]
        c.tls_prefix = (
            f',"tlsDetails":{{"tlsVersion":"{version}","cipherSuite":"{suite}",'
            '"clientProvidedHostHeader":"'
        )
        self.out.setdefault(category, []).append((c, w))

    def role(
        self,
        path: str,
        session: str,
        mfa: str = "false",
        ctx: dict[str, Any] | None = None,
        **more: Any,
    ) -> tuple[dict[str, Any], str]:
        name, acct = path.rsplit("/", 1)[-1], self.acct
        rid = self.pid("AROA", path)
        arn = f"arn:aws:sts::{acct}:assumed-role/{name}/{session}"
        issuer = {
            "type": "Role",
            "principalId": rid,
            "arn": f"arn:aws:iam::{acct}:role/{path}",
            "accountId": acct,
            "userName": name,
        }
        d = {
            "type": "AssumedRole",
            "principalId": f"{rid}:{session}",
            "arn": arn,
            "accountId": acct,
            "accessKeyId": "ASIA" + _chars(self.rng, 16),
            "sessionContext": _session(issuer, mfa, **(ctx or {})),
            **more,
        }
        return d, arn

    def user(self, name: str, key: str | None, **more: Any) -> tuple[dict[str, Any], str]:
        arn = f"arn:aws:iam::{self.acct}:user/{name}"
        d = {
            "type": "IAMUser",
            "principalId": self.pid("AIDA", name),
            "arn": arn,
            "accountId": self.acct,
        }
        if key is not None:
            d["accessKeyId"] = key
        return {**d, "userName": name, **more}, arn


def callers(rng: random.Random, p: dict[str, list[str]]) -> dict[str, list[tuple[Caller, float]]]:
    """Every caller category of :data:`MIXES`, each a weighted list of callers."""
    a = _Account(rng, p["ACCT"][0])
    acct, add = a.acct, a.add

    def ua(fmt: str) -> str:
        return fmt.format(rng.randint(10, 60))

    for i, name in enumerate(_PEOPLE[:6]):  # programmatic IAM users
        d, arn = a.user(name, "AKIA" + _chars(rng, 16))
        agents = [ua(rng.choice([_CLI, _BOTO, _TF])) for _ in range(2)]
        add(
            "user",
            Caller([_ident(d)], [_ip(rng) for _ in range(rng.randint(1, 2))], agents, arn),
            1 / (i + 1),
        )
    for i, name in enumerate(_PEOPLE[6:10]):  # console users: temporary keys, "sessionIssuer":{}
        mfa = "true" if rng.random() < 0.75 else "false"
        idents = [
            _ident(a.user(name, "ASIA" + _chars(rng, 16), sessionContext=_session({}, mfa))[0])
            for _ in range(3)
        ]
        d, arn = a.user(name, None)
        add("console", Caller(idents, [_ip(rng)], _CONSOLE, arn, console=True), 1 / (i + 1))
        add("signin", Caller([_ident(d)], [_ip(rng)], [rng.choice(_BROWSER)], arn))
    root = {
        "type": "Root",
        "principalId": acct,
        "arn": f"arn:aws:iam::{acct}:root",
        "accountId": acct,
    }
    add(
        "signin_root",
        Caller([_ident({**root, "accessKeyId": ""})], [_ip(rng)], _BROWSER, root["arn"]),
    )
    add(
        "root",
        Caller(
            [
                _ident(
                    {
                        **root,
                        "accessKeyId": "ASIA" + _chars(rng, 16),
                        "sessionContext": _session({}, "true"),
                    }
                )
            ],
            [_ip(rng)],
            _CONSOLE,
            root["arn"],
            console=True,
        ),
    )
    for perm in ("AdministratorAccess", "ReadOnlyAccess", "PowerUserAccess"):  # IAM Identity Center
        path = f"aws-reserved/sso.amazonaws.com/AWSReservedSSO_{perm}_{_hex(rng, 16)}"
        for person in rng.sample(_PEOPLE, 3):
            d, arn = a.role(path, f"{person}@example.com")
            console = rng.random() < 0.5
            add(
                "sso",
                Caller(
                    [_ident(d)],
                    [_ip(rng)],
                    _CONSOLE if console else [ua(_CLI)],
                    arn,
                    console=console,
                ),
            )
    for i, fn in enumerate(p["FUNCTION"][:14]):  # workloads: Lambda, EC2, ECS, EKS
        kind = i % 4
        session = [
            fn,
            rng.choice(p["INSTANCE"]),
            _hex(rng, 32),
            f"botocore-session-{rng.randint(1709000000, 1709999999)}",
        ][kind]
        ctx = {"ec2RoleDelivery": "2.0"} if kind == 1 else None
        made = [a.role(f"{fn}-role", session, ctx=ctx) for _ in range(3)]
        idents, arn = [_ident(d) for d, _ in made], made[0][1]
        agent = ua([_NODE, _BOTO, _JAVA, _GO][kind])
        vpce = f"vpce-0{_hex(rng, 16)}" if rng.random() < 0.3 else None
        add(
            "workload",
            Caller(
                idents, [_ip(rng, private=kind == 1) for _ in range(2)], [agent], arn, vpce=vpce
            ),
            1 / (1 + i % 5),
        )
        if kind == 1:
            add("agent", Caller(idents, [_ip(rng, True)], [ua(_AGENT)], arn))
        via = rng.choice(_VIA)  # the same role, through a service (KMS calls)
        d, arn = a.role(f"{fn}-role", session, invokedBy=via)
        add("via", Caller([_ident(d)], [via], [via], arn, direct=False))
    for svc, suffix in _LINKED.items():
        host, slr = f"{svc}.amazonaws.com", f"AWSServiceRoleFor{suffix}"
        d, arn = a.role(
            f"aws-service-role/{host}/{slr}", f"{slr}-{rng.getrandbits(40)}", invokedBy=host
        )
        add("svclinked", Caller([_ident(d)], [host], [host], arn, direct=False))
    for svc, w in _SERVICES:
        host = f"{svc}.amazonaws.com"
        add(
            "service",
            Caller(
                [_ident({"type": "AWSService", "invokedBy": host})],
                [host],
                [host],
                host,
                direct=False,
                shared=True,
            ),
            w,
        )
    for ns, sa in (
        ("apps", "orders-api"),
        ("kube-system", "aws-load-balancer-controller"),
        ("monitoring", "prometheus"),
    ):
        prov = (
            f"arn:aws:iam::{acct}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/"
            f"{_hex(rng, 32).upper()}"
        )
        subject = f"system:serviceaccount:{ns}:{sa}"
        d = {
            "type": "WebIdentityUser",
            "principalId": f"{prov}:sts.amazonaws.com:{subject}",
            "userName": subject,
            "identityProvider": prov,
        }
        add("web", Caller([_ident(d)], [_ip(rng)], [ua(_GO)], prov))
    issuer = a.user("federation-broker", None)[0]
    fed_arn = f"arn:aws:sts::{acct}:federated-user/contractor"
    fed = {
        "type": "FederatedUser",
        "principalId": f"{acct}:contractor",
        "arn": fed_arn,
        "accountId": acct,
        "accessKeyId": "ASIA" + _chars(rng, 16),
        "sessionContext": _session(issuer, "false"),
    }
    add("fed", Caller([_ident(fed)], [_ip(rng)], [ua(_BOTO)], fed_arn))
    add(
        "internal",
        Caller(
            [_ident({"accountId": acct, "invokedBy": "AWS Internal"})],
            ["AWS Internal"],
            ["AWS Internal"],
            "AWS Internal",
            direct=False,
        ),
    )
    return a.out
