"""The composition root: the web app, the command line, and what features register."""
