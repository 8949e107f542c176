"""The paging rules, in pure Python: no I/O, no framework, time passed in."""
