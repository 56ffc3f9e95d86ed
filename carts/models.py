"""Models of the carts app arrive with its issue."""
