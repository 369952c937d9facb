"""Where the pods of an object are found, three ways (``finder.PodFinder`` combines them):

1. **The workload table** (``workloads.yaml``, walked by ``workloads.py``): hand-written rows that also know
   roles, traits, operator defaults and reference fields. A row always wins.
2. **CRD derivation** (``derive.py``): the places of a CRD schema that hold a pod (a PodTemplateSpec, a PodSpec,
   a container-shaped object, arrays and maps of them, embedded objects), for every CRD kml-lint knows (shipped,
   ``--schema-dir``, and CRDs among the run's files). Precomputed for the shipped CRDs
   (``compiled_crd_pods.json``), once per CRD otherwise. Derived pods are ``partial``.
3. **Shape search** (``shape.py``): in an object of a kind with neither a row nor a schema (policy kinds
   excepted), and inside the opaque parts of a CRD schema, pod-shaped and container-shaped values. Shape-found
   pods are ``partial`` too.
"""
