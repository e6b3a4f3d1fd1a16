"""OpenAPI 3.1: the loaded catalog exported as a document, and documents imported as fixtures."""
