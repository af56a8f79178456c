"""Compiled plans: queries over the tables answered by one SQL statement, without the executor.

:mod:`schema.compiled.catalog` says what a plan may read, :mod:`schema.compiled.plan` plans a
request and writes its answer; the HTTP endpoint tries a plan for each query before it runs
the executor, which stays the one source of truth for everything else.
"""
