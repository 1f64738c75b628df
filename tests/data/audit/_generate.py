"""Generate tests/data/audit fixtures (run once; the JSON files are committed)."""

import copy
import json
import pathlib

OUT = pathlib.Path(__file__).resolve().parent
OUT.mkdir(parents=True, exist_ok=True)
ACCT, REGION = "123456789012", "us-east-1"
TRAIL_ARN = f"arn:aws:cloudtrail:{REGION}:{ACCT}:trail/management-events"
TRAIL2_ARN = f"arn:aws:cloudtrail:eu-west-1:{ACCT}:trail/eu-data-events"
LOG_GROUP = "aws-cloudtrail-logs-123456789012-management"
TOPIC = f"arn:aws:sns:{REGION}:{ACCT}:cis-security-alerts"
OPS_TOPIC = f"arn:aws:sns:{REGION}:{ACCT}:ops-pager"
PATTERN_47 = "{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }"
PATTERN_43 = '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }'


def trail(arn, name, home, multi, log_group):
    t = {
        "Name": name,
        "S3BucketName": f"aws-cloudtrail-logs-{ACCT}-3f1b2c9a",
        "IncludeGlobalServiceEvents": True,
        "IsMultiRegionTrail": multi,
        "HomeRegion": home,
        "TrailARN": arn,
        "LogFileValidationEnabled": True,
        "HasCustomEventSelectors": False,
        "HasInsightSelectors": False,
        "IsOrganizationTrail": False,
    }
    if log_group:
        t["CloudWatchLogsLogGroupArn"] = f"arn:aws:logs:{home}:{ACCT}:log-group:{log_group}:*"
        t["CloudWatchLogsRoleArn"] = (
            f"arn:aws:iam::{ACCT}:role/CloudTrailRoleForCloudWatchLogs_{name}"
        )
    return t


def status(logging=True):
    s = {
        "IsLogging": logging,
        "LatestDeliveryTime": "2024-05-02T09:14:27.120000+00:00",
        "StartLoggingTime": "2023-01-10T12:00:01.004000+00:00",
        "LatestCloudWatchLogsDeliveryTime": "2024-05-02T09:14:13.880000+00:00",
        "LatestDigestDeliveryTime": "2024-05-02T09:05:44.310000+00:00",
        "LatestDeliveryAttemptTime": "2024-05-02T09:14:27Z",
        "LatestNotificationAttemptTime": "",
        "LatestNotificationAttemptSucceeded": "",
        "LatestDeliveryAttemptSucceeded": "2024-05-02T09:14:27Z",
        "TimeLoggingStarted": "2023-01-10T12:00:01Z",
        "TimeLoggingStopped": "",
    }
    if not logging:
        s["StopLoggingTime"] = "2024-04-30T22:41:09.512000+00:00"
        s["TimeLoggingStopped"] = "2024-04-30T22:41:09Z"
    return s


def selectors(arn, rw="All", excluded=()):
    return {
        "TrailARN": arn,
        "EventSelectors": [
            {
                "ReadWriteType": rw,
                "IncludeManagementEvents": True,
                "DataResources": [],
                "ExcludeManagementEventSources": list(excluded),
            }
        ],
    }


def mfilter(
    name, pattern, metric, namespace="CISBenchmark", group=LOG_GROUP, created=1683734400000
):
    return {
        "filterName": name,
        "filterPattern": pattern,
        "metricTransformations": [
            {"metricName": metric, "metricNamespace": namespace, "metricValue": "1"}
        ],
        "creationTime": created,
        "logGroupName": group,
        "applyOnTransformedLogs": False,
    }


