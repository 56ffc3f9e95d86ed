"""Models of the orders app arrive with its issue."""
