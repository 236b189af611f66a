"""The `phxstack` command line: validate, config and the offline plan."""
