"""Models of the catalog app arrive with its issue."""
