"""kml-lint: a linter for Kubernetes manifests of ML and data-science workloads."""

__version__ = "0.1.0"
