"""One reader per input format."""
