"""The `carteira` console command: every click command and the options they share.

`main` builds the command group; one module per command family (`reports`, `views`,
`postgres`, `superset`, `status`) registers its subcommands. Nothing below `carteira.cli`
imports from it: the commands call down into the packages that do the work.
"""
