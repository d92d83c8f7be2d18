"""twinning's REST service: the ``assessment`` library over HTTP, stored with SQLModel."""
