"""One module per source: read (or fetch) -> validate -> typed pandas table."""