def alarm(name, metric, namespace="CISBenchmark", threshold=1.0, actions=(TOPIC,), **kw):
    a = {
        "AlarmName": name,
        "AlarmArn": f"arn:aws:cloudwatch:{REGION}:{ACCT}:alarm:{name}",
        "AlarmDescription": f"CIS AWS Foundations: {name}",
        "AlarmConfigurationUpdatedTimestamp": "2023-05-10T16:02:11.871000+00:00",
        "ActionsEnabled": True,
        "OKActions": [],
        "AlarmActions": list(actions),
        "InsufficientDataActions": [],
        "StateValue": "OK",
        "StateReason": "Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [NonBreaching].",
        "StateReasonData": '{"version":"1.0","queryDate":"2024-05-02T09:10:41.126+0000","statistic":"Sum","period":300,"recentDatapoints":[],"threshold":1.0,"evaluatedDatapoints":[{"timestamp":"2024-05-02T09:05:00.000+0000"}]}',
        "StateUpdatedTimestamp": "2024-05-02T09:10:41.128000+00:00",
        "MetricName": metric,
        "Namespace": namespace,
        "Statistic": "Sum",
        "Dimensions": [],
        "Period": 300,
        "EvaluationPeriods": 1,
        "DatapointsToAlarm": 1,
        "Threshold": threshold,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "TreatMissingData": "notBreaching",
        "StateTransitionedTimestamp": "2024-04-11T03:15:41.128000+00:00",
    }
    a.update(kw)
    return a


def sub(topic, arn_suffix, protocol="email", endpoint="secops@example.com"):
    return {
        "SubscriptionArn": f"{topic}:{arn_suffix}" if arn_suffix else "PendingConfirmation",
        "Owner": ACCT,
        "Protocol": protocol,
        "Endpoint": endpoint,
        "TopicArn": topic,
    }


BASE = {
    "metadata": {
        "account": ACCT,
        "region": REGION,
        "created": "2024-05-02T09:15:00Z",
        "producer": "hand-written fixture modelled on AWS CLI v2 output",
    },
    "trails": {
        "trailList": [
            trail(TRAIL_ARN, "management-events", REGION, True, LOG_GROUP),
            trail(TRAIL2_ARN, "eu-data-events", "eu-west-1", False, None),
        ]
    },
    "trailStatus": {TRAIL_ARN: status(), TRAIL2_ARN: status()},
    "eventSelectors": {
        TRAIL_ARN: selectors(TRAIL_ARN),
        TRAIL2_ARN: {
            "TrailARN": TRAIL2_ARN,
            "EventSelectors": [
                {
                    "ReadWriteType": "All",
                    "IncludeManagementEvents": False,
                    "DataResources": [
                        {"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::eu-invoices/"]}
                    ],
                    "ExcludeManagementEventSources": [],
                }
            ],
        },
    },
    "metricFilters": {
        "metricFilters": [
            mfilter(
                "CIS-4.3-RootAccountUsage",
                PATTERN_43,
                "RootAccountUsageCount",
                created=1683734300000,
            ),
            mfilter(
                "CIS-4.7-KmsKeyDisableOrScheduledDeletion", PATTERN_47, "KmsKeyDisableOrDeleteCount"
            ),
            mfilter(
                "lambda-errors",
                "ERROR",
                "LambdaErrors",
                namespace="App",
                group="/aws/lambda/billing",
            ),
        ]
    },
    "alarms": {
        "MetricAlarms": [
            alarm("CIS-4.3-RootAccountUsage", "RootAccountUsageCount"),
            alarm("CIS-4.7-KmsKeyDisableOrScheduledDeletion", "KmsKeyDisableOrDeleteCount"),
            alarm(
                "billing-lambda-errors",
                "LambdaErrors",
                namespace="App",
                threshold=5.0,
                actions=(OPS_TOPIC,),
                EvaluationPeriods=3,
                DatapointsToAlarm=2,
                TreatMissingData="missing",
            ),
        ],
        "CompositeAlarms": [],
    },
    "subscriptions": {
        "Subscriptions": [
            sub(TOPIC, "8b0c3c4e-1f7a-4c55-9d1e-2b9f3e6a7c10"),
            sub(TOPIC, None, endpoint="ciso@example.com"),
            sub(
                OPS_TOPIC,
                "0e7d55aa-8a31-4f0b-b1f6-5ac3c2d9e417",
                protocol="https",
                endpoint="https://events.pagerduty.example/integration/abc/enqueue",
            ),
        ]
    },
}


