"""Will it schedule? The Kubernetes scheduler's filters, run offline against a described cluster.

``cluster`` reads cluster descriptions (``kubectl get nodes -o yaml`` snapshots and kml-lint's own profiles)
into node pools, nodes of identical shape grouped; ``pod`` works out what a pod template asks of a node
(its effective request, selectors, affinity, tolerations); ``filters`` runs the scheduler's filters over the
pools and words the verdict the way the scheduler does. Checks (``checks/placement.py``) turn verdicts into
findings. Nothing here runs unless a cluster is described.
"""
