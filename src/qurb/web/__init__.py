"""The web face: the FastAPI app (`create_app(settings)`), its HTTP API and the map page."""