def write(name, doc):
    (OUT / name).write_text(json.dumps(doc, indent=2) + "\n")


def variant(name, edit):
    doc = copy.deepcopy(BASE)
    edit(doc)
    write(name, doc)


write("pass_cis_4_7.json", BASE)
variant(
    "fail_trail_not_multi_region.json",
    lambda d: d["trails"]["trailList"][0].update(IsMultiRegionTrail=False),
)
variant(
    "fail_trail_not_logging.json", lambda d: d["trailStatus"].update({TRAIL_ARN: status(False)})
)
variant(
    "fail_write_only_selectors.json",
    lambda d: d["eventSelectors"].update({TRAIL_ARN: selectors(TRAIL_ARN, "WriteOnly")}),
)


def no_group(d):
    t = d["trails"]["trailList"][0]
    del t["CloudWatchLogsLogGroupArn"], t["CloudWatchLogsRoleArn"]


variant("fail_no_log_group.json", no_group)
variant(
    "fail_kms_events_excluded.json",
    lambda d: d["eventSelectors"].update(
        {TRAIL_ARN: selectors(TRAIL_ARN, excluded=["kms.amazonaws.com"])}
    ),
)
variant(
    "fail_alarm_wrong_namespace.json",
    lambda d: d["alarms"]["MetricAlarms"][1].update(Namespace="CloudTrailMetrics"),
)
variant(
    "fail_threshold_never_fires.json",
    lambda d: d["alarms"]["MetricAlarms"][1].update(Threshold=2.0),
)
variant("fail_unconfirmed_subscription.json", lambda d: d["subscriptions"]["Subscriptions"].pop(0))


def advanced(d):
    d["trails"]["trailList"][0]["HasCustomEventSelectors"] = True
    d["eventSelectors"][TRAIL_ARN] = {
        "TrailARN": TRAIL_ARN,
        "AdvancedEventSelectors": [
            {
                "Name": "Log all management events",
                "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}],
            },
            {
                "Name": "S3 data events for the audit bucket",
                "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["Data"]},
                    {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
                    {"Field": "resources.ARN", "StartsWith": ["arn:aws:s3:::audit-evidence/"]},
                ],
            },
        ],
    }


variant("pass_advanced_selectors.json", advanced)


def advanced_read_only(d):
    advanced(d)
    d["eventSelectors"][TRAIL_ARN]["AdvancedEventSelectors"][0]["FieldSelectors"].append(
        {"Field": "readOnly", "Equals": ["true"]}
    )


variant("fail_advanced_read_only.json", advanced_read_only)


def paginated(d):
    f = d["metricFilters"]["metricFilters"]
    d["metricFilters"] = [
        {"metricFilters": f[:1], "nextToken": "eyJmIjoxfQ=="},
        {"metricFilters": f[1:]},
    ]
    a = d["alarms"]["MetricAlarms"]
    d["alarms"] = [
        {"MetricAlarms": a[:2], "CompositeAlarms": [], "NextToken": "AAEAAdZL3x0p"},
        {"MetricAlarms": a[2:], "CompositeAlarms": []},
    ]
    s = d["subscriptions"]["Subscriptions"]
    d["subscriptions"] = [
        {"Subscriptions": s[:1], "NextToken": "AAFk3mS0"},
        {"Subscriptions": s[1:]},
    ]


variant("pass_paginated.json", paginated)


def truncated(d):
    a = d["alarms"]["MetricAlarms"]
    d["alarms"] = {"MetricAlarms": a[:1], "CompositeAlarms": [], "NextToken": "AAEAAdZL3x0p"}


variant("undecided_truncated_alarms.json", truncated)


def missing(d):
    del d["alarms"], d["subscriptions"], d["eventSelectors"]


