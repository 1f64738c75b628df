"""The checks of an audit, one module per link of a control's chain: :mod:`.trail`,
:mod:`.filters`, :mod:`.alarm`, :mod:`.notification`.  Each returns typed records
(:class:`~cwpattern.aws.results.LinkResult` and the frozen records of its module);
:mod:`cwpattern.aws.audit` composes them into one chain per control.
"""
