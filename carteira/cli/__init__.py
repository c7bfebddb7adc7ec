"""The `carteira` console command: every click command and the options they share.

`main` holds the group and the refresh, demo, generate, sql and dbt commands, and adds
the command families of the other modules (`reports`, `views`, `postgres`, `superset`,
`status`). Nothing outside `carteira.cli` imports it (tests/test_layout.py): each command
parses its options and calls down into the package that does the work.
"""
