"""`python -m carteira.cli`: the `carteira` command, as the console script runs it."""

from carteira.cli.main import main

main()