variant("undecided_missing_keys.json", missing)


def malformed(d):
    d["trailStatus"][TRAIL_ARN] = {"LatestDeliveryTime": "2024-05-02T09:14:27.120000+00:00"}
    d["alarms"]["MetricAlarms"][1]["Threshold"] = "one"
    d["metricFilters"]["metricFilters"][0]["metricTransformations"] = []
    d["alarm"] = {"MetricAlarms": []}
    d["trails"]["trailList"][0]["SomeFutureField"] = {"nested": [1, 2]}


variant("undecided_malformed.json", malformed)


# --- whole-account fixtures (cwpattern audit, every CIS AWS 3.0.0 monitoring control) ---------
# The reference patterns of CIS AWS Foundations 3.0.0 4.1-4.15, as the benchmark prints them.

CIS_3_0_0 = {
    "4.1": (
        "UnauthorizedAPICalls",
        '{ ($.errorCode ="*UnauthorizedOperation") || ($.errorCode ="AccessDenied*") && ($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") }',
    ),
    "4.2": (
        "ConsoleSigninWithoutMFA",
        '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }',
    ),
    "4.5": (
        "CloudTrailConfigChanges",
        "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }",
    ),
    "4.6": (
        "ConsoleAuthenticationFailures",
        '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }',
    ),
    "4.8": (
        "S3BucketPolicyChanges",
        "{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || ($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || ($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || ($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }",
    ),
    "4.9": (
        "AWSConfigChanges",
        "{ ($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel)||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder)) }",
    ),
    "4.10": (
        "SecurityGroupChanges",
        "{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }",
    ),
    "4.11": (
        "NACLChanges",
        "{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }",
    ),
    "4.12": (
        "NetworkGatewayChanges",
        "{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || ($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) || ($.eventName = DeleteInternetGateway) || ($.eventName = DetachInternetGateway) }",
    ),
    "4.13": (
        "RouteTableChanges",
        "{ ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) }",
    ),
    "4.14": (
        "VPCChanges",
        "{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || ($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || ($.eventName = DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) }",
    ),
    "4.15": (
        "OrganizationsChanges",
        '{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake") || ($.eventName = "AttachPolicy") || ($.eventName = "CreateAccount") || ($.eventName = "CreateOrganizationalUnit") || ($.eventName = "CreatePolicy") || ($.eventName = "DeclineHandshake") || ($.eventName = "DeleteOrganization") || ($.eventName = "DeleteOrganizationalUnit") || ($.eventName = "DeletePolicy") || ($.eventName = "DetachPolicy") || ($.eventName = "DisablePolicyType") || ($.eventName = "EnablePolicyType") || ($.eventName = "InviteAccountToOrganization") || ($.eventName = "LeaveOrganization") || ($.eventName = "MoveAccount") || ($.eventName = "RemoveAccountFromOrganization") || ($.eventName = "UpdatePolicy") || ($.eventName = "UpdateOrganizationalUnit")) }',
    ),
}
# CIS 4.4 (IAM policy changes) is implemented by TWO filters on one metric: neither covers
# the control alone, together they do.
PATTERN_44_ATTACH = "{ ($.eventName = PutGroupPolicy) || ($.eventName = PutRolePolicy) || ($.eventName = PutUserPolicy) || ($.eventName = CreatePolicy) || ($.eventName = CreatePolicyVersion) || ($.eventName = AttachRolePolicy) || ($.eventName = AttachUserPolicy) || ($.eventName = AttachGroupPolicy) }"
PATTERN_44_DETACH = "{ ($.eventName = DeleteGroupPolicy) || ($.eventName = DeleteRolePolicy) || ($.eventName = DeleteUserPolicy) || ($.eventName = DeletePolicy) || ($.eventName = DeletePolicyVersion) || ($.eventName = DetachRolePolicy) || ($.eventName = DetachUserPolicy) || ($.eventName = DetachGroupPolicy) }"


