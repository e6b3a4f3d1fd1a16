"""The /__mock/ control API."""
