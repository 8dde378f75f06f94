"""The schéma's action plan once the warehouse's figures are built: each linked indicator's trajectory and status.

The plan's workbook is read by ``pipelines/sources/plan.py`` and staged by ``pipelines/staging/plan.py``; here,
what reads the built values (like ``pipelines/priority``): ``tracking`` (the on-track rule, pure functions)
and ``build`` (the warehouse tables ``plan_trajectory`` and ``plan_tracking``).
"""
