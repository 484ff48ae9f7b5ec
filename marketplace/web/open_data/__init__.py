"""/open-data: public daily aggregates and their data dictionary (issue 12, item 4)."""
