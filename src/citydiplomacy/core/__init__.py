"""Pure computation on numpy / pandas / scipy: no Django, no click, no file paths."""
