"""Models of the seckill app arrive with its issue."""
