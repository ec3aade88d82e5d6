"""One module per verb of the command line: its help (`HELP`), its flags
(`arguments`) and its handler (`run`), side by side. The table of verbs is
`nslab.cli.VERBS`; a module is imported only when its verb is run (or when
the whole parser is needed: --help, the man page, completion)."""
