"""Plot functions and the house style: each takes ax= and returns the Axes."""
