"""The aiohttp application that serves the catalog."""
