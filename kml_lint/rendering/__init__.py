"""Charts and overlays: render Helm charts and build Kustomize overlays, and map what the rendered text says
back to the template and source lines it came from.

- ``helm`` / ``helm_child``: confined chart rendering (a fresh child process with limits);
- ``kustomize``: overlay builds through a temporary wrapper kustomization with origin annotations;
- ``placement``, ``templatelines``, ``patches``: rendered line and key path -> file, line and column;
- ``plan``: which charts and kustomizations a run renders, and which files they use.
"""
