"""Partnership conventions: the record of who signed what, with whom, over where."""
