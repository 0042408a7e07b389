"""Command groups of the `parley` command line, each registered on the app by `runtime.cli`."""
