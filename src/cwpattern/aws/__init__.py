"""The AWS account side: what an account holds, read from a snapshot or from IaC, and the
CIS monitoring audit of it.

* :mod:`~cwpattern.aws.snapshot`: the snapshot document (AWS CLI outputs) as typed records;
  :mod:`~cwpattern.aws.capture`: boto3 → snapshot; :mod:`~cwpattern.aws.iac`: Terraform and
  CloudFormation → the same records;
* :mod:`~cwpattern.aws.publish`: metric filters' values, dimensions, datapoints,
  TestMetricFilter; :mod:`~cwpattern.aws.alarms`: alarm evaluation;
* :mod:`~cwpattern.aws.checker` (``cwpattern.check``), :mod:`~cwpattern.aws.matrix`
  (``check --benchmark``), :mod:`~cwpattern.aws.filterdefs` and
  :mod:`~cwpattern.aws.iaclint` (``cwpattern lint``): many metric filters against controls;
* :mod:`~cwpattern.aws.checks`: one module per link (trail, filters, alarm, notification);
  :mod:`~cwpattern.aws.audit`: the per-control chain trail → metric filter → alarm →
  notification; :mod:`~cwpattern.aws.report`: its text, JSON and SARIF renderings.

The pattern language (``cwpattern.compile``, the analyzer) never imports this package.
"""
