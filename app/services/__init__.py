"""What the service does with stored data, apart from HTTP: the routers call these."""
