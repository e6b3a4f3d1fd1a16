"""Running the mock from tests: the MockServer harness and the pytest plugin."""
