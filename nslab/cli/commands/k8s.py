"""nslab k8s manifest --image IMAGE"""

from __future__ import annotations

import argparse

from nslab.errors import ExitCode

HELP = ("print a Kubernetes DaemonSet that keeps nslab's agent ready on every node, for labs "
        "across machines reached with kubectl: exec -i -n NAMESPACE POD")


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["manifest"])
    p.add_argument("--image", required=True,
                   help="an image with nslab (and iproute2, nftables, frr...) installed")
    p.add_argument("--namespace", default="nslab", help="the Kubernetes namespace (nslab)")
    p.add_argument("--name", default="nslab-agent", help="the DaemonSet's name (nslab-agent)")


def run(a: argparse.Namespace) -> int:
    from nslab.views.k8s import daemonset

    print(daemonset(a.image, a.namespace, a.name), end="")
    return ExitCode.OK
