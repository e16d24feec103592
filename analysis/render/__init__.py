"""One renderer per output format; output.py writes a pack with any of them."""
