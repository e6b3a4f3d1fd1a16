"""The developer portal served by the mock: overview and API reference pages."""