def full_account(d):
    filters = d["metricFilters"]["metricFilters"]
    alarms = d["alarms"]["MetricAlarms"]
    for number, (metric, pattern) in CIS_3_0_0.items():
        name = f"CIS-{number}-{metric}"
        filters.append(mfilter(name, pattern, f"{metric}Count"))
        alarms.append(alarm(name, f"{metric}Count"))
    filters.append(mfilter("CIS-4.4-IAMPolicyAttach", PATTERN_44_ATTACH, "IAMPolicyChangeCount"))
    filters.append(mfilter("CIS-4.4-IAMPolicyDetach", PATTERN_44_DETACH, "IAMPolicyChangeCount"))
    alarms.append(alarm("CIS-4.4-IAMPolicyChanges", "IAMPolicyChangeCount"))


FULL = copy.deepcopy(BASE)
full_account(FULL)


def full_variant(name, edit):
    doc = copy.deepcopy(FULL)
    edit(doc)
    write(name, doc)


def find(items, key, value):
    return next(i for i in items if i[key] == value)


def kms_filter(d):
    return find(
        d["metricFilters"]["metricFilters"],
        "filterName",
        "CIS-4.7-KmsKeyDisableOrScheduledDeletion",
    )


write("pass_all_controls.json", FULL)


def split_metrics(d):
    fs = d["metricFilters"]["metricFilters"]
    find(fs, "filterName", "CIS-4.4-IAMPolicyDetach")["metricTransformations"][0]["metricName"] = (
        "IAMPolicyDetachCount"
    )
    d["alarms"]["MetricAlarms"].append(alarm("CIS-4.4-IAMPolicyDetach", "IAMPolicyDetachCount"))


full_variant("fail_filters_on_different_metrics.json", split_metrics)
full_variant(
    "fail_filter_misses_event.json",
    lambda d: kms_filter(d).update(
        filterPattern="{ ($.eventSource = kms.amazonaws.com) && ($.eventName = DisableKey) }"
    ),
)
full_variant(
    "fail_filter_wrong_log_group.json",
    lambda d: kms_filter(d).update(logGroupName="/aws/lambda/billing"),
)
full_variant(
    "fail_malformed_pattern.json",
    lambda d: kms_filter(d).update(
        filterPattern="{($.eventSource == kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }"
    ),
)


def no_alarm(d):
    d["alarms"]["MetricAlarms"] = [
        a
        for a in d["alarms"]["MetricAlarms"]
        if a["AlarmName"] != "CIS-4.5-CloudTrailConfigChanges"
    ]


full_variant("fail_no_alarm.json", no_alarm)
full_variant(
    "fail_alarm_actions_disabled.json",
    lambda d: find(d["alarms"]["MetricAlarms"], "AlarmName", "CIS-4.9-AWSConfigChanges").update(
        ActionsEnabled=False
    ),
)
full_variant(
    "fail_alarm_without_topic.json",
    lambda d: find(
        d["alarms"]["MetricAlarms"], "AlarmName", "CIS-4.10-SecurityGroupChanges"
    ).update(AlarmActions=[]),
)
full_variant(
    "fail_kms_excluded_all_controls.json",
    lambda d: d["eventSelectors"].update(
        {TRAIL_ARN: selectors(TRAIL_ARN, excluded=["kms.amazonaws.com"])}
    ),
)
full_variant(
    "undecided_transformed_logs.json", lambda d: kms_filter(d).update(applyOnTransformedLogs=True)
)
full_variant(
    "undecided_unreadable_filter.json",
    lambda d: kms_filter(d)["metricTransformations"][0].pop("metricName"),
)
full_variant(
    "undecided_log_group_other_region.json", lambda d: d["metadata"].update(region="eu-west-1")
)


def truncated_filters(d):
    fs = d["metricFilters"]["metricFilters"]
    d["metricFilters"] = {"metricFilters": fs[:8], "nextToken": "eyJmIjo4fQ=="}


full_variant("undecided_truncated_filters.json", truncated_filters)
