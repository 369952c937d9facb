"""Schema validation: Kubernetes, CRD and user JSON schemas, compiled once per kind and cached.

- ``convert``: turns Kubernetes' JSON schemas, CRDs and users' JSON schemas into one compact dialect
  (references inlined, descriptions dropped, nulls accepted, quantities marked);
- ``compiler``: compiles a schema of that dialect into a fast validator that reports located problems;
- ``store``: finds the schema of an apiVersion/kind (user folders, the shipped CRDs, the Kubernetes bundle of
  the selected version), loading only what a run touches.

Nothing here is imported unless a schema rule runs.
"""
