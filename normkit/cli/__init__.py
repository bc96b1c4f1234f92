"""Front-ends: the command line (`normkit`), built on the public API."""
