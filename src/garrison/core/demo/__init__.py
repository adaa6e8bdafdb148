"""Deterministic demo data for `garrison seed-demo`.

`catalogue` (the organisation's shape, as data) and `names` feed `plan`, a pure
generator of units, people, roles and RACI lines from a scale and a seed;
`organisation` loads a plan in bulk with its audit events; `registry` orders the
steps that the core and the domain apps contribute; `runner` runs them.
"""
