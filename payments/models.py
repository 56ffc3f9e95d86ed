"""Models of the payments app arrive with its issue."""
