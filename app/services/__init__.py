"""What the service does with stored data, apart from HTTP: the API's routers and the web
pages call these, so both apply the same rules."""
