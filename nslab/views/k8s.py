"""The Kubernetes side of labs across machines: a DaemonSet whose pod on every
node holds nslab, ready for `kubectl exec -i ... -- nslab agent --stdio`
(the `kubectl:` transport). Pure text."""

from __future__ import annotations

import json


def daemonset(image: str, namespace: str, name: str) -> str:
    """The manifest (YAML): the Namespace and the DaemonSet. The pod is
    privileged on the node's own network (the VXLANs' underlay is the node's),
    with the node's /run/netns (shared both ways: a lab's namespaces are the
    node's), /run/nslab (the journals outlive a restarted pod), /etc/netns and
    the kernel's modules; it sleeps, and nslab runs in it when asked."""
    q = json.dumps  # a JSON string is a YAML string: any name or image quoted right
    mounts = [("netns", "/run/netns", "Bidirectional"), ("state", "/run/nslab", None),
              ("etc-netns", "/etc/netns", None), ("modules", "/lib/modules", None)]
    volume_mounts = "".join(
        f"        - name: {v}\n          mountPath: {path}\n"
        + (f"          mountPropagation: {prop}\n" if prop else "")
        + ("          readOnly: true\n" if v == "modules" else "")
        for v, path, prop in mounts)
    volumes = "".join(f"      - name: {v}\n        hostPath:\n          path: {path}\n"
                      f"          type: DirectoryOrCreate\n" for v, path, _ in mounts)
    return f"""# nslab's agent on every node: labs across machines reach it with
#   machines: {{NODE: {{kubectl: "exec -i -n {namespace} POD", underlay: NODE_ADDRESS}}}}
# (kubectl get pods -n {namespace} -o wide: which pod is on which node)
apiVersion: v1
kind: Namespace
metadata:
  name: {q(namespace)}
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: {q(name)}
  namespace: {q(namespace)}
  labels: {{app: {q(name)}}}
spec:
  selector:
    matchLabels: {{app: {q(name)}}}
  template:
    metadata:
      labels: {{app: {q(name)}}}
    spec:
      hostNetwork: true
      hostPID: true
      dnsPolicy: ClusterFirstWithHostNet
      containers:
      - name: nslab
        image: {q(image)}
        command: ["sleep", "infinity"]
        securityContext:
          privileged: true
        volumeMounts:
{volume_mounts}      volumes:
{volumes}"""
